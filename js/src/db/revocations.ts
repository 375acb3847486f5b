import { guard } from "./errors";

/** One row of `revocations`, as the per-isolate cache reads it. */
export interface RevocationRow {
  seq: number;
  kind: "jti" | "user";
  subject: string;
  notBeforeMs: number;
  expiresAt: number;
}

/**
 * Logout of a JWT: deny its jti until its exp, and revoke its refresh family
 * (when it names one), in one transaction.
 */
export function revokeJwt(
  db: D1Database,
  jwt: { jti: string; expiresAt: number; familyId: string | null; userId: string },
  now: number,
): Promise<void> {
  return guard("revokeJwt", async () => {
    const statements = [
      db
        .prepare(`INSERT INTO revocations (kind, subject, expires_at, created_at) VALUES ('jti', ?1, ?2, ?3)`)
        .bind(jwt.jti, jwt.expiresAt, now),
    ];
    if (jwt.familyId !== null) {
      statements.push(
        db
          .prepare(
            `UPDATE refresh_families SET revoked_at = ?2, revoked_reason = 'logout'
              WHERE id = ?1 AND user_id = ?3 AND revoked_at IS NULL`,
          )
          .bind(jwt.familyId, now, jwt.userId),
      );
    }
    await db.batch(statements);
  });
}

/**
 * Logout everywhere, in one transaction: stamp "not before" for the user's
 * JWTs, delete their sessions, revoke their refresh families.
 */
export function revokeAllForUser(
  db: D1Database,
  user: { userId: string; notBeforeMs: number; stampExpiresAt: number },
  now: number,
): Promise<{ sessions: number; families: number }> {
  return guard("revokeAllForUser", async () => {
    const [, sessions, families] = await db.batch([
      db
        .prepare(`INSERT INTO revocations (kind, subject, not_before_ms, expires_at, created_at) VALUES ('user', ?1, ?2, ?3, ?4)`)
        .bind(user.userId, user.notBeforeMs, user.stampExpiresAt, now),
      db.prepare(`DELETE FROM sessions WHERE user_id = ?1`).bind(user.userId),
      db
        .prepare(`UPDATE refresh_families SET revoked_at = ?2, revoked_reason = 'logout_all' WHERE user_id = ?1 AND revoked_at IS NULL`)
        .bind(user.userId, now),
    ]);
    return { sessions: sessions?.meta.changes ?? 0, families: families?.meta.changes ?? 0 };
  });
}

/** The strict check: one indexed query per JWT request. */
export function isJwtRevoked(db: D1Database, jwt: { jti: string | null; userId: string; iatMs: number }): Promise<boolean> {
  return guard("isJwtRevoked", async () => {
    const row = await db
      .prepare(
        `SELECT 1 AS hit FROM revocations
          WHERE (subject = ?1 AND kind = 'jti')
             OR (subject = ?2 AND kind = 'user' AND not_before_ms >= ?3)
          LIMIT 1`,
      )
      .bind(jwt.jti ?? "", jwt.userId, jwt.iatMs)
      .first<{ hit: number }>();
    return row !== null;
  });
}

/**
 * Revocations added after `afterSeq` that still matter at `now`, oldest
 * first. `seq` is AUTOINCREMENT and D1 has one writer, so a row committed
 * later always has a higher seq: a cursor never misses one.
 */
export function readRevocationsSince(
  db: D1Database,
  afterSeq: number,
  now: number,
  limit: number,
): Promise<{ rows: RevocationRow[]; lastSeq: number; full: boolean }> {
  return guard("readRevocationsSince", async () => {
    const { results } = await db
      .prepare(
        `SELECT seq, kind, subject, not_before_ms, expires_at FROM revocations
          WHERE seq > ?1 AND expires_at > ?2 ORDER BY seq LIMIT ?3`,
      )
      .bind(afterSeq, now, limit)
      .all<{ seq: number; kind: "jti" | "user"; subject: string; not_before_ms: number; expires_at: number }>();
    let lastSeq = afterSeq;
    const rows = results.map((r) => {
      lastSeq = Math.max(lastSeq, r.seq);
      return { seq: r.seq, kind: r.kind, subject: r.subject, notBeforeMs: r.not_before_ms, expiresAt: r.expires_at };
    });
    return { rows, lastSeq, full: results.length === limit };
  });
}
