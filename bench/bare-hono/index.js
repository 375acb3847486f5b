// The reference for the start-up benchmark (bench/startup.mjs): a bare Hono Worker with
// one route, bundled by the same wrangler from the same node_modules as js/. Whatever
// js/ loads beyond this is the cost of hybrid-auth's Worker. Local only; never deployed.
import { Hono } from "hono";

const app = new Hono();
app.get("/health", (c) => c.json({ ok: true }));

export default app;
