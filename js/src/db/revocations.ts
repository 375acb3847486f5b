import { tableExists } from "./cleanup";
import { guard } from "./errors";
import { LEGACY_SESSIONS_TABLE } from "./legacySessions";

/** One row of `revocations`, as the per-isolate cache reads it. */
export interface RevocationRow {
  seq: number;
  kind: "jti" | "user" | "sid";
  subject: string;
  /** kind 'sid': the family's user (lets a cache drop the rows a user stamp covers). */
  userId: string | null;
  notBeforeMs: number;
  expiresAt: number;
}

interface RawRevocationRow {
  seq: number;
  kind: "jti" | "user" | "sid";
  subject: string;
  user_id: string | null;
  not_before_ms: number;
  expires_at: number;
}

const COLUMNS = `seq, kind, subject, user_id, not_before_ms, expires_at`;
const RETURNING = `RETURNING ${COLUMNS}`;

function toRow(r: RawRevocationRow): RevocationRow {
  return { seq: r.seq, kind: r.kind, subject: r.subject, userId: r.user_id, notBeforeMs: r.not_before_ms, expiresAt: r.expires_at };
}

function rowsOf(result: D1Result | undefined): RevocationRow[] {
  return ((result?.results ?? []) as RawRevocationRow[]).map(toRow);
}

/**
 * The most live `sid` rows one user may have. One more, and the revoking
 * batch folds them all into the user's "not before" stamp (see foldStatements).
 * This is what bounds the state per user whatever they do: families are
 * created by logins, and after issue 8 successful logins are not rate-limited,
 * so without the fold one account could grow the table (and every isolate's
 * snapshot) by one row per login+logout for ACCESS_TOKEN_TTL.
 * 32 is far above what a person does within one access-token lifetime (a
 * logout a day for 7 days is 7 rows); only deliberate churn reaches it.
 */
export const MAX_SID_ROWS_PER_USER = 32;

/**
 * Which refresh families a revocation ends: one (of its user), all of a
 * user's, or all but one (`keep`, null = none kept: "sign out my other devices").
 */
type FamilySelector = { userId: string; familyId: string } | { userId: string; familyId: null } | { userId: string; keep: string | null };

/**
 * The statements that revoke families, in the order a batch must run them:
 *  1. a `sid` row for every selected family that is still live and may still
 *     have an unexpired JWT (access_expires_at > now), carrying the family's
 *     recorded access_iat_ms / access_expires_at. Because a family's JWTs are
 *     recorded by the batch that makes them valid, and that batch requires the
 *     family to be live, this row covers every JWT the family ever had;
 *  2. the families marked revoked (refresh refuses them from then on).
 * Both select the same rows (`revoked_at IS NULL`), and the batch is one
 * transaction, so a family is revoked exactly when it gets its row.
 */
function familyStatements(db: D1Database, selector: FamilySelector, reason: string, now: number): D1PreparedStatement[] {
  const insert = `INSERT INTO revocations (kind, subject, user_id, not_before_ms, expires_at, created_at)
    SELECT 'sid', id, user_id, access_iat_ms, access_expires_at, ?2 FROM refresh_families
     WHERE user_id = ?1 AND revoked_at IS NULL AND access_expires_at > ?2`;
  if ("keep" in selector) {
    // The UPDATE names the families it revoked (RETURNING id), so the caller can say which logins ended.
    return [
      db.prepare(`${insert} AND (?3 IS NULL OR id <> ?3) ${RETURNING}`).bind(selector.userId, now, selector.keep),
      db
        .prepare(
          `UPDATE refresh_families SET revoked_at = ?2, revoked_reason = ?4
            WHERE user_id = ?1 AND revoked_at IS NULL AND (?3 IS NULL OR id <> ?3) RETURNING id`,
        )
        .bind(selector.userId, now, selector.keep, reason),
    ];
  }
  if (selector.familyId === null) {
    return [
      db.prepare(`${insert} ${RETURNING}`).bind(selector.userId, now),
      db
        .prepare(`UPDATE refresh_families SET revoked_at = ?2, revoked_reason = ?3 WHERE user_id = ?1 AND revoked_at IS NULL`)
        .bind(selector.userId, now, reason),
    ];
  }
  return [
    db.prepare(`${insert} AND id = ?3 ${RETURNING}`).bind(selector.userId, now, selector.familyId),
    db
      .prepare(`UPDATE refresh_families SET revoked_at = ?2, revoked_reason = ?4 WHERE user_id = ?1 AND id = ?3 AND revoked_at IS NULL`)
      .bind(selector.userId, now, selector.familyId, reason),
  ];
}

