/**
 * One auth instance's revocation check with the filter (issue 23): what an
 * isolate holds instead of every revocation row.
 *
 *  - the published filter (Rust binary fuse filter, ~19 bits per revoked
 *    family, stamp or jti), complete up to its `seq`;
 *  - the exact rows above that `seq` (the delta), read from D1 every
 *    REVOCATION_CACHE_SECONDS with the core's cursor query, plus the rows
 *    this isolate's own revocations wrote (known at once). Kept as one
 *    chunk per read, so a newer filter drops whole chunks, and as bare keys
 *    (114 B a row in V8 where the core's snapshot keeps 279 B, measured by
 *    bench/revocation-delta-memory.mjs and SECURITY.md; delta.ts);
 *  - the answers of the D1 confirmations it made (a filter hit is only a
 *    "maybe": D1 says yes or no, and a valid token is never refused).
 *
 * A JWT check: the delta first (exact), then the filter; only a hit costs a
 * D1 read, and its answer is kept until the filter changes. So a cold isolate
 * reads the store once and D1 once (the delta) before its first check, and a
 * warm one reads D1 once per REVOCATION_CACHE_SECONDS whatever the traffic.
 *
 * Faults (revocationFilter.test.ts):
 *  - store down, unreadable or forged on a cold isolate: 503, never an
 *    unchecked token (fail closed); on a warm one: the last filter stays,
 *    with the delta read from D1 as usual, and the store is retried later;
 *  - an older filter (KV's eventual consistency, a publisher that lost a
 *    race): a warm isolate ignores it; a cold one uses it and reads more
 *    delta, which is correct since every row above its `seq` is read;
 *  - no filter published yet: an empty one at seq 0, so the delta is the
 *    whole table (today's snapshot, correct but larger), logged once.
 */
import { createRevocationFilterBuilder, parseRevocationFilter } from "hybrid-auth/filter";
import type { RevocationFilter } from "hybrid-auth/filter";
import type { Config } from "../config";
import { DatabaseError, isJwtRevoked, readRevocationsSince } from "../db";
import type { RevocationRow } from "../db";
import type { RevocationSource } from "../lifecycle/revocation";
import type { JwtIdentity } from "../utils/jwt";
import { envelopeKey, openEnvelope } from "./envelope";
import { Delta } from "./delta";
import type { RevocationFilterConfig } from "./options";

/** Rows per delta read: at 10 M users a cold isolate catches up on ~14,000 rows (the filter is at most two minutes old), in one read. */
const PAGE = 20_000;
/** After a failed read of the store or of D1 by a warm isolate, wait this long before the next try. */
const RETRY_MS = 5_000;

/** What the simulation harness and the bench read (never a token or subject). */
export interface FilterStats {
  checks: number;
  filterHits: number;
  /** D1 reads made to confirm a hit (the only D1 reads on the check path). */
  confirmations: number;
  confirmedRevoked: number;
  storeReads: number;
  storeBytes: number;
  deltaReads: number;
  deltaRows: number;
}

class LoadedFilter {
  constructor(
    readonly filter: RevocationFilter,
    readonly seq: number,
    readonly builtAtMs: number,
    readonly bytes: number,
  ) {}
}

export class FilterRevocations implements RevocationSource {
  private filter: LoadedFilter | null = null;
  /** The exact rows above the filter's seq: read from D1, and this isolate's own revocations. */
  private readonly delta = new Delta();
  private cursor = 0;
  private deltaAt = Number.NEGATIVE_INFINITY;
  private deltaRetryAt = 0;
  private storeAt = Number.NEGATIVE_INFINITY;
  private storeRetryAt = 0;
  private inflight: Promise<void> | null = null;
  private confirmations = new Map<string, boolean>();
  private keys = new Map<string, Promise<CryptoKey>>();
  private logged = new Set<string>();
  readonly stats: FilterStats = { checks: 0, filterHits: 0, confirmations: 0, confirmedRevoked: 0, storeReads: 0, storeBytes: 0, deltaReads: 0, deltaRows: 0 };

