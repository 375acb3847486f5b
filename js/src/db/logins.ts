/**
 * "Your sign-ins" (issue 14 §1): the live logins of a user, both kinds in one
 * list: refresh families (JWT mode) and sessions (session tokens). Revoking
 * goes through db/revocations.ts (revokeFamily, revokeOtherLogins), so a
 * revoked family's JWTs are refused like after a logout.
 */
import { retirePasswordResetLinksStatement } from "./emailTokens";
import { guard } from "./errors";

/** What a login or a refresh records about its device (see lifecycle/logins.ts sightingOf). */
export interface Sighting {
  at: number;
  userAgent: string;
  country: string | null;
  region: string | null;
  city: string | null;
}

/** A login's second factor (migration 0010); a login without one has none recorded. */
export type SecondFactor = "totp" | "recovery_code" | "user_verification";
const SECOND_FACTORS: readonly string[] = ["totp", "recovery_code", "user_verification"];

function isSecondFactor(value: string | null): value is SecondFactor {
  return value !== null && SECOND_FACTORS.includes(value);
}

export interface LoginRecord {
  kind: "jwt" | "session";
  /** A refresh family's id (its JWTs' `sid`) or a session's public id; never a token or its hash. */
  id: string;
  createdAt: number;
  /** JWT mode: the login or its latest refresh. Session mode: the latest request, to within a few minutes. */
  lastUsedAt: number;
  expiresAt: number;
  userAgent: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  remember: boolean;
  /** What the login's second factor was; null: one factor. */
  secondFactor: SecondFactor | null;
  /** How it was proven ("password", "passkey", "social:<provider>"); null before migration 0011. */
  method: string | null;
  current: boolean;
}

interface LoginRow {
  kind: "jwt" | "session";
  id: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number;
  user_agent: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  remember: number;
  second_factor: string | null;
  method: string | null;
  is_current: number;
}

/** The most logins one list answers (newest use first); an account with more is being abused, not used. */
export const MAX_LISTED_LOGINS = 200;

/**
 * The user's live logins, most recently used first: families not revoked,
 * not expired and younger than `familyMaxAge`; sessions not expired.
 * `current` marks the one the request was made with (its `sid`, or its
 * session's hash, compared in SQL so the hash never leaves the database).
 */
export function listLogins(
  db: D1Database,
  query: { userId: string; now: number; familyMaxAge: number; currentFamilyId: string | null; currentSessionHash: string | null },
): Promise<LoginRecord[]> {
  return guard("listLogins", async () => {
    const { results } = await db
      .prepare(
        `SELECT * FROM (
           SELECT 'jwt' AS kind, id, created_at, last_used_at, MIN(expires_at, created_at + ?3) AS expires_at,
                  user_agent, country, region, city, remember, second_factor, method, (id = ?4) AS is_current
             FROM refresh_families
            WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2 AND created_at + ?3 > ?2
           UNION ALL
           SELECT 'session', id, created_at, last_used_at, expires_at, user_agent, country, region, city, remember, second_factor, method, (token_hash = ?5)
             FROM sessions
            WHERE user_id = ?1 AND expires_at > ?2 AND id IS NOT NULL
         )
         ORDER BY is_current DESC, COALESCE(last_used_at, created_at) DESC, id
         LIMIT ?6`,
      )
      .bind(query.userId, query.now, query.familyMaxAge, query.currentFamilyId ?? "", query.currentSessionHash ?? "", MAX_LISTED_LOGINS)
      .all<LoginRow>();
    return results.map((r) => ({
      kind: r.kind,
      id: r.id,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at ?? r.created_at,
      expiresAt: r.expires_at,
      userAgent: r.user_agent,
      country: r.country,
      region: r.region,
      city: r.city,
      remember: r.remember === 1,
      secondFactor: isSecondFactor(r.second_factor) ? r.second_factor : null,
      method: r.method,
      current: r.is_current === 1,
    }));
  });
}

/**
 * Which of the user's live logins `id` names, if any: a family (JWT mode) or
 * a session (its token hash, for the delete). Another user's login answers
 * null exactly like a missing one.
 */
export function findLiveLogin(
  db: D1Database,
  query: { userId: string; id: string; now: number },
): Promise<{ kind: "jwt"; familyId: string } | { kind: "session"; tokenHash: string } | null> {
  return guard("findLiveLogin", async () => {
    const row = await db
      .prepare(
        `SELECT 'jwt' AS kind, id AS key FROM refresh_families WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL AND expires_at > ?3
         UNION ALL
         SELECT 'session', token_hash FROM sessions WHERE id = ?1 AND user_id = ?2 AND expires_at > ?3
         LIMIT 1`,
      )
      .bind(query.id, query.userId, query.now)
      .first<{ kind: "jwt" | "session"; key: string }>();
    if (!row) return null;
    return row.kind === "jwt" ? { kind: "jwt", familyId: row.key } : { kind: "session", tokenHash: row.key };
  });
}

/** Ends one session of a user (by its token hash). Returns whether it existed. */
export function deleteUserSession(db: D1Database, userId: string, tokenHash: string): Promise<boolean> {
  return guard("deleteUserSession", async () => {
    const result = await db.prepare(`DELETE FROM sessions WHERE token_hash = ?1 AND user_id = ?2`).bind(tokenHash, userId).run();
    return result.meta.changes > 0;
  });
}

/**
 * The statement that sets a user's password hash, for the change-password
 * batch (db/revocations.ts revokeOtherLogins runs it first, in the same
 * transaction as the revocations). Unconditional: the caller verified the
 * current password; a concurrent login rehash is a compare-and-set on the
 * old hash (replacePasswordHash) and so can never undo this change.
 */
export function setPasswordStatement(db: D1Database, userId: string, passwordHash: string, now: number): D1PreparedStatement {
  return db.prepare(`UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1`).bind(userId, passwordHash, now);
}

/**
 * The statements of a password change itself, for one batch: the new hash,
 * and the user's outstanding password-reset links retired (issue 14 §3).
 */
export function changePasswordStatements(db: D1Database, userId: string, passwordHash: string, now: number): D1PreparedStatement[] {
  return [setPasswordStatement(db, userId, passwordHash, now), retirePasswordResetLinksStatement(db, userId, now)];
}

/** A password change that keeps the other logins: the new hash and the retired reset links, in one batch. */
export function setPasswordHash(db: D1Database, userId: string, passwordHash: string, now: number): Promise<void> {
  return guard("setPasswordHash", async () => {
    await db.batch(changePasswordStatements(db, userId, passwordHash, now));
  });
}
