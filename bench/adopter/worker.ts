/**
 * The core-only adopter (issue 20): what a Worker that wants password sign-in, JWTs and
 * refresh writes, importing only `hybrid-auth/hono`. bench/startup.mjs bundles it with
 * `wrangler deploy --dry-run` (this folder's wrangler.jsonc points the package's names at
 * js/src, as js/wrangler.jsonc does) and loads it beside bare Hono and the demo.
 *
 * It is also the template of the "core + one plugin" rows: bench/adopters.mjs copies it and
 * fills the two `bench:` marker comments with one plugin's import and factory call.
 */
import { Hono } from "hono";
import { createAuth } from "hybrid-auth/hono";
// bench:plugin-imports

export interface Env {
  DB: D1Database;
  JWT_SECRET: string;
  RESEND_API_KEY: string;
}

export const auth = createAuth((env: Env) => ({ database: (e: Env) => e.DB, secret: env.JWT_SECRET }), {
  plugins: [/* bench:plugins */],
});

const app = new Hono<{ Bindings: Env }>();
app.route("/auth", auth.app);
app.get("/api/me", auth.requireAuth, (c) => c.json(c.get("principal").user));

export default {
  fetch: app.fetch,
  scheduled: auth.scheduled,
} satisfies ExportedHandler<Env>;