  async isRevoked(db: D1Database, config: Config, identity: JwtIdentity): Promise<boolean> {
    if (config.revocation.mode === "strict") {
      return isJwtRevoked(db, { jti: identity.jti ?? null, sid: identity.sid ?? null, userId: identity.id, iatMs: identity.iatMs });
    }
    const slot = config.revocationFilter;
    if (slot === null) throw new Error("the revocation filter plugin is mounted but not configured");
    const nowMs = slot.now();
    if (this.filter === null || nowMs - this.deltaAt >= config.revocation.cacheSeconds * 1000 || nowMs - this.storeAt >= slot.filterRefreshSeconds * 1000) {
      await this.freshen(db, config, slot, nowMs);
    }
    const loaded = this.filter;
    if (loaded === null) throw new Error("unreachable: freshen returned without a filter");
    this.stats.checks += 1;
    if (this.delta.isRevoked(identity)) return true;
    if (!loaded.filter.matchToken(identity.jti, identity.sid, identity.id)) return false;
    this.stats.filterHits += 1;
    const key = `${identity.jti ?? ""}|${identity.sid ?? ""}|${identity.id}|${identity.iatMs}`;
    const known = this.confirmations.get(key);
    if (known !== undefined) return known;
    // D1 is the truth. A failure here throws (503): the token is neither accepted nor refused.
    const revoked = await isJwtRevoked(db, { jti: identity.jti ?? null, sid: identity.sid ?? null, userId: identity.id, iatMs: identity.iatMs });
    this.stats.confirmations += 1;
    if (revoked) this.stats.confirmedRevoked += 1;
    if (this.confirmations.size >= slot.confirmationCacheSize) this.confirmations.clear();
    this.confirmations.set(key, revoked);
    return revoked;
  }

