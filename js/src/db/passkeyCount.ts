import { guard } from "./errors";

/** How many passkeys a user has (logout-all reports it so the page can offer a review). */
export function countPasskeys(db: D1Database, userId: string): Promise<number> {
  return guard("countPasskeys", async () => {
    const row = await db.prepare(`SELECT COUNT(*) AS n FROM passkeys WHERE user_id = ?1`).bind(userId).first<{ n: number }>();
    return row?.n ?? 0;
  });
}
