import { guard } from "./errors";

/** What one cleanup statement targets. Table and column names are constants, never input. */
const TARGETS = {
  sessions: "expires_at",
  refresh_tokens: "expires_at",
  revocations: "expires_at",
  rate_limits: "expires_at",
  webauthn_challenges: "expires_at",
  // Email links (migration 0007): once expired, used or not, a link is dead, and its row only says so.
  email_tokens: "expires_at",
} as const;
export type CleanupTable = keyof typeof TARGETS | "refresh_families" | "auth_usage" | "auth_events";

/**
 * Deletes at most `limit` rows whose expiry is <= now (one statement, so one
 * short write transaction). Returns how many rows went.
 */
export function deleteExpiredChunk(db: D1Database, table: keyof typeof TARGETS, now: number, limit: number): Promise<number> {
  return deleteChunk(db, table, `${TARGETS[table]} <= ?1`, now, limit);
}

/**
 * One bounded DELETE: at most `limit` rows of `table` matching `condition`
 * (a constant SQL fragment whose one parameter is ?1, bound to `value`).
 */
function deleteChunk(db: D1Database, table: CleanupTable, condition: string, value: number | string, limit: number): Promise<number> {
  return guard(`cleanup ${table}`, async () => {
    const result = await db
      .prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${condition} LIMIT ?2)`)
      .bind(value, limit)
      .run();
    return result.meta.changes;
  });
}

/**
 * Families whose every token is gone (expired and deleted), whose expiry has
 * passed, and whose last access JWT has expired: until then a logout with
 * one of those JWTs still needs the family to revoke it by `sid` (issue 11).
 */
export function deleteEmptyFamiliesChunk(db: D1Database, now: number, limit: number): Promise<number> {
  return guard("cleanup refresh_families", async () => {
    const result = await db
      .prepare(
        `DELETE FROM refresh_families WHERE rowid IN (
           SELECT f.rowid FROM refresh_families f
            WHERE f.expires_at <= ?1 AND f.access_expires_at <= ?1 AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f.id)
            LIMIT ?2)`,
      )
      .bind(now, limit)
      .run();
    return result.meta.changes;
  });
}

/** Usage counters older than `beforeDay` (YYYY-MM-DD). */
export function deleteOldUsageChunk(db: D1Database, beforeDay: string, limit: number): Promise<number> {
  return deleteChunk(db, "auth_usage", "day < ?1", beforeDay, limit);
}

/** Account events (auth_events, migration 0007) recorded before `before` (Unix seconds). */
export function deleteOldEventsChunk(db: D1Database, before: number, limit: number): Promise<number> {
  return deleteChunk(db, "auth_events", "created_at < ?1", before, limit);
}

/** Whether a table exists (the passkey challenges table comes from another migration). */
export function tableExists(db: D1Database, name: string): Promise<boolean> {
  return guard("tableExists", async () => {
    const row = await db.prepare(`SELECT 1 AS hit FROM sqlite_master WHERE type = 'table' AND name = ?1`).bind(name).first();
    return row !== null;
  });
}
