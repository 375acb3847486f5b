/**
 * Publishing the revocation filter (issue 23): every live row of
 * `revocations` up to the table's high-water `seq`, built into a binary fuse
 * filter by the Rust module, sealed (envelope.ts) and written to the store.
 * Run by the Cron Trigger (auth.scheduled) and by anyone who calls it; two
 * publishers may race, and neither can make an isolate accept a revoked
 * token: each envelope is complete up to its own `seq`, and an isolate never
 * trades its filter for one with a lower `seq`.
 */
import { createRevocationFilterBuilder, REVOCATION_KINDS } from "hybrid-auth/filter";
import { readRevocationHighWater, readRevocationsSince } from "../db";
import { envelopeKey, openEnvelope, sealEnvelope } from "./envelope";
import type { FilterStore } from "./store";

/** Rows per D1 read while building (one read at 10 M users' ~104,000 live rows is too large an answer). */
const PAGE = 10_000;

export interface PublishReport {
  /** The filter is complete up to this revocation. */
  seq: number;
  entries: number;
  /** The envelope's size (what each cold isolate reads). */
  bytes: number;
  /** D1 reads made (the high-water mark and the pages). */
  reads: number;
  /** Not written: the store already held a filter at least this recent (another publisher won). */
  skipped: boolean;
}

/** `secret`: the JWT secret the isolates check the envelope with (Config.revocationFilter.secret). */
export async function publishRevocationFilter(input: { db: D1Database; store: FilterStore; secret: string; nowMs: number }): Promise<PublishReport> {
  const { db, store, nowMs } = input;
  const key = await envelopeKey(input.secret);
  const now = Math.floor(nowMs / 1000);
  const highWater = await readRevocationHighWater(db);
  let reads = 1;
  const builder = createRevocationFilterBuilder(crypto.getRandomValues(new Uint8Array(16)));
  try {
    let cursor = 0;
    for (;;) {
      const page = await readRevocationsSince(db, cursor, now, PAGE);
      reads += 1;
      for (const row of page.rows) if (row.seq <= highWater) builder.add(REVOCATION_KINDS[row.kind], row.subject);
      cursor = page.lastSeq;
      if (!page.full || cursor >= highWater) break;
    }
    const entries = builder.size;
    const envelope = await sealEnvelope(key, { seq: highWater, builtAtMs: nowMs, filter: builder.finish() });
    // Not atomic (KV has no compare-and-set): it only saves a write when a newer filter is there.
    const current = await store.get().then((bytes) => (bytes === null ? null : openEnvelope(key, bytes)), () => null).catch(() => null);
    if (current !== null && current.seq > highWater) return { seq: highWater, entries, bytes: envelope.byteLength, reads, skipped: true };
    await store.put(envelope);
    return { seq: highWater, entries, bytes: envelope.byteLength, reads, skipped: false };
  } finally {
    builder.free();
  }
}
