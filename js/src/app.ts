import { Hono } from "hono";
import type { Context } from "hono";
import { DatabaseError } from "./db";
import { HttpError, errorBody, serviceUnavailable } from "./errors";
import { getCurrentUser } from "./endpoints/v3/getCurrentUser";
import { login } from "./endpoints/v3/login";
import { logout } from "./endpoints/v3/logout";
import { register } from "./endpoints/v3/register";
import { requireAuth } from "./middleware/auth";
import { withConfig } from "./middleware/config";
import type { AppEnv } from "./types";

export const app = new Hono<AppEnv>();

// Auth answers carry tokens and personal data: never cache them anywhere.
app.use("*", async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store");
  c.header("X-Content-Type-Options", "nosniff");
});

/** Liveness for scripts and load balancers; touches neither config nor D1. */
app.get("/health", (c) => c.json({ ok: true }));

app.use("/auth/*", withConfig);
app.post("/auth/register", register);
app.post("/auth/login", login);
app.get("/auth/me", requireAuth, getCurrentUser);
app.post("/auth/logout", requireAuth, logout);

// A known path with the wrong method is a 405 with Allow, not a 404.
const ALLOWED: Record<string, string> = {
  "/auth/register": "POST",
  "/auth/login": "POST",
  "/auth/me": "GET",
  "/auth/logout": "POST",
};
for (const [path, allow] of Object.entries(ALLOWED)) {
  app.all(path, (c) => c.json(errorBody("method_not_allowed", `use ${allow}`), 405, { Allow: allow }));
}

app.notFound((c) => c.json(errorBody("not_found", "no such route"), 404));

/**
 * The single exit for errors: every failure leaves as JSON with a stable
 * code, and nothing internal (stack, SQL, secret) reaches the client.
 */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof HttpError) {
    return c.json(errorBody(err.code, err.message), err.status, err.headers);
  }
  if (err instanceof DatabaseError) {
    console.error(`[hybrid-auth] ${err.message}`);
    const unavailable = serviceUnavailable();
    return c.json(errorBody(unavailable.code, unavailable.message), unavailable.status, unavailable.headers);
  }
  console.error("[hybrid-auth] unhandled error", err);
  return c.json(errorBody("internal_error", "internal error"), 500);
}

app.onError(handleError);