/**
 * The per-user bound, run after any statement that adds revocations of a user:
 *  1. fold: when the user has more than MAX_SID_ROWS_PER_USER live `sid` rows,
 *     write one "not before" stamp that covers them all: not_before_ms = the
 *     latest iat_ms any of those families recorded, expires_at = the latest
 *     of their expiries (both also at least the user's current stamp's, so
 *     the new stamp supersedes it). The values compared are the ones the
 *     families recorded, never a clock of this request, so the stamp refuses
 *     every JWT of the folded families by construction. It also refuses the
 *     user's other JWTs issued up to that instant; their logins live on
 *     (refresh tokens are untouched) and their next refresh mints a JWT that
 *     passes. That is the price, paid only by an account that revokes more
 *     than 32 families within one access-token lifetime;
 *  2. drop every `sid` or `user` row of the user that a later `user` row
 *     covers (its not_before_ms and expires_at are at least as large): the
 *     later row refuses everything the earlier one did. A cache that already
 *     holds the dropped row keeps it (harmless); one that did not will read
 *     the covering row, which has the higher seq.
 * So after every batch, a user has at most MAX_SID_ROWS_PER_USER live `sid`
 * rows and one `user` row.
 */
function boundStatements(db: D1Database, userId: string, now: number): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT INTO revocations (kind, subject, not_before_ms, expires_at, created_at)
         SELECT 'user', ?1, MAX(s.nb, COALESCE(u.nb, 0)), MAX(s.exp, COALESCE(u.exp, 0)), ?2
           FROM (SELECT MAX(not_before_ms) AS nb, MAX(expires_at) AS exp, COUNT(*) AS n FROM revocations
                  WHERE kind = 'sid' AND user_id = ?1 AND expires_at > ?2) s,
                (SELECT MAX(not_before_ms) AS nb, MAX(expires_at) AS exp FROM revocations
                  WHERE kind = 'user' AND subject = ?1) u
          WHERE s.n > ?3
         ${RETURNING}`,
      )
      .bind(userId, now, MAX_SID_ROWS_PER_USER),
    db
      .prepare(
        `DELETE FROM revocations
          WHERE ((kind = 'sid' AND user_id = ?1) OR (kind = 'user' AND subject = ?1))
            AND EXISTS (SELECT 1 FROM revocations later
                         WHERE later.kind = 'user' AND later.subject = ?1 AND later.seq > revocations.seq
                           AND later.not_before_ms >= revocations.not_before_ms AND later.expires_at >= revocations.expires_at)`,
      )
      .bind(userId),
  ];
}

/** What a revocation wrote, for this isolate to learn at once (noteRevocations). */
export interface RevocationWrite {
  rows: RevocationRow[];
}

/**
 * Seed-era sessions (`legacy_sessions`, present only after `upgrade-seed`)
 * are moved into `sessions` only when their token is next used. Whatever
 * ends "every (other) login" of a user must delete the user's unclaimed ones
 * too, or a stolen raw token would be claimed, and work, afterwards. The
 * current login is never among them: authenticating claimed it. Whether the
 * table exists is asked by the caller, in the same guard, just before its batch.
 */
export function hasLegacySessionTable(db: D1Database): Promise<boolean> {
  return tableExists(db, LEGACY_SESSIONS_TABLE);
}

function legacySessionStatements(db: D1Database, userId: string, present: boolean): D1PreparedStatement[] {
  return present ? [db.prepare(`DELETE FROM ${LEGACY_SESSIONS_TABLE} WHERE user_id = ?1`).bind(userId)] : [];
}

/**
 * Revokes one refresh family of a user (logout, refresh-token reuse, and any
 * later reason) and every JWT that carries its `sid`, in one transaction.
 * `revoked` is false when the family was already revoked (or is not the
 * user's): nothing is written then.
 */
export function revokeFamily(
  db: D1Database,
  family: { familyId: string; userId: string; reason: string },
  now: number,
): Promise<RevocationWrite & { revoked: boolean }> {
  return guard("revokeFamily", async () => {
    const results = await db.batch([
      ...familyStatements(db, { userId: family.userId, familyId: family.familyId }, family.reason, now),
      ...boundStatements(db, family.userId, now),
    ]);
    return { revoked: (results[1]?.meta.changes ?? 0) > 0, rows: [...rowsOf(results[0]), ...rowsOf(results[2])] };
  });
}

/**
 * Logout of a JWT that names no family (minted before refresh families
 * existed; this code always sets `sid`): deny its jti until its exp. Such
 * JWTs can no longer be minted, so these rows only dwindle.
 */
export function denyJti(db: D1Database, jwt: { jti: string; expiresAt: number }, now: number): Promise<RevocationWrite> {
  return guard("denyJti", async () => {
    const result = await db
      .prepare(`INSERT INTO revocations (kind, subject, expires_at, created_at) VALUES ('jti', ?1, ?2, ?3) ${RETURNING}`)
      .bind(jwt.jti, jwt.expiresAt, now)
      .all<RawRevocationRow>();
    return { rows: result.results.map(toRow) };
  });
}

/**
 * Logout everywhere, in one transaction:
 *  - every live family of the user is revoked with its `sid` row. This is what
 *    makes "no token survives logout-all" hold by construction: a refresh
 *    racing this batch either commits its rotation first (then its family is
 *    live here, and its new JWT, recorded on the family, is covered by the
 *    `sid` row) or after (then the family is revoked and the rotation's
 *    compare-and-set fails: no JWT, no refresh token). No clock is compared.
 *    A login whose family insert commits after this batch is a new login,
 *    made with the password after logout-all; it is not refused;
 *  - a per-user "not before" stamp at notBeforeMs, for JWTs without `sid`
 *    (minted before families existed), kept a year (the longest TTL). It is
 *    at least the user's previous stamp, so it supersedes it;
 *  - every session of the user is deleted;
 *  - then the per-user bound (boundStatements), which also drops the `sid`
 *    rows this stamp already covers: usually all of them, leaving one row.
 */
export function revokeAllForUser(
  db: D1Database,
  user: { userId: string; notBeforeMs: number; stampExpiresAt: number },
  now: number,
): Promise<RevocationWrite & { sessions: number; families: number }> {
  return guard("revokeAllForUser", async () => {
    const revokeAll = revokeAllForUserStatements(db, user, now, "logout_all", await hasLegacySessionTable(db));
    return revokeAll.read(await db.batch(revokeAll.statements));
  });
}

/**
 * The statements of revokeAllForUser, for a caller that must run them in its
 * own batch together with other writes (a password reset: the new hash, the
 * spent token and the revocation commit together or not at all). `read`
 * takes the results of exactly these statements, in order.
 */
export function revokeAllForUserStatements(
  db: D1Database,
  user: { userId: string; notBeforeMs: number; stampExpiresAt: number },
  now: number,
  reason: string,
  /** Whether `legacy_sessions` exists (hasLegacySessionTable): its rows of the user are deleted last. */
  legacySessions: boolean,
): { statements: D1PreparedStatement[]; read: (results: D1Result[]) => RevocationWrite & { sessions: number; families: number } } {
  return {
    statements: [
      ...familyStatements(db, { userId: user.userId, familyId: null }, reason, now),
      db
        .prepare(
          `INSERT INTO revocations (kind, subject, not_before_ms, expires_at, created_at)
           SELECT 'user', ?1, MAX(?2, COALESCE(MAX(not_before_ms), 0)), MAX(?3, COALESCE(MAX(expires_at), 0)), ?4
             FROM revocations WHERE kind = 'user' AND subject = ?1
           ${RETURNING}`,
        )
        .bind(user.userId, user.notBeforeMs, user.stampExpiresAt, now),
      db.prepare(`DELETE FROM sessions WHERE user_id = ?1`).bind(user.userId),
      ...boundStatements(db, user.userId, now),
      ...legacySessionStatements(db, user.userId, legacySessions),
    ],
    read: (results) => ({
      sessions: results[3]?.meta.changes ?? 0,
      families: results[1]?.meta.changes ?? 0,
      rows: [...rowsOf(results[0]), ...rowsOf(results[2]), ...rowsOf(results[4])],
    }),
  };
}

/**
 * "Sign out my other devices" and a password change (issue 14), in one
 * transaction: `before` (e.g. the new password hash) first, then every live
 * family of the user but `keepFamilyId` revoked with its `sid` row (exactly
 * as revokeFamily does one), every session but `keepSessionHash` deleted,
 * then the per-user bound. No "not before" stamp: it would refuse the kept
 * login's JWTs too, and every JWT this code mints carries a `sid`. A login
 * whose family insert commits after this batch is a new sign-in and is kept.
 * Returns the ids of the families revoked and of the sessions ended.
 */
export function revokeOtherLogins(
  db: D1Database,
  login: { userId: string; keepFamilyId: string | null; keepSessionHash: string | null; reason: string; before?: D1PreparedStatement[] },
  now: number,
): Promise<RevocationWrite & { families: string[]; sessions: string[] }> {
  return guard("revokeOtherLogins", async () => {
    const before = login.before ?? [];
    const legacySessions = await hasLegacySessionTable(db);
    const results = await db.batch([
      ...before,
      ...familyStatements(db, { userId: login.userId, keep: login.keepFamilyId }, login.reason, now),
      db
        .prepare(`DELETE FROM sessions WHERE user_id = ?1 AND (?2 IS NULL OR token_hash <> ?2) RETURNING id`)
        .bind(login.userId, login.keepSessionHash),
      ...boundStatements(db, login.userId, now),
      ...legacySessionStatements(db, login.userId, legacySessions),
    ]);
    const at = (i: number) => results[before.length + i];
    const ids = (result: D1Result | undefined) => ((result?.results ?? []) as { id: string | null }[]).flatMap((r) => (r.id === null ? [] : [r.id]));
    return {
      families: ids(at(1)),
      sessions: ids(at(2)),
      rows: [...rowsOf(at(0)), ...rowsOf(at(3))],
    };
  });
}

/** The strict check: one indexed query per JWT request (all three kinds match on `subject`). */
export function isJwtRevoked(db: D1Database, jwt: { jti: string | null; sid: string | null; userId: string; iatMs: number }): Promise<boolean> {
  return guard("isJwtRevoked", async () => {
    const row = await db
      .prepare(
        `SELECT 1 AS hit FROM revocations
          WHERE (subject = ?1 AND kind = 'jti')
             OR (subject = ?2 AND kind = 'sid')
             OR (subject = ?3 AND kind = 'user' AND not_before_ms >= ?4)
          LIMIT 1`,
      )
      .bind(jwt.jti ?? "", jwt.sid ?? "", jwt.userId, jwt.iatMs)
      .first<{ hit: number }>();
    return row !== null;
  });
}

/**
 * Revocations added after `afterSeq` that still matter at `now`, oldest
 * first. `seq` is AUTOINCREMENT and D1 has one writer, so a row committed
 * later always has a higher seq: a cursor never misses one. (Rows dropped by
 * the per-user bound are covered by a row with a higher seq.)
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
        `SELECT ${COLUMNS} FROM revocations
          WHERE seq > ?1 AND expires_at > ?2 ORDER BY seq LIMIT ?3`,
      )
      .bind(afterSeq, now, limit)
      .all<RawRevocationRow>();
    let lastSeq = afterSeq;
    const rows = results.map((r) => {
      lastSeq = Math.max(lastSeq, r.seq);
      return toRow(r);
    });
    return { rows, lastSeq, full: results.length === limit };
  });
}

/**
 * The highest `seq` of the table: a revocation filter built from every live
 * row with seq <= this value is complete up to it, and the isolates read what
 * follows from D1 (issue 23). Rows committed later get higher seqs (one
 * writer, AUTOINCREMENT). If the newest row was deleted (expired), this is
 * lower than the last seq given: the filter then claims less than it holds,
 * and the isolates merely read a few rows twice.
 */
export function readRevocationHighWater(db: D1Database): Promise<number> {
  return guard("readRevocationHighWater", async () => {
    const row = await db
      .prepare(`SELECT COALESCE(MAX(seq), 0) AS seq FROM revocations`)
      .first<{ seq: number }>();
    return row?.seq ?? 0;
  });
}
