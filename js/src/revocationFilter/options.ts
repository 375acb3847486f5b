/**
 * The revocation filter plugin's options (issue 23), checked once per env.
 * The delta's period is the core's `revocation.cacheSeconds`
 * (REVOCATION_CACHE_SECONDS): it bounds how late a revocation made elsewhere
 * is seen, with or without the filter.
 */
import { AuthConfigError } from "../options";
import { kvFilterStore } from "./store";
import type { FilterStore } from "./store";

export interface RevocationFilterOptions {
  /** The Workers KV binding that spreads the filter. Default "REVOCATION_KV". */
  binding?: string;
  /** Its key. Default "hybrid-auth/revocation-filter". */
  key?: string;
  /** How often an isolate re-reads the filter, in seconds (30..3600). Default 60: the delta it keeps beside the filter grows for that long (memory), the window does not depend on it. */
  filterRefreshSeconds?: number;
  /** KV's per-location cache of the value, in seconds (30..3600). Default 60. */
  kvCacheTtl?: number;
  /** Confirmed answers kept per isolate (100..1,000,000). Default 10,000. */
  confirmationCacheSize?: number;
  /** The store, instead of the KV binding (tests, the simulation harness, another store). */
  store?: (env: never) => FilterStore;
  /** The clock in ms (tests, the simulation harness's compressed time). Default Date.now. */
  now?: () => number;
}

/** The checked options, in Config.revocationFilter. */
export interface RevocationFilterConfig {
  store: FilterStore;
  /** The key material of the envelopes' MAC: the JWT secret (envelope.ts). */
  secret: string;
  filterRefreshSeconds: number;
  confirmationCacheSize: number;
  now: () => number;
}

function int(name: string, value: number | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw new AuthConfigError(`revocationFilter: ${name} must be an integer from ${min} to ${max}`);
  return value;
}

export function resolveRevocationFilter(options: RevocationFilterOptions, env: object, secret: string | null): RevocationFilterConfig {
  if (secret === null) throw new AuthConfigError("revocationFilter needs JWT mode (a secret): it only checks JWTs");
  const filterRefreshSeconds = int("filterRefreshSeconds", options.filterRefreshSeconds, 30, 3600, 60);
  const kvCacheTtl = int("kvCacheTtl", options.kvCacheTtl, 30, 3600, 60);
  const confirmationCacheSize = int("confirmationCacheSize", options.confirmationCacheSize, 100, 1_000_000, 10_000);
  let store: FilterStore;
  if (options.store) {
    store = (options.store as (env: object) => FilterStore)(env);
  } else {
    const binding = options.binding ?? "REVOCATION_KV";
    const kv = (env as Record<string, unknown>)[binding];
    if (typeof kv !== "object" || kv === null || typeof (kv as { get?: unknown }).get !== "function") {
      throw new AuthConfigError(`revocationFilter: the KV binding ${binding} is missing (kv_namespaces in wrangler.jsonc)`);
    }
    store = kvFilterStore(kv as KVNamespace, options.key ?? "hybrid-auth/revocation-filter", kvCacheTtl);
  }
  return { store, secret, filterRefreshSeconds, confirmationCacheSize, now: options.now ?? Date.now };
}
