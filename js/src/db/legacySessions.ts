import { sha256Hex } from "../utils/encoding";
import { tableExists } from "./cleanup";
import { guard } from "./errors";
import { sessionUserFromRow } from "./sessions";
import type { SessionUser, SessionUserRow } from "./sessions";

/**
 * Session tokens of a seed-era deployment (`hybrid-auth upgrade-seed`, MIGRATION.md phase 0).
 * The upgrade renames the seed's `sessions` (raw UUID in `id`, `expires_at` in Unix
 * seconds, possibly fractional from Date.now() / 1000) to `legacy_sessions`. Each row
 * moves into v3 `sessions` as the SHA-256 of its token, either when its client next
 * authenticates (claimLegacySession) or in bulk (moveLegacySessionsChunk); after that the
 * raw token is stored nowhere.
 */
export const LEGACY_SESSIONS_TABLE = "legacy_sessions";

/** Whether this database still holds seed-era sessions (false on a database that never had any). */
export function hasLegacySessions(db: D1Database): Promise<boolean> {
  return tableExists(db, LEGACY_SESSIONS_TABLE);
}

// The seed's expires_at may be REAL (Date.now() / 1000) or, in a loosely typed column,
// text; CAST makes the comparison numeric either way. Rounded UP to whole seconds when
// moved, so a session lasts at most one second longer than the seed allowed, never less.
const EXPIRES_REAL = "CAST(l.expires_at AS REAL)";
const EXPIRES_CEIL = "(CAST(l.expires_at AS INTEGER) + (CAST(l.expires_at AS REAL) > CAST(l.expires_at AS INTEGER)))";

/** The seed's lookup (token unexpired, user still there), without moving anything. */
export function findLegacySession(db: D1Database, token: string, now: number): Promise<{ userId: string; expiresAt: number } | null> {
  return guard("findLegacySession", async () => {
    const row = await db
      .prepare(
        `SELECT l.user_id, l.expires_at FROM ${LEGACY_SESSIONS_TABLE} l JOIN users u ON u.id = l.user_id
          WHERE l.id = ?1 AND ${EXPIRES_REAL} > ?2`,
      )
      .bind(token, now)
      .first<{ user_id: string; expires_at: number }>();
    return row ? { userId: row.user_id, expiresAt: Number(row.expires_at) } : null;
  });
}

/**
 * Moves one live legacy row into `sessions` as its hash and deletes the raw row: the
 * pair of statements both the on-use claim and the batch job run inside their batch.
 */
function moveStatements(db: D1Database, token: string, tokenHash: string, now: number): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT OR IGNORE INTO sessions (token_hash, user_id, expires_at, created_at)
         SELECT ?1, l.user_id, ${EXPIRES_CEIL}, 0 FROM ${LEGACY_SESSIONS_TABLE} l
          WHERE l.id = ?2 AND ${EXPIRES_REAL} > ?3 AND EXISTS (SELECT 1 FROM users u WHERE u.id = l.user_id)`,
      )
      .bind(tokenHash, token, now),
    db.prepare(`DELETE FROM ${LEGACY_SESSIONS_TABLE} WHERE id = ?1`).bind(token),
  ];
}

/**
 * Moves one seed-era session into `sessions` as `tokenHash` (the SHA-256 hex of `token`)
 * and returns it as findSessionUser would, or null if the token is unknown, expired or
 * its user is gone. One batch, so one transaction: the copy, the deletion of the raw
 * token and the read either all happen or none does. Two requests claiming the same
 * token at once both succeed: the second finds no legacy row, inserts nothing (OR IGNORE
 * also covers a row the first already wrote) and reads the first one's row.
 *
 * `created_at` is 0: the seed never recorded when a session's login happened, and 0
 * ("unknown") is what the rest of the schema treats as "not a recent authentication".
 * An expired or orphaned legacy row is deleted by the same batch: the seed refused it too.
 */
export function claimLegacySession(db: D1Database, token: string, tokenHash: string, now: number): Promise<SessionUser | null> {
  return guard("claimLegacySession", async () => {
    const [, , read] = await db.batch([
      ...moveStatements(db, token, tokenHash, now),
      db
        .prepare(
          `SELECT s.user_id, u.email, u.name, s.expires_at, s.created_at
             FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = ?1 AND s.expires_at > ?2`,
        )
        .bind(tokenHash, now),
    ]);
    const row = (read?.results as SessionUserRow[] | undefined)?.[0];
    return row ? sessionUserFromRow(row) : null;
  });
}

export interface LegacyChunkResult {
  /** Live sessions now stored as hashes. */
  moved: number;
  /** Expired or orphaned rows deleted. */
  deleted: number;
}

/**
 * The batch job: moves up to `limit` live legacy sessions (hashes computed here, like
 * every other token hash) and deletes up to `limit` unusable ones. Call it until both
 * counts are 0 (the cleanup cron can, or `hybrid-auth hash-legacy-sessions` does the same
 * from outside). A row a request claims meanwhile is simply gone for the INSERT ... SELECT.
 */
export function moveLegacySessionsChunk(db: D1Database, now: number, limit: number): Promise<LegacyChunkResult> {
  return guard("moveLegacySessionsChunk", async () => {
    const { results } = await db
      .prepare(
        `SELECT l.id FROM ${LEGACY_SESSIONS_TABLE} l
          WHERE ${EXPIRES_REAL} > ?1 AND EXISTS (SELECT 1 FROM users u WHERE u.id = l.user_id) LIMIT ?2`,
      )
      .bind(now, limit)
      .all<{ id: string }>();
    const statements: D1PreparedStatement[] = [];
    for (const { id } of results) {
      const hash = await sha256Hex(String(id));
      statements.push(...moveStatements(db, String(id), hash, now));
    }
    if (statements.length > 0) await db.batch(statements);
    const swept = await db
      .prepare(
        `DELETE FROM ${LEGACY_SESSIONS_TABLE} WHERE rowid IN (
           SELECT l.rowid FROM ${LEGACY_SESSIONS_TABLE} l
            WHERE ${EXPIRES_REAL} <= ?1 OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = l.user_id) LIMIT ?2)`,
      )
      .bind(now, limit)
      .run();
    return { moved: results.length, deleted: swept.meta.changes };
  });
}
