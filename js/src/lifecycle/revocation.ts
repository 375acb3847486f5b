/**
 * How revocation reaches JWT checks.
 *
 * REVOCATION=cached (default): each isolate keeps a snapshot of the live
 * rows of `revocations` (revoked refresh families `sid`, per-user "not
 * before" stamps, and denied jtis of JWTs without `sid`) and
 * refreshes it incrementally (`seq > cursor`) when it is older than
 * REVOCATION_CACHE_SECONDS. So a JWT request costs no D1 query, except the
 * first one after the snapshot goes stale: at most one small query per
 * isolate per REVOCATION_CACHE_SECONDS. A revocation made elsewhere takes
 * effect here within that many seconds; one made by this isolate (its own
 * logout) takes effect at once.
 *
 * A snapshot is only ever replaced by a complete one (issue 11): a refresh
 * reads every page into a staging area and applies it only once the last page
 * has been read, so no JWT is ever checked against a partial snapshot.
 *  - An isolate that has never completed a load tries on every JWT request
 *    and answers 503 service_unavailable until one completes (fail closed:
 *    an empty snapshot would ignore every logout ever made).
 *  - After a complete load, a failed refresh keeps the last complete snapshot
 *    and tries again after RETRY_MS (availability over freshness: the window
 *    is then REVOCATION_CACHE_SECONDS + the outage; strict mode is the
 *    fail-closed choice).
 *
 * REVOCATION=strict: one indexed D1 query on every JWT request; revocation
 * is immediate everywhere, and a D1 outage is a 503.
 */
import { isJwtRevoked, readRevocationsSince } from "../db";
import type { RevocationRow } from "../db";
import type { Config, LifecycleConfig } from "../config";
import type { JwtIdentity } from "../utils/jwt";

const PAGE = 1000;
/** After a failed refresh of a loaded snapshot, wait this long before the next try. */
const RETRY_MS = 5_000;

/**
 * What a JWT check asks about revocation, and what a revoking request tells
 * (AuthState.revocationSource): the core's RevocationCache below, or a
 * plugin's (the revocation filter, PluginHooks.revocationSource).
 */
export interface RevocationSource {
  /** Whether the JWT is revoked; throws a DatabaseError (503) when that cannot be known. */
  isRevoked(db: D1Database, config: Config, identity: JwtIdentity): Promise<boolean>;
  /** The rows a revoking batch of this isolate wrote (RETURNING): known here at once. */
  note(rows: readonly RevocationRow[]): void;
  /** Forget everything, as a cold isolate would (tests). */
  reset(): void;
}

/** What the rows say, indexed for the per-request check. */
class RevocationEntries {
  /** jti → its token's exp (JWTs without `sid` only). */
  readonly jtis = new Map<string, number>();
  /** refresh family id (`sid`) → its user, and the latest iat_ms and exp of its JWTs. */
  readonly sids = new Map<string, { userId: string | null; notBeforeMs: number; expiresAt: number }>();
  /** user id → newest "not before" (ms) and when that stamp stops mattering. */
  readonly users = new Map<string, { notBeforeMs: number; expiresAt: number }>();

  apply(row: RevocationRow): void {
    if (row.kind === "jti") {
      this.jtis.set(row.subject, Math.max(this.jtis.get(row.subject) ?? 0, row.expiresAt));
    } else if (row.kind === "sid") {
      const current = this.sids.get(row.subject);
      this.sids.set(row.subject, {
        userId: row.userId,
        notBeforeMs: Math.max(current?.notBeforeMs ?? 0, row.notBeforeMs),
        expiresAt: Math.max(current?.expiresAt ?? 0, row.expiresAt),
      });
    } else {
      // Keep the widest stamp: the newest instant and the latest expiry. A
      // merged stamp refuses at least what each row refused while it lived.
      const current = this.users.get(row.subject);
      this.users.set(row.subject, {
        notBeforeMs: Math.max(current?.notBeforeMs ?? 0, row.notBeforeMs),
        expiresAt: Math.max(current?.expiresAt ?? 0, row.expiresAt),
      });
    }
  }

  /**
   * Drops entries that can no longer match a valid token: expired ones, and
   * `sid` entries that their user's stamp covers (every JWT of the family has
   * iat_ms <= the stamp's instant and exp <= its expiry), as D1 does in the
   * revoking batch (db/revocations.ts boundStatements). So this isolate holds
   * what D1 holds: at most MAX_SID_ROWS_PER_USER + 1 entries per user.
   */
  prune(now: number): void {
    for (const [jti, exp] of this.jtis) if (exp <= now) this.jtis.delete(jti);
    for (const [sid, entry] of this.sids) {
      const stamp = entry.userId === null ? undefined : this.users.get(entry.userId);
      const covered = stamp !== undefined && stamp.notBeforeMs >= entry.notBeforeMs && stamp.expiresAt >= entry.expiresAt;
      if (entry.expiresAt <= now || covered) this.sids.delete(sid);
    }
    for (const [user, stamp] of this.users) if (stamp.expiresAt <= now) this.users.delete(user);
  }