  /** One refresh at a time per instance: concurrent requests wait for the same one. */
  private freshen(db: D1Database, config: Config, slot: RevocationFilterConfig, nowMs: number): Promise<void> {
    if (!this.inflight) {
      this.inflight = this.refresh(db, config, slot, nowMs).finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async refresh(db: D1Database, config: Config, slot: RevocationFilterConfig, nowMs: number): Promise<void> {
    if (this.filter === null) {
      // Cold: no answer without a trusted filter and the rows above it. Any failure throws (503).
      await this.readStore(slot, nowMs);
      await this.readDelta(db, nowMs);
      return;
    }
    if (nowMs - this.storeAt >= slot.filterRefreshSeconds * 1000 && nowMs >= this.storeRetryAt) {
      try {
        await this.readStore(slot, nowMs);
      } catch (err) {
        this.storeRetryAt = nowMs + RETRY_MS;
        this.logOnce("store", `[hybrid-auth] revocation filter read failed; keeping the filter of seq ${this.filter.seq} (D1 still read for newer rows): ${String(err instanceof Error ? err.message : err)}`);
      }
    }
    if (nowMs - this.deltaAt >= config.revocation.cacheSeconds * 1000 && nowMs >= this.deltaRetryAt) {
      try {
        await this.readDelta(db, nowMs);
      } catch (err) {
        this.deltaRetryAt = nowMs + RETRY_MS;
        this.logOnce("delta", `[hybrid-auth] revocation delta read failed; using the last one: ${String(err instanceof Error ? err.message : err)}`);
      }
    }
  }

  private keyFor(secret: string): Promise<CryptoKey> {
    let key = this.keys.get(secret);
    if (!key) {
      key = envelopeKey(secret);
      this.keys.set(secret, key);
    }
    return key;
  }

  /** Reads and checks the published filter; keeps it only if newer than the one held. */
  private async readStore(slot: RevocationFilterConfig, nowMs: number): Promise<void> {
    let bytes: Uint8Array | null;
    try {
      bytes = await slot.store.get();
    } catch (err) {
      throw err instanceof DatabaseError ? err : new DatabaseError("revocation filter read", err, "store");
    } finally {
      this.stats.storeReads += 1;
    }
    this.storeAt = nowMs;
    if (bytes === null) {
      if (this.filter !== null) return;
      this.logOnce("unpublished", "[hybrid-auth] no revocation filter published yet: reading every revocation row from D1 (run auth.scheduled, or publishRevocationFilter)");
      this.install(new LoadedFilter(parseRevocationFilter(emptyFilterBytes()), 0, nowMs, 0));
      return;
    }
    this.stats.storeBytes += bytes.byteLength;
    let next: LoadedFilter;
    try {
      const envelope = await openEnvelope(await this.keyFor(slot.secret), bytes);
      if (this.filter !== null && envelope.seq <= this.filter.seq) return; // stale or the same: keep ours
      next = new LoadedFilter(parseRevocationFilter(envelope.filter), envelope.seq, envelope.builtAtMs, bytes.byteLength);
    } catch (err) {
      // A forged, cut or corrupt value is a store failure: 503 on a cold isolate, the last filter on a warm one.
      throw new DatabaseError("revocation filter check", err, "KV");
    }
    this.install(next);
  }

  /** A newer filter replaces the old one: the delta rows it covers go, and so do the confirmations made against the old one. */
  private install(next: LoadedFilter): void {
    this.filter?.filter.free();
    this.filter = next;
    this.cursor = Math.max(this.cursor, next.seq);
    this.delta.drop(next.seq, Math.floor(next.builtAtMs / 1000));
    // A confirmed "not revoked" may predate a revocation that was in the
    // delta and is now only in the filter: ask D1 again rather than trust it.
    this.confirmations.clear();
  }

  /** Every row above the cursor, applied only once the last page is read. */
  private async readDelta(db: D1Database, nowMs: number): Promise<void> {
    const now = Math.floor(nowMs / 1000);
    const staged: RevocationRow[] = [];
    let cursor = this.cursor;
    for (;;) {
      const page = await readRevocationsSince(db, cursor, now, PAGE);
      this.stats.deltaReads += 1;
      staged.push(...page.rows);
      cursor = page.lastSeq;
      if (!page.full) break;
    }
    this.stats.deltaRows += staged.length;
    const floor = this.filter?.seq ?? 0;
    this.delta.add(staged.filter((row) => row.seq > floor));
    this.cursor = Math.max(this.cursor, cursor);
    this.deltaAt = nowMs;
    // Chunks wholly expired leave memory; so does a chunk of this isolate's own
    // rows whose seq it did not know (0): D1's copy was just read or is in the filter.
    this.delta.drop(floor, now);
  }

  note(rows: readonly RevocationRow[]): void {
    this.delta.add(rows);
  }

  reset(): void {
    this.filter?.filter.free();
    this.filter = null;
    this.delta.clear();
    this.cursor = 0;
    this.deltaAt = Number.NEGATIVE_INFINITY;
    this.storeAt = Number.NEGATIVE_INFINITY;
    this.deltaRetryAt = 0;
    this.storeRetryAt = 0;
    this.confirmations.clear();
    for (const key of Object.keys(this.stats) as (keyof FilterStats)[]) this.stats[key] = 0;
  }

  /** What this isolate holds (tests, the harness). */
  info(): { loaded: boolean; filterSeq: number; filterEntries: number; filterBytes: number; deltaRows: number; deltaChunks: number; cursor: number; confirmationsCached: number } {
    return {
      loaded: this.filter !== null,
      filterSeq: this.filter?.seq ?? 0,
      filterEntries: this.filter?.filter.entries ?? 0,
      filterBytes: this.filter?.filter.byteLength ?? 0,
      deltaRows: this.delta.rows,
      deltaChunks: this.delta.chunkCount,
      cursor: this.cursor,
      confirmationsCached: this.confirmations.size,
    };
  }

  private logOnce(key: string, message: string): void {
    if (this.logged.has(key)) return;
    this.logged.add(key);
    console.error(message);
  }
}

/** The filter of no entries: what an isolate uses before anything was published. */
function emptyFilterBytes(): Uint8Array {
  return createRevocationFilterBuilder(new Uint8Array(16)).finish();
}
