import { guard } from "./errors";

export interface RateHit {
  bucket: string;
  windowStart: number;
  windowSeconds: number;
}

/**
 * Counts one attempt in every bucket, in ONE statement (a multi-row upsert
 * with RETURNING), and returns each bucket's count in its current window.
 * A bucket whose stored window is older restarts at 1 (fixed window).
 */
export function hitRateLimits(db: D1Database, hits: RateHit[]): Promise<Map<string, number>> {
  return guard("hitRateLimits", async () => {
    const counts = new Map<string, number>();
    if (hits.length === 0) return counts;
    const values: string[] = [];
    const params: (string | number)[] = [];
    for (const hit of hits) {
      const base = params.length;
      values.push(`(?${base + 1}, ?${base + 2}, 1, ?${base + 3})`);
      params.push(hit.bucket, hit.windowStart, hit.windowStart + hit.windowSeconds);
    }
    const { results } = await db
      .prepare(
        `INSERT INTO rate_limits (bucket, window_start, count, expires_at) VALUES ${values.join(", ")}
         ON CONFLICT (bucket) DO UPDATE SET
           count = CASE WHEN window_start = excluded.window_start THEN count + 1 ELSE 1 END,
           window_start = excluded.window_start,
           expires_at = excluded.expires_at
         RETURNING bucket, count`,
      )
      .bind(...params)
      .all<{ bucket: string; count: number }>();
    for (const row of results) counts.set(row.bucket, row.count);
    return counts;
  });
}

/**
 * Gives back one counted attempt in every bucket, in ONE statement, but only
 * in the window it was counted in (a window that has since restarted owes
 * nothing) and never below zero.
 */
export function refundRateLimits(db: D1Database, hits: { bucket: string; windowStart: number }[]): Promise<void> {
  return guard("refundRateLimits", async () => {
    if (hits.length === 0) return;
    const conditions: string[] = [];
    const params: (string | number)[] = [];
    for (const hit of hits) {
      conditions.push(`(bucket = ?${params.length + 1} AND window_start = ?${params.length + 2})`);
      params.push(hit.bucket, hit.windowStart);
    }
    await db
      .prepare(`UPDATE rate_limits SET count = count - 1 WHERE count > 0 AND (${conditions.join(" OR ")})`)
      .bind(...params)
      .run();
  });
}
