// The core-only fixture (../core-only/worker.ts) with every plugin mounted, each from
// its own entry of the installed tarball: the pack test's comparison for the core-only
// bundle's size, and the case where its plugin-input check must name every plugin.
import { Hono } from "hono";
import { createAuth } from "hybrid-auth/hono";
import type { AuthVariables } from "hybrid-auth/hono";
import { email } from "hybrid-auth/email";
import { passkeys } from "hybrid-auth/passkeys";
import { sessions } from "hybrid-auth/sessions";
import { usage } from "hybrid-auth/usage";
import { browserApps } from "hybrid-auth/browser";

export interface Env {
  DB: D1Database;
  JWT_SECRET: string;
}

const auth = createAuth((env: Env) => ({ database: (e: Env) => e.DB, secret: env.JWT_SECRET }), {
  plugins: [
    passkeys({ rpId: "localhost", rpName: "Pack test", origins: ["http://localhost:8787"] }),
    email(),
    sessions(),
    usage(),
    browserApps({ cookies: { mode: "on" } }),
  ],
});

const app = new Hono<{ Bindings: Env; Variables: AuthVariables }>();
app.route("/auth", auth.app);
app.get("/api/me", auth.requireAuth, (c) => c.json(c.get("principal").user));

export default { fetch: app.fetch, scheduled: auth.scheduled } satisfies ExportedHandler<Env>;
