import { guard } from "./errors";

export interface UsageDelta {
  day: string;
  kind: string;
  reason: string;
  client: string;
  count: number;
  lastSeen: number;
}

/** The client whose rows absorb everyone outside a day's top clients. */
export const OTHER_CLIENT = "other";

// The clients of one (day, kind) ranked by their total that day, 'other' excluded.
// Ties are broken by name so that the fold and the delete below rank alike.
const RANKED = `totals AS (
    SELECT kind, client, SUM(count) AS total FROM auth_usage
     WHERE day = ?1 AND client <> '${OTHER_CLIENT}' GROUP BY kind, client
  ), dropped AS (
    SELECT kind, client FROM (
      SELECT kind, client, ROW_NUMBER() OVER (PARTITION BY kind ORDER BY total DESC, client) AS rank FROM totals
    ) WHERE rank > ?2
  )`;

/**
 * Adds aggregated counts and keeps each touched day at its top `topClients`
 * clients per kind, in one transaction: one upsert per key, then per day a
 * fold of every lower-ranked client's counts into the `other` client and
 * the delete of their rows. Totals are unchanged by the fold. Ranking is per
 * kind, so failed requests (kind 'failed') never displace successful ones.
 */
export function addUsage(db: D1Database, deltas: UsageDelta[], topClients: number): Promise<void> {
  return guard("addUsage", async () => {
    if (deltas.length === 0) return;
    const statements = deltas.map((d) =>
      db
        .prepare(
          `INSERT INTO auth_usage (day, kind, reason, client, count, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
           ON CONFLICT (day, kind, reason, client)
           DO UPDATE SET count = count + excluded.count, last_seen = MAX(last_seen, excluded.last_seen)`,
        )
        .bind(d.day, d.kind, d.reason, d.client, d.count, d.lastSeen),
    );
    for (const day of new Set(deltas.map((d) => d.day))) {
      statements.push(
        db
          .prepare(
            `WITH ${RANKED}
             INSERT INTO auth_usage (day, kind, reason, client, count, last_seen)
             SELECT ?1, u.kind, u.reason, '${OTHER_CLIENT}', SUM(u.count), MAX(u.last_seen)
               FROM auth_usage u JOIN dropped d ON d.kind = u.kind AND d.client = u.client
              WHERE u.day = ?1 GROUP BY u.kind, u.reason
             ON CONFLICT (day, kind, reason, client)
             DO UPDATE SET count = count + excluded.count, last_seen = MAX(last_seen, excluded.last_seen)`,
          )
          .bind(day, topClients),
        db
          .prepare(`WITH ${RANKED} DELETE FROM auth_usage WHERE day = ?1 AND (kind, client) IN (SELECT kind, client FROM dropped)`)
          .bind(day, topClients),
      );
    }
    await db.batch(statements);
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

export interface UsageReportData {
  /** Sums over ALL rows since the day: kind → (reason → count). */
  totals: { kind: string; reason: string; count: number }[];
  /** Session-token authentications per client, most first (all rows). */
  sessionClients: { client: string; count: number; last_seen: number }[];
  /** The detail rows, newest day first and successes before failures, at most `limit`. */
  rows: UsageRow[];
  /** Whether more detail rows exist than `rows` holds (totals are exact either way). */
  truncated: boolean;
  /** Accepted seed-era JWTs (kind 'jwt', reason `legacyReason`): how many, and the latest (null: none). */
  legacyJwt: { count: number; lastSeen: number | null };
}

/**
 * The usage report from `sinceDay` (YYYY-MM-DD) on, in one batch. Totals and
 * per-client session counts are aggregated in SQL over every row, so no
 * number of rows (e.g. many client ids) can push a kind out of them.
 */
export function readUsageReport(db: D1Database, sinceDay: string, limit: number, legacyReason: string): Promise<UsageReportData> {
  return guard("readUsageReport", async () => {
    const [totals, sessionClients, rows, legacy] = await db.batch([
      db.prepare(`SELECT kind, reason, SUM(count) AS count FROM auth_usage WHERE day >= ?1 GROUP BY kind, reason`).bind(sinceDay),
      db
        .prepare(
          `SELECT client, SUM(count) AS count, MAX(last_seen) AS last_seen FROM auth_usage
            WHERE day >= ?1 AND kind = 'session' GROUP BY client ORDER BY count DESC, client`,
        )
        .bind(sinceDay),
      db
        .prepare(
          `SELECT day, kind, reason, client, count, last_seen FROM auth_usage
            WHERE day >= ?1 ORDER BY day DESC, kind = 'failed', kind, count DESC, reason, client LIMIT ?2`,
        )
        .bind(sinceDay, limit + 1),
      db
        .prepare(`SELECT COALESCE(SUM(count), 0) AS count, MAX(last_seen) AS last_seen FROM auth_usage WHERE day >= ?1 AND kind = 'jwt' AND reason = ?2`)
        .bind(sinceDay, legacyReason),
    ]);
    const detail = (rows?.results ?? []) as UsageRow[];
    const legacyRow = (legacy?.results?.[0] ?? { count: 0, last_seen: null }) as { count: number; last_seen: number | null };
    return {
      totals: (totals?.results ?? []) as { kind: string; reason: string; count: number }[],
      sessionClients: (sessionClients?.results ?? []) as { client: string; count: number; last_seen: number }[],
      rows: detail.slice(0, limit),
      truncated: detail.length > limit,
      legacyJwt: { count: legacyRow.count, lastSeen: legacyRow.last_seen },
    };
  });
}

/** Whether a user may read the usage report. */
export function findUserRole(db: D1Database, userId: string): Promise<string | null> {
  return guard("findUserRole", async () => {
    const row = await db.prepare(`SELECT role FROM users WHERE id = ?1`).bind(userId).first<{ role: string }>();
    return row?.role ?? null;
  });
}
