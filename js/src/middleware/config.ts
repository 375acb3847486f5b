import { createMiddleware } from "hono/factory";
import { HttpError } from "../errors";
import { loadConfig } from "../config";
import type { AppEnv } from "../types";

/**
 * Puts the checked configuration on the context. A bad configuration fails
 * closed: every auth route answers 503 `misconfigured` (the reason is in the
 * Worker's log, once), and nothing is ever signed with a weak secret.
 */
export const withConfig = createMiddleware<AppEnv>(async (c, next) => {
  const config = loadConfig(c.env);
  if (config instanceof Error) {
    throw new HttpError(503, "misconfigured", "the authentication service is misconfigured");
  }
  c.set("config", config);
  await next();
});
