/**
 * The scheduled cleanup (Cron Trigger in wrangler.jsonc): deletes expired
 * sessions, refresh tokens (then empty families), revocation rows, rate-limit
 * windows and account events (auth_events) older than USAGE_RETENTION_DAYS
 * (the audit trail of the same migration period the usage report covers,
 * kept for as long); then each mounted plugin's own work (AuthPlugin.cleanup:
 * passkey challenges when that table exists, expired email links, usage
 * counters past the retention).
 *
 * Each DELETE removes at most CLEANUP_BATCH_ROWS (≤ 10,000) rows, so no
 * statement holds D1's single writer for long; a table is revisited until a
 * chunk comes back short, up to MAX_CHUNKS_PER_TABLE per run (the next run
 * continues). One table failing does not stop the others.
 */
import { deleteEmptyFamiliesChunk, deleteExpiredChunk, deleteOldEventsChunk, tableExists } from "../db";
import type { CleanupTable } from "../db";
import type { LifecycleConfig } from "../config";
import type { CleanupTask } from "../plugin";
import { utcDay } from "./usage";

export const MAX_CHUNKS_PER_TABLE = 50;
/** The passkey flow's table (migration 0003); cleaned only if present. */
export const CHALLENGES_TABLE = "webauthn_challenges";

/** The first UTC day the usage report and the account events keep (USAGE_RETENTION_DAYS). */
export function retentionStart(config: LifecycleConfig, nowMs: number): string {
  return utcDay(nowMs - (config.usage.retentionDays - 1) * 86_400_000);
}

export interface CleanupReport {
  deleted: Partial<Record<CleanupTable, number>>;
  statements: number;
  errors: string[];
}

export async function runCleanup(db: D1Database, config: LifecycleConfig, nowMs: number = Date.now(), pluginTasks: readonly CleanupTask[] = []): Promise<CleanupReport> {
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
  // The account events keep the same whole UTC days as the usage report (the usage plugin's rows).
  const keepFrom = retentionStart(config, nowMs);
  await sweep("auth_events", () => deleteOldEventsChunk(db, Date.parse(`${keepFrom}T00:00:00Z`) / 1000, limit));
  // The mounted plugins' tables, in mount order (passkeys: challenges; email: links; usage: counters).
  for (const task of pluginTasks) {
    try {
      if (task.optional && !(await tableExists(db, task.table))) continue;
      await sweep(task.table, task.chunk);
    } catch (err) {
      report.errors.push(`${task.table}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return report;
}
