import { guard } from "./errors";

/** Authentications of one kind on one UTC day (every reason and client summed). */
export interface UsageDayCount {
  day: string;
  kind: string;
  count: number;
}

/** Per day and kind from `sinceDay` (YYYY-MM-DD) on: the dashboard's chart and the phase-3 signal (issue 14 §6). */
export function readUsageSeries(db: D1Database, sinceDay: string): Promise<UsageDayCount[]> {
  return guard("readUsageSeries", async () => {
    const { results } = await db
      .prepare(`SELECT day, kind, SUM(count) AS count FROM auth_usage WHERE day >= ?1 GROUP BY day, kind ORDER BY day`)
      .bind(sinceDay)
      .all<UsageDayCount>();
    return results;
  });
}
