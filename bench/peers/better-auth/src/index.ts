// The Hono side, as better-auth's Hono integration page writes it: the handler mounted on
// its base path, and a session middleware on one route of the app (the peer of
// hybrid-auth's `auth.requireAuth`). bench/startup.mjs only bundles and loads this Worker.
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { auth } from "./auth";

type Env = { Variables: { session: typeof auth.$Infer.Session | null } };

const requireSession = createMiddleware<Env>(async (c, next) => {
  const session = await auth.api.getSession({ headers: c.req.raw.headers });
  if (!session) return c.json({ error: "unauthorized" }, 401);
  c.set("session", session);
  await next();
});

const app = new Hono<Env>();
app.get("/health", (c) => c.json({ ok: true }));
app.on(["POST", "GET"], "/api/auth/*", (c) => auth.handler(c.req.raw));
app.get("/api/me", requireSession, (c) => c.json(c.get("session")?.user ?? null));

export default { fetch: app.fetch };
