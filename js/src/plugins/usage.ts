/**
 * `usage()`: the phase-2 dashboard (issue 14 §6): counts every authentication
 * and refresh per day, kind, failure reason and client (flushed to
 * `auth_usage` after the response, never on its path), and serves the admin
 * report GET /usage with the phase-3 readiness signal. Its settings are the
 * core options `usage` and `phase3` (USAGE_* and PHASE3_* variables), which
 * also bound how long the cleanup keeps account events.
 */
import { USAGE_QUERY } from "../api/requests";
import { USAGE_RESPONSE } from "../api/responses";
import { getUsage } from "../endpoints/v3/usage";
import { deleteOldUsageChunk } from "../db";
import { retentionStart } from "../lifecycle/cleanup";
import { UsageCounter, USAGE_PLUGIN_ID, clientOf, usageCounterOf } from "../lifecycle/usage";
import type { AuthPlugin } from "../plugin";
import { defineRoute, ok } from "../routes";
import { waitUntilOf } from "../scope";

export function usage(): AuthPlugin<typeof USAGE_PLUGIN_ID> {
  return {
    id: USAGE_PLUGIN_ID,
    tables: ["auth_usage"],
    routes: [
      defineRoute({ method: "GET", path: "/usage", guard: "auth", summary: "phase-2 usage report (admin)", query: USAGE_QUERY, response: ok(USAGE_RESPONSE, "the report"), handler: getUsage }),
    ],
    createState: () => new UsageCounter(),
    // Counters older than USAGE_RETENTION_DAYS (whole UTC days, the report's window).
    cleanup: (db, config, nowMs, limit) => [{ table: "auth_usage", chunk: () => deleteOldUsageChunk(db, retentionStart(config, nowMs), limit) }],
    describe: (config) => ({ flushRequests: config.usage.flushRequests, flushSeconds: config.usage.flushSeconds, retentionDays: config.usage.retentionDays }),
    hooks: {
      observe(scope, c, event) {
        const counter = usageCounterOf(scope.auth);
        counter.record(event.kind, event.reason, clientOf(c.req.raw.headers));
        counter.maybeFlush(scope.db, scope.config, waitUntilOf(c));
      },
      flush: (scope) => usageCounterOf(scope.auth).flush(scope.db),
    },
  };
}
