/**
 * The v3 auth Worker: register, login, refresh, me, logout, with JWTs (when
 * JWT_SECRET is set) and session tokens behind one authenticate(), plus the
 * scheduled cleanup. Routes live in app.ts; this file is only the entry point.
 */
import { app } from "./app";
import { ConfigError, parseLifecycle } from "./config";
import { runCleanup } from "./lifecycle/cleanup";
import type { Env } from "./env";

export { app };
export type { Env };

/**
 * Cron Trigger (wrangler.jsonc `triggers.crons`): delete expired rows.
 * Needs only the lifecycle settings, so it runs even when JWT_SECRET is
 * misconfigured (that only stops the auth routes).
 */
async function scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  let config;
  try {
    config = parseLifecycle(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`[hybrid-auth] cleanup skipped, misconfigured: ${err.message}`);
    return;
  }
  const work = runCleanup(env.GENERAL_DB, config, controller.scheduledTime).then((report) => {
    if (report.errors.length) console.error("[hybrid-auth] cleanup errors", report.errors.join("; "));
    console.log(`[hybrid-auth] cleanup (${controller.cron}): ${JSON.stringify(report.deleted)} in ${report.statements} statements`);
  });
  ctx.waitUntil(work);
  await work;
}

export default {
  fetch: app.fetch,
  scheduled,
} satisfies ExportedHandler<Env>;
