/**
 * How revocation reaches JWT checks.
 *
 * REVOCATION=cached (default): each isolate keeps a snapshot of the live
 * rows of `revocations` (denied jtis and per-user "not before" stamps) and
 * refreshes it incrementally (`seq > cursor`) when it is older than
 * REVOCATION_CACHE_SECONDS. So a JWT request costs no D1 query, except the
 * first one after the snapshot goes stale: at most one small query per
 * isolate per REVOCATION_CACHE_SECONDS. A revocation made elsewhere takes
 * effect here within that many seconds; one made by this isolate (its own
 * logout) takes effect at once. If D1 cannot be read, the isolate keeps its
 * last snapshot and tries again after RETRY_MS (availability over freshness;
 * strict mode is the fail-closed choice).
 *
 * REVOCATION=strict: one indexed D1 query on every JWT request; revocation
 * is immediate everywhere, and a D1 outage is a 503.
 */
import { isJwtRevoked, readRevocationsSince } from "../db";
import type { RevocationRow } from "../db";
import type { LifecycleConfig } from "../config";
import type { JwtIdentity } from "../utils/jwt";

const PAGE = 1000;
/** After a failed refresh, wait this long before the next try. */
const RETRY_MS = 5_000;

class RevocationSnapshot {
  /** jti → its token's exp. */
  readonly jtis = new Map<string, number>();
  /** user id → newest "not before" (ms) and when that stamp stops mattering. */
  readonly users = new Map<string, { notBeforeMs: number; expiresAt: number }>();
  cursor = 0;
  /** Date.now() of the last successful refresh; -Infinity when never. */
  refreshedAt = Number.NEGATIVE_INFINITY;
  retryAt = 0;
  failureLogged = false;

  apply(row: RevocationRow): void {
    if (row.kind === "jti") {
      this.jtis.set(row.subject, Math.max(this.jtis.get(row.subject) ?? 0, row.expiresAt));
    } else {
      const current = this.users.get(row.subject);
      if (!current || current.notBeforeMs < row.notBeforeMs) this.users.set(row.subject, { notBeforeMs: row.notBeforeMs, expiresAt: row.expiresAt });
    }
  }

  /** Drops entries that can no longer match a valid token. */
  prune(now: number): void {
    for (const [jti, exp] of this.jtis) if (exp <= now) this.jtis.delete(jti);
    for (const [user, stamp] of this.users) if (stamp.expiresAt <= now) this.users.delete(user);
  }

  isRevoked(identity: JwtIdentity): boolean {
    if (identity.jti !== undefined && this.jtis.has(identity.jti)) return true;
    const stamp = this.users.get(identity.id);
    return stamp !== undefined && identity.iatMs <= stamp.notBeforeMs;
  }
}

// One snapshot per isolate (module state outlives requests, not deployments).
let snapshot = new RevocationSnapshot();

/** Reads every revocation newer than the cursor, page by page. */
export async function refreshRevocations(db: D1Database, nowMs: number = Date.now()): Promise<void> {
  const now = Math.floor(nowMs / 1000);
  for (;;) {
    const page = await readRevocationsSince(db, snapshot.cursor, now, PAGE);
    for (const row of page.rows) snapshot.apply(row);
    snapshot.cursor = page.lastSeq;
    if (!page.full) break;
  }
  snapshot.prune(now);
  snapshot.refreshedAt = nowMs;
  snapshot.failureLogged = false;
}

/** Whether the JWT has been revoked, under the configured mode. */
export async function jwtRevoked(db: D1Database, config: LifecycleConfig, identity: JwtIdentity): Promise<boolean> {
  if (config.revocation.mode === "strict") {
    return isJwtRevoked(db, { jti: identity.jti ?? null, userId: identity.id, iatMs: identity.iatMs });
  }
  const nowMs = Date.now();
  if (nowMs - snapshot.refreshedAt >= config.revocation.cacheSeconds * 1000 && nowMs >= snapshot.retryAt) {
    try {
      await refreshRevocations(db, nowMs);
    } catch (err) {
      snapshot.retryAt = nowMs + RETRY_MS;
      if (!snapshot.failureLogged) {
        snapshot.failureLogged = true;
        console.error("[hybrid-auth] revocation snapshot refresh failed; using the last one", err instanceof Error ? err.message : err);
      }
    }
  }
  return snapshot.isRevoked(identity);
}

/** This isolate learns its own revocations at once, without waiting for a refresh. */
export function noteRevokedJti(jti: string, expiresAt: number): void {
  snapshot.jtis.set(jti, expiresAt);
}

export function noteUserNotBefore(userId: string, notBeforeMs: number, expiresAt: number): void {
  snapshot.apply({ seq: 0, kind: "user", subject: userId, notBeforeMs, expiresAt });
}

/** Tests: forget everything (a cold isolate). */
export function resetRevocationSnapshot(): void {
  snapshot = new RevocationSnapshot();
}

/** Tests and diagnostics. */
export function revocationSnapshotInfo(): { jtis: number; users: number; cursor: number; refreshedAt: number } {
  return { jtis: snapshot.jtis.size, users: snapshot.users.size, cursor: snapshot.cursor, refreshedAt: snapshot.refreshedAt };
}
