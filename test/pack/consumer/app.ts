// An adopter's own Hono Worker, written only against the installed package's public
// entries ("hybrid-auth/hono" and two plugins, "hybrid-auth/sessions" and
// "hybrid-auth/passkeys"; email and usage are left out) and its shipped types: its own D1
// binding name (APP_DB), its own prefix (/api/auth), a typed options object checked once
// at start-up (no env-var names), and a route of its own guarded by auth.requireAuth. The
// pack test copies it into a fresh project next to secret.ts, which it writes with a fresh
// random secret.
import { Hono } from "hono";
import { createAuth } from "hybrid-auth/hono";
import type { AuthOptions, AuthVariables, Principal } from "hybrid-auth/hono";
import { passkeys } from "hybrid-auth/passkeys";
import { sessions } from "hybrid-auth/sessions";
import { SIGNING_SECRET } from "./secret";

export interface Env {
  APP_DB: D1Database;
}

// Not the defaults, so the test can tell the object was used: 15-minute JWTs, one-day
// refresh tokens, strict revocation, and a claim of the adopter's own on every JWT.
const options: AuthOptions<Env> = {
  database: (env) => env.APP_DB,
  secret: SIGNING_SECRET,
  accessTokenTtl: 900,
  refreshTokenTtl: 86_400,
  revocation: { mode: "strict" },
  hooks: { extraClaims: () => ({ tenant: "acme" }) },
};

// A static passkey configuration is checked here, at start-up, like the options object.
// The origin is never used: the pack test runs no WebAuthn ceremony, only the options route.
const auth = createAuth({
  ...options,
  plugins: [sessions(), passkeys({ rpId: "localhost", rpName: "Adopter app", origins: ["http://localhost:8787"] })],
});

const app = new Hono<{ Bindings: Env; Variables: AuthVariables }>();
app.get("/health", (c) => c.text("ok"));
app.route("/api/auth", auth.app);
app.get("/api/orders", auth.requireAuth, (c) => {
  const principal: Principal = c.get("principal");
  return c.json({ principal, orders: [] });
});
app.notFound((c) => c.text("adopter 404", 404));

export default { fetch: app.fetch, scheduled: auth.scheduled } satisfies ExportedHandler<Env>;
