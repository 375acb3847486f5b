/**
 * Where the published revocation filter lives between the publisher and the
 * isolates (issue 23): Workers KV. SECURITY.md ("Revocation at scale") says
 * why KV rather than the Cache API, a Durable Object or D1 replicas; in
 * short: one value read at the edge by every cold isolate, cheap and cached
 * near it, with an eventual consistency the filter's `seq` makes harmless.
 * The interface is what the isolate and the publisher need, so the
 * simulation harness and the fault tests can stand a failing store in.
 */
import { DatabaseError } from "../db";

export interface FilterStore {
  /** The stored envelope, or null when none was ever published. Throws a DatabaseError when the store fails. */
  get(): Promise<Uint8Array | null>;
  put(envelope: Uint8Array): Promise<void>;
}

/**
 * A KV key holding one envelope. `cacheTtl` lets each location keep the value
 * that long (KV's minimum is 30 s): a stale value is an older filter, which
 * the isolate completes from D1.
 */
export function kvFilterStore(kv: KVNamespace, key: string, cacheTtl: number): FilterStore {
  return {
    async get() {
      try {
        const value = await kv.get(key, { type: "arrayBuffer", cacheTtl });
        return value === null ? null : new Uint8Array(value);
      } catch (err) {
        throw new DatabaseError("revocation filter read", err, "KV");
      }
    },
    async put(envelope) {
      try {
        await kv.put(key, envelope);
      } catch (err) {
        throw new DatabaseError("revocation filter write", err, "KV");
      }
    },
  };
}
