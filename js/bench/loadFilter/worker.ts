/**
 * `npm run test:load`'s second run (LOAD_REVOCATION=filter, issue 23): the demo's app
 * (demo/app.ts, every plugin) plus `revocationFilter()`, so the same mixed traffic and the
 * same checks (every logged-out JWT refused, every other one accepted, nothing lost) run
 * with JWT revocation answered by the filter, its delta and D1 confirmations, while the
 * cron publishes the filter to the local KV.
 */
import { revocationFilter } from "hybrid-auth/revocation";
import { demoWorker } from "../../demo/app";

import type { Env } from "../../demo/app";

// 30 s, the option's floor: the load's minute sees the isolate swap its filter at least once.
export const { auth, app } = demoWorker({ plugins: [revocationFilter({ filterRefreshSeconds: 30 })] });

export default {
  fetch: app.fetch,
  scheduled: auth.scheduled,
} satisfies ExportedHandler<Env>;
