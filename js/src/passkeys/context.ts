import { HttpError } from "../errors";
import type { AppContext } from "../types";
import { loadPasskeyConfig } from "./config";
import type { PasskeyConfig } from "./config";

/** The checked passkey configuration, or 503 `misconfigured` (reason logged once). */
export function passkeyConfigOf(c: AppContext): PasskeyConfig {
  const config = loadPasskeyConfig(c.env);
  if (!config) throw new HttpError(503, "misconfigured", "passkeys are misconfigured on this server");
  return config;
}
