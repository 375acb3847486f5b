/**
 * `revocationFilter()`: revocation at scale with no D1 read per JWT check
 * (issue 23). Each isolate checks JWTs against a compact filter of every
 * revoked family, stamp and jti (the Rust module `hybrid-auth/filter`),
 * published to Workers KV by the Cron Trigger, plus the exact rows newer than
 * the filter, read from D1 every REVOCATION_CACHE_SECONDS. A filter hit is
 * confirmed by D1, so a valid token is never refused. It replaces the core's
 * snapshot of every row, whose memory and cold load grow with the revoked set
 * (SECURITY.md, "Revocation at scale").
 *
 *   plugins: [revocationFilter()]                 // binding REVOCATION_KV
 *   export default { fetch: app.fetch, scheduled: auth.scheduled }  // publishes after the cleanup
 *
 * Without a JWT secret there is nothing to check: createAuth refuses it.
 */
import type { AuthPlugin, PluginOptionsInput } from "../plugin";
import { optionsFor } from "../plugin";
import { resolveRevocationFilter } from "../revocationFilter/options";
import type { RevocationFilterConfig, RevocationFilterOptions } from "../revocationFilter/options";
import { publishRevocationFilter } from "../revocationFilter/publisher";
import type { PublishReport } from "../revocationFilter/publisher";
import { FilterRevocations } from "../revocationFilter/source";
import type { FilterStats } from "../revocationFilter/source";

export { publishRevocationFilter, FilterRevocations };
export { kvFilterStore } from "../revocationFilter/store";
export type { FilterStore } from "../revocationFilter/store";
export type { FilterStats, PublishReport, RevocationFilterConfig, RevocationFilterOptions };

export const REVOCATION_FILTER_PLUGIN_ID = "revocation-filter";

export function revocationFilter(options: PluginOptionsInput<RevocationFilterOptions> = {}): AuthPlugin<typeof REVOCATION_FILTER_PLUGIN_ID> {
  return {
    id: REVOCATION_FILTER_PLUGIN_ID,
    tables: [],
    routes: [],
    configure: (env, core) => ({
      revocationFilter: resolveRevocationFilter(optionsFor(options, env), env, core.mode === "jwt" ? core.jwtSecret : null),
    }),
    describe: (config) => ({
      filterRefreshSeconds: config.revocationFilter?.filterRefreshSeconds ?? null,
      deltaSeconds: config.revocation.cacheSeconds,
    }),
    hooks: {
      revocationSource: () => new FilterRevocations(),
      async scheduled(scope, nowMs) {
        const slot = scope.config.revocationFilter;
        if (slot === null) return;
        try {
          const report = await publishRevocationFilter({ db: scope.db, store: slot.store, secret: slot.secret, nowMs });
          console.log(`[hybrid-auth] revocation filter ${report.skipped ? "not published (a newer one is there)" : "published"}: seq ${report.seq}, ${report.entries} entries, ${report.bytes} bytes`);
        } catch (err) {
          console.error(`[hybrid-auth] revocation filter not published: ${err instanceof Error ? err.message : String(err)}`);
        }
      },
    },
  };
}
