import { guard } from "./errors";
import type { SecondFactor } from "./logins";
import type { Sighting } from "./logins";

/** What a valid session token resolves to: one row of sessions joined with users. */
export interface SessionUser {
  userId: string;
  email: string;
  name: string;
  expiresAt: number;
  /** Unix seconds: a session is created by a login, so this is its authentication time. */
  createdAt: number;
  /** When a request last touched it (see touchSession); its creation until then. Unknown for a just-claimed seed-era session. */
  lastUsedAt?: number;
  /** Whether the user's address is verified (issue 14 §4); unknown for a just-claimed seed-era session. */
  emailVerified?: boolean;
}

/** The columns of sessions joined with users that every session lookup reads (the seed-era claim too). */
export interface SessionUserRow {
  user_id: string;
  email: string;
  name: string;
  expires_at: number;
  created_at: number;
}

/** What those columns say; the lookup below adds what only v3 sessions record. */
export function sessionUserFromRow(row: SessionUserRow): SessionUser {
  return { userId: row.user_id, email: row.email, name: row.name, expiresAt: row.expires_at, createdAt: row.created_at };
}

interface SessionLookupRow extends SessionUserRow {
  last_used_at: number | null;
  email_verified_at: number | null;
}

export interface NewSession {
  tokenHash: string;
  userId: string;
  expiresAt: number;
  createdAt: number;
  /** The device that signed in (issue 14 §1) and its "remember me" choice; absent for tooling. */
  seen?: Sighting;
  remember?: boolean;
  /** The login's second factor (migration 0010), or absent/null for one factor. */
  secondFactor?: SecondFactor | null;
  /** How the login was proven ("password", "passkey", "social:<provider>"; migration 0011). */
  method?: string | null;
}

/**
 * Stores a new session and, in the same atomic batch, drops this user's
 * expired sessions, so the table cannot grow without bound between cleanups.
 * batch() runs as one transaction: either both statements apply or neither.
 */
export function createSession(db: D1Database, session: NewSession): Promise<void> {
  return guard("createSession", async () => {
    await db.batch([
      db
        .prepare(`DELETE FROM sessions WHERE user_id = ?1 AND expires_at <= ?2`)
        .bind(session.userId, session.createdAt),
      db
        .prepare(
          `INSERT INTO sessions (token_hash, user_id, expires_at, created_at, id, last_used_at, user_agent, country, region, city, remember, second_factor, method)
           VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`,
        )
        .bind(
          session.tokenHash,
          session.userId,
          session.expiresAt,
          session.createdAt,
          crypto.randomUUID(),
          session.seen?.userAgent ?? null,
          session.seen?.country ?? null,
          session.seen?.region ?? null,
          session.seen?.city ?? null,
          session.remember === false ? 0 : 1,
          session.secondFactor ?? null,
          session.method ?? null,
        ),
    ]);
  });
}

/**
 * The whole session check in one query: the hash must exist, must not have
 * expired, and its user must still exist.
 */
export function findSessionUser(db: D1Database, tokenHash: string, now: number): Promise<SessionUser | null> {
  return guard("findSessionUser", async () => {
    const row = await db
      .prepare(
        `SELECT s.user_id, u.email, u.name, s.expires_at, s.created_at, s.last_used_at, u.email_verified_at
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = ?1 AND s.expires_at > ?2`,
      )
      .bind(tokenHash, now)
      .first<SessionLookupRow>();
    return row ? { ...sessionUserFromRow(row), lastUsedAt: row.last_used_at ?? row.created_at, emailVerified: row.email_verified_at !== null } : null;
  });
}

/**
 * Records that a session was used at `at` ("last used" in the sign-ins list).
 * Called at most once per SESSION_TOUCH_SECONDS per session, after the
 * response (middleware/auth.ts), so session requests stay one read.
 */
export function touchSession(db: D1Database, tokenHash: string, at: number): Promise<void> {
  return guard("touchSession", async () => {
    await db
      .prepare(`UPDATE sessions SET last_used_at = ?2 WHERE token_hash = ?1 AND COALESCE(last_used_at, 0) < ?2`)
      .bind(tokenHash, at)
      .run();
  });
}

/** Ends one session. Returns whether a row was deleted. */
export function deleteSession(db: D1Database, tokenHash: string): Promise<boolean> {
  return guard("deleteSession", async () => {
    const result = await db.prepare(`DELETE FROM sessions WHERE token_hash = ?1`).bind(tokenHash).run();
    return result.meta.changes > 0;
  });
}

/** Test and tooling helper: how many sessions a user has (expired ones included). */
export function countSessions(db: D1Database, userId: string): Promise<number> {
  return guard("countSessions", async () => {
    const row = await db
      .prepare(`SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?1`)
      .bind(userId)
      .first<{ n: number }>();
    return row?.n ?? 0;
  });
}
