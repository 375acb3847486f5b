/**
 * The v3 auth Worker: register, login, me, logout, with JWTs (when
 * JWT_SECRET is set) and session tokens behind one authenticate().
 * Routes live in app.ts; this file is only the Worker entry point.
 */
import { app } from "./app";
import type { Env } from "./env";

export { app };
export type { Env };

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
