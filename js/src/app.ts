import { Hono } from "hono";
import type { Context } from "hono";
import { DatabaseError } from "./db";
import { HttpError, errorBody, serviceUnavailable } from "./errors";
import { getCurrentUser } from "./endpoints/v3/getCurrentUser";
import { login } from "./endpoints/v3/login";
import { logout, logoutAll } from "./endpoints/v3/logout";
import { refresh } from "./endpoints/v3/refresh";
import { getUsage } from "./endpoints/v3/usage";
import { passkeyLoginOptions } from "./endpoints/v3/passkeyLoginOptions";
import { passkeyLoginVerify } from "./endpoints/v3/passkeyLoginVerify";
import { passkeyRegisterOptions } from "./endpoints/v3/passkeyRegisterOptions";
import { passkeyRegisterVerify } from "./endpoints/v3/passkeyRegisterVerify";
import { deleteUserPasskey, listUserPasskeys } from "./endpoints/v3/passkeys";
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
// Token lifecycle (issue 4): refresh rotation, logout everywhere, phase-2 usage report.
app.post("/auth/refresh", refresh);
app.post("/auth/logout-all", requireAuth, logoutAll);
app.get("/auth/usage", requireAuth, getUsage);
// Passkeys (WebAuthn): see src/passkeys/ and migrations/0003_passkeys.sql.
app.post("/auth/passkey/register/options", requireAuth, passkeyRegisterOptions);
app.post("/auth/passkey/register/verify", requireAuth, passkeyRegisterVerify);
app.post("/auth/passkey/login/options", passkeyLoginOptions);
app.post("/auth/passkey/login/verify", passkeyLoginVerify);
app.get("/auth/passkeys", requireAuth, listUserPasskeys);
app.delete("/auth/passkeys/:id", requireAuth, deleteUserPasskey);

// A known path with the wrong method is a 405 with Allow, not a 404.
const ALLOWED: Record<string, string> = {
  "/auth/register": "POST",
  "/auth/login": "POST",
  "/auth/me": "GET",
  "/auth/logout": "POST",
  "/auth/refresh": "POST",
  "/auth/logout-all": "POST",
  "/auth/usage": "GET",
  "/auth/passkey/register/options": "POST",
  "/auth/passkey/register/verify": "POST",
  "/auth/passkey/login/options": "POST",
  "/auth/passkey/login/verify": "POST",
  "/auth/passkeys": "GET",
  "/auth/passkeys/:id": "DELETE",
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
