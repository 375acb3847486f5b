// The smallest adopter (issue 20): passwords, JWTs and refresh tokens, no plugin. It
// imports only "hybrid-auth/hono" (and Hono), so what wrangler bundles from the installed
// tarball is the core alone; the pack test bounds its size and checks that no plugin's
// file or the passkey verifier's libraries are among the bundle's inputs.
import { Hono } from "hono";
import { createAuth } from "hybrid-auth/hono";
import type { AuthVariables } from "hybrid-auth/hono";

export interface Env {
  DB: D1Database;
  JWT_SECRET: string;
}

const auth = createAuth((env: Env) => ({ database: (e: Env) => e.DB, secret: env.JWT_SECRET }));

const app = new Hono<{ Bindings: Env; Variables: AuthVariables }>();
app.route("/auth", auth.app);
app.get("/api/me", auth.requireAuth, (c) => c.json(c.get("principal").user));

export default { fetch: app.fetch, scheduled: auth.scheduled } satisfies ExportedHandler<Env>;
