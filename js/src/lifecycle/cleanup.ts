/**
 * The scheduled cleanup (Cron Trigger in wrangler.jsonc): deletes expired
 * sessions, refresh tokens (then empty families), revocation rows, rate-limit
 * windows, passkey challenges (when that table exists), expired email links
 * (email_tokens), and usage counters and account events (auth_events) older
 * than USAGE_RETENTION_DAYS: the events are the audit trail of the same
 * migration period the usage report covers, kept for as long.
 *
 * Each DELETE removes at most CLEANUP_BATCH_ROWS (≤ 10,000) rows, so no
 * statement holds D1's single writer for long; a table is revisited until a
 * chunk comes back short, up to MAX_CHUNKS_PER_TABLE per run (the next run
 * continues). One table failing does not stop the others.
 */
import { deleteEmptyFamiliesChunk, deleteExpiredChunk, deleteOldEventsChunk, deleteOldUsageChunk, tableExists } from "../db";
import type { CleanupTable } from "../db";
import type { LifecycleConfig } from "../config";
import { utcDay } from "./usage";

export const MAX_CHUNKS_PER_TABLE = 50;
/** The passkey flow's table (migration 0003); cleaned only if present. */
export const CHALLENGES_TABLE = "webauthn_challenges";

export interface CleanupReport {
  deleted: Partial<Record<CleanupTable, number>>;
  statements: number;
  errors: string[];
}

export async function runCleanup(db: D1Database, config: LifecycleConfig, nowMs: number = Date.now()): Promise<CleanupReport> {
  const now = Math.floor(nowMs / 1000);
  const limit = config.cleanupBatchRows;
  const report: CleanupReport = { deleted: {}, statements: 0, errors: [] };

  const sweep = async (table: CleanupTable, chunk: () => Promise<number>) => {
    try {
      let total = 0;
      for (let i = 0; i < MAX_CHUNKS_PER_TABLE; i++) {
        const n = await chunk();
        report.statements++;
        total += n;
        if (n < limit) break;
      }
      report.deleted[table] = total;
    } catch (err) {
      report.errors.push(`${table}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  await sweep("sessions", () => deleteExpiredChunk(db, "sessions", now, limit));
  await sweep("refresh_tokens", () => deleteExpiredChunk(db, "refresh_tokens", now, limit));
  await sweep("refresh_families", () => deleteEmptyFamiliesChunk(db, now, limit));
  await sweep("revocations", () => deleteExpiredChunk(db, "revocations", now, limit));
  await sweep("rate_limits", () => deleteExpiredChunk(db, "rate_limits", now, limit));
  try {
    if (await tableExists(db, CHALLENGES_TABLE)) {
      await sweep(CHALLENGES_TABLE, () => deleteExpiredChunk(db, CHALLENGES_TABLE, now, limit));
    }
  } catch (err) {
    report.errors.push(`${CHALLENGES_TABLE}: ${err instanceof Error ? err.message : String(err)}`);
  }
  await sweep("email_tokens", () => deleteExpiredChunk(db, "email_tokens", now, limit));
  // Both keep the same whole UTC days: the report's first day and the events of that day onwards.
  const keepFrom = utcDay(nowMs - (config.usage.retentionDays - 1) * 86_400_000);
  await sweep("auth_usage", () => deleteOldUsageChunk(db, keepFrom, limit));
  await sweep("auth_events", () => deleteOldEventsChunk(db, Date.parse(`${keepFrom}T00:00:00Z`) / 1000, limit));
  return report;
}
