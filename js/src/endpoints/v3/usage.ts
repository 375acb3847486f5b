import { findUserRole, readUsage } from "../../db";
import { HttpError, badRequest } from "../../errors";
import { flushUsage, utcDay } from "../../lifecycle/usage";
import type { AppContext } from "../../types";

/**
 * GET /auth/usage[?days=30] (admin only) → authentications per day, kind,
 * failure reason and client, plus the clients still on session tokens:
 * the phase-2 report that tells when sessions can be switched off.
 *
 * The role is read from D1 (not from the token), so a demotion is immediate.
 * This isolate's unflushed counts are written first; other isolates' counts
 * arrive with their next flush (USAGE_FLUSH_REQUESTS / USAGE_FLUSH_SECONDS).
 */
export async function getUsage(c: AppContext): Promise<Response> {
  const principal = c.get("principal");
  const db = c.env.GENERAL_DB;
  const role = await findUserRole(db, principal.user.id);
  if (role !== "admin") throw new HttpError(403, "forbidden", "the usage report is for admin users");

  const daysParam = c.req.query("days") ?? "30";
  if (!/^[0-9]{1,3}$/.test(daysParam) || Number(daysParam) < 1 || Number(daysParam) > 366) {
    throw badRequest("invalid_field", "days must be a whole number from 1 to 366");
  }
  const days = Number(daysParam);
  await flushUsage(db);
  const since = utcDay(Date.now() - (days - 1) * 86_400_000);
  const rows = await readUsage(db, since);

  const totals: Record<string, number> = {};
  const sessionClients = new Map<string, { client: string; count: number; last_seen: number }>();
  for (const row of rows) {
    const key = row.kind === "failed" ? `failed:${row.reason}` : row.kind;
    totals[key] = (totals[key] ?? 0) + row.count;
    if (row.kind === "session") {
      const entry = sessionClients.get(row.client) ?? { client: row.client, count: 0, last_seen: 0 };
      entry.count += row.count;
      entry.last_seen = Math.max(entry.last_seen, row.last_seen);
      sessionClients.set(row.client, entry);
    }
  }
  return c.json({
    since,
    days,
    totals,
    session_clients: [...sessionClients.values()].sort((a, b) => b.count - a.count),
    counts: rows,
  });
}
