/**
 * The exact revocations an isolate holds beside its filter (issue 23): the
 * rows above the filter's `seq`, one chunk per D1 read (or per revoking
 * batch of this isolate). Rows arrive in `seq` order, so when a newer filter
 * covers a chunk's highest `seq`, the whole chunk goes; a chunk whose rows
 * have all expired goes too. Kept small on purpose: a `sid` or `jti` is a
 * bare key (presence is the answer), and the chunks are few (the filter is
 * re-read every minute or so, the delta every REVOCATION_CACHE_SECONDS).
 */
import type { RevocationRow } from "../db";
import type { JwtIdentity } from "../utils/jwt";

interface Chunk {
  /** The highest seq of its rows (0 for rows whose seq this isolate does not know). */
  maxSeq: number;
  /** The latest expiry of its rows: once past, none of them can match a valid token. */
  maxExpiresAt: number;
  /** "s:" + sid and "j:" + jti. */
  keys: Set<string>;
  /** user id → the newest "not before" (ms) of its stamps in this chunk. */
  stamps: Map<string, number>;
  rows: number;
}

export class Delta {
  private chunks: Chunk[] = [];

  /** Adds the rows of one read (or one revoking batch) as a chunk. */
  add(rows: readonly RevocationRow[]): void {
    if (rows.length === 0) return;
    const chunk: Chunk = { maxSeq: 0, maxExpiresAt: 0, keys: new Set(), stamps: new Map(), rows: rows.length };
    for (const row of rows) {
      chunk.maxSeq = Math.max(chunk.maxSeq, row.seq);
      chunk.maxExpiresAt = Math.max(chunk.maxExpiresAt, row.expiresAt);
      if (row.kind === "user") chunk.stamps.set(row.subject, Math.max(chunk.stamps.get(row.subject) ?? 0, row.notBeforeMs));
      else chunk.keys.add(`${row.kind === "sid" ? "s" : "j"}:${row.subject}`);
    }
    this.chunks.push(chunk);
  }

  /** Drops the chunks a filter complete up to `seq` covers, and those wholly expired at `now` (seconds). */
  drop(seq: number, now: number): void {
    this.chunks = this.chunks.filter((chunk) => chunk.maxSeq > seq && chunk.maxExpiresAt > now);
  }

  isRevoked(identity: JwtIdentity): boolean {
    const sid = identity.sid === undefined ? null : `s:${identity.sid}`;
    const jti = identity.jti === undefined ? null : `j:${identity.jti}`;
    for (const chunk of this.chunks) {
      if ((sid !== null && chunk.keys.has(sid)) || (jti !== null && chunk.keys.has(jti))) return true;
      const stamp = chunk.stamps.get(identity.id);
      if (stamp !== undefined && identity.iatMs <= stamp) return true;
    }
    return false;
  }

  get rows(): number {
    return this.chunks.reduce((sum, chunk) => sum + chunk.rows, 0);
  }

  get chunkCount(): number {
    return this.chunks.length;
  }

  clear(): void {
    this.chunks = [];
  }
}
