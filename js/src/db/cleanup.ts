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
  // Login tickets held for a TOTP code (migration 0009): dead once expired.
  totp_tickets: "expires_at",
  // Social sign-ins in flight and tickets waiting for the page (migration 0011): dead once expired.
  social_states: "expires_at",
  social_tickets: "expires_at",
} as const;
export type CleanupTable = keyof typeof TARGETS | "refresh_families" | "auth_usage" | "auth_events";

/** The WHERE of each single-table chunked DELETE; its one parameter is ?1. */
const CONDITIONS: Record<Exclude<CleanupTable, "refresh_families">, string> = {
  ...(Object.fromEntries(Object.entries(TARGETS).map(([table, column]) => [table, `${column} <= ?1`])) as Record<keyof typeof TARGETS, string>),
  auth_usage: "day < ?1",
  auth_events: "created_at < ?1",
};

/**
 * Deletes at most `limit` rows whose expiry is <= now (one statement, so one
 * short write transaction). Returns how many rows went.
 */
export function deleteExpiredChunk(db: D1Database, table: keyof typeof TARGETS, now: number, limit: number): Promise<number> {
  return deleteChunk(db, table, now, limit);
}

/**
 * One bounded DELETE: at most `limit` rows of `table` matching its condition
 * (CONDITIONS), with ?1 bound to `value`.
 */
function deleteChunk(db: D1Database, table: keyof typeof CONDITIONS, value: number | string, limit: number): Promise<number> {
  return guard(`cleanup ${table}`, async () => {
    const result = await db
      .prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${CONDITIONS[table]} LIMIT ?2)`)
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
  return deleteChunk(db, "auth_usage", beforeDay, limit);
}

/** Account events (auth_events, migration 0007; index 0008) recorded before `before` (Unix seconds). */
export function deleteOldEventsChunk(db: D1Database, before: number, limit: number): Promise<number> {
  return deleteChunk(db, "auth_events", before, limit);
}

/**
 * SQLite's plan for the row selection of each chunked DELETE (EXPLAIN QUERY PLAN
 * details), so a test can hold every one of them to an index: the cron runs them
 * hourly on tables that only grow between runs.
 */
export function cleanupQueryPlans(db: D1Database): Promise<Record<string, string[]>> {
  return guard("cleanup plans", async () => {
    const plans: Record<string, string[]> = {};
    for (const [table, condition] of Object.entries(CONDITIONS)) {
      // The passkey challenges table comes from another migration (as in runCleanup).
      if (!(await tableExists(db, table))) continue;
      const { results } = await db.prepare(`EXPLAIN QUERY PLAN SELECT rowid FROM ${table} WHERE ${condition} LIMIT ?2`).bind(0, 1).all<{ detail: string }>();
      plans[table] = results.map((row) => row.detail);
    }
    return plans;
  });
}

/** Whether a table exists (the passkey challenges table comes from another migration). */
export function tableExists(db: D1Database, name: string): Promise<boolean> {
  return guard("tableExists", async () => {
    const row = await db.prepare(`SELECT 1 AS hit FROM sqlite_master WHERE type = 'table' AND name = ?1`).bind(name).first();
    return row !== null;
  });
}