  isRevoked(identity: JwtIdentity): boolean {
    if (identity.jti !== undefined && this.jtis.has(identity.jti)) return true;
    if (identity.sid !== undefined && this.sids.has(identity.sid)) return true;
    const stamp = this.users.get(identity.id);
    return stamp !== undefined && identity.iatMs <= stamp.notBeforeMs;
  }
}

class RevocationSnapshot {
  readonly entries = new RevocationEntries();
  cursor = 0;
  /** Date.now() of the last complete refresh; -Infinity until the first one. */
  refreshedAt = Number.NEGATIVE_INFINITY;
  retryAt = 0;
  failureLogged = false;
  /** The refresh in progress, shared by concurrent requests of this isolate. */
  inflight: Promise<void> | null = null;

  get loaded(): boolean {
    return this.refreshedAt !== Number.NEGATIVE_INFINITY;
  }
}

/**
 * The revocation state of one auth instance (createAuth): its snapshot and
 * the refresh in flight. Each instance owns one, so two instances never share
 * revocation state; within an instance it outlives requests, not deployments.
 */
export class RevocationCache implements RevocationSource {
  private snapshot = new RevocationSnapshot();

  /**
   * Reads every revocation newer than the cursor, page by page, into a staging
   * list, and applies it (and moves the cursor) only after the last page: a
   * failure on any page leaves the snapshot exactly as it was.
   */
  async refresh(db: D1Database, nowMs: number = Date.now()): Promise<void> {
    const target = this.snapshot;
    const now = Math.floor(nowMs / 1000);
    const staged: RevocationRow[] = [];
    let cursor = target.cursor;
    for (;;) {
      const page = await readRevocationsSince(db, cursor, now, PAGE);
      staged.push(...page.rows);
      cursor = page.lastSeq;
      if (!page.full) break;
    }
    if (target !== this.snapshot) return; // reset meanwhile (tests): this read belongs to a forgotten snapshot
    for (const row of staged) target.entries.apply(row);
    target.cursor = Math.max(target.cursor, cursor);
    target.entries.prune(now);
    target.refreshedAt = nowMs;
    target.failureLogged = false;
  }

  /** One refresh at a time per instance: concurrent requests wait for the same one. */
  private refreshOnce(db: D1Database, nowMs: number): Promise<void> {
    const target = this.snapshot;
    if (!target.inflight) {
      target.inflight = this.refresh(db, nowMs).finally(() => {
        target.inflight = null;
      });
    }
    return target.inflight;
  }

  /**
   * Whether the JWT has been revoked, under the configured mode. Throws a
   * DatabaseError (503 service_unavailable) when the answer cannot be known:
   * strict mode with D1 down, or cached mode before the first complete load.
   */
  async isRevoked(db: D1Database, config: LifecycleConfig, identity: JwtIdentity): Promise<boolean> {
    if (config.revocation.mode === "strict") {
      return isJwtRevoked(db, { jti: identity.jti ?? null, sid: identity.sid ?? null, userId: identity.id, iatMs: identity.iatMs });
    }
    const nowMs = Date.now();
    const target = this.snapshot;
    if (!target.loaded) {
      // Never loaded: no answer without a complete load. Retried on every
      // request (a cold isolate has nothing better to offer) and rethrown.
      await this.refreshOnce(db, nowMs);
    } else if (nowMs - target.refreshedAt >= config.revocation.cacheSeconds * 1000 && nowMs >= target.retryAt) {
      try {
        await this.refreshOnce(db, nowMs);
      } catch (err) {
        target.retryAt = nowMs + RETRY_MS;
        if (!target.failureLogged) {
          target.failureLogged = true;
          console.error("[hybrid-auth] revocation snapshot refresh failed; using the last complete one", err instanceof Error ? err.message : err);
        }
      }
    }
    return target.entries.isRevoked(identity);
  }

  /**
   * This isolate learns its own revocations at once, without waiting for a
   * refresh: the rows its batch wrote (RETURNING). Applied even before the
   * first load; the load's rows are merged with them.
   */
  note(rows: readonly RevocationRow[]): void {
    for (const row of rows) this.snapshot.entries.apply(row);
    // A new user stamp (logout-all, or the per-user fold) covers that user's
    // `sid` entries: drop them now rather than at the next refresh, so the
    // revoking isolate stays within the same bound as D1. One pass over the
    // map, only when a stamp is written (at most once per 33 revocations of a
    // user, or a logout-all).
    if (rows.some((row) => row.kind === "user")) this.snapshot.entries.prune(Math.floor(Date.now() / 1000));
  }

  /** Forget everything, as a cold isolate would (tests, diagnostics). */
  reset(): void {
    this.snapshot = new RevocationSnapshot();
  }

  /** Entry counts and the cursor (tests, diagnostics). */
  info(): { jtis: number; sids: number; users: number; cursor: number; refreshedAt: number; loaded: boolean } {
    const { entries } = this.snapshot;
    return {
      jtis: entries.jtis.size,
      sids: entries.sids.size,
      users: entries.users.size,
      cursor: this.snapshot.cursor,
      refreshedAt: this.snapshot.refreshedAt,
      loaded: this.snapshot.loaded,
    };
  }
}
