import { guard } from "./errors";

export interface UsageDelta {
  day: string;
  kind: string;
  reason: string;
  client: string;
  count: number;
  lastSeen: number;
}

/** Adds aggregated counts, in one transaction (one upsert per key). */
export function addUsage(db: D1Database, deltas: UsageDelta[]): Promise<void> {
  return guard("addUsage", async () => {
    if (deltas.length === 0) return;
    await db.batch(
      deltas.map((d) =>
        db
          .prepare(
            `INSERT INTO auth_usage (day, kind, reason, client, count, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (day, kind, reason, client)
             DO UPDATE SET count = count + excluded.count, last_seen = MAX(last_seen, excluded.last_seen)`,
          )
          .bind(d.day, d.kind, d.reason, d.client, d.count, d.lastSeen),
      ),
    );
  });
}

export interface UsageRow {
  day: string;
  kind: string;
  reason: string;
  client: string;
  count: number;
  last_seen: number;
}

/** Counts from `sinceDay` (YYYY-MM-DD) on, newest day first. */
export function readUsage(db: D1Database, sinceDay: string): Promise<UsageRow[]> {
  return guard("readUsage", async () => {
    const { results } = await db
      .prepare(
        `SELECT day, kind, reason, client, count, last_seen FROM auth_usage
          WHERE day >= ?1 ORDER BY day DESC, kind, reason, client LIMIT 5000`,
      )
      .bind(sinceDay)
      .all<UsageRow>();
    return results;
  });
}

/** Whether a user may read the usage report. */
export function findUserRole(db: D1Database, userId: string): Promise<string | null> {
  return guard("findUserRole", async () => {
    const row = await db.prepare(`SELECT role FROM users WHERE id = ?1`).bind(userId).first<{ role: string }>();
    return row?.role ?? null;
  });
}
