import { findUserRole, readUsageReport } from "../../db";
import { HttpError } from "../../errors";
import type { RouteInput } from "../../http/schema";
import type { UsageQuery } from "../../api/requests";
import type { UsageResponseBody } from "../../api/responses";
import { usageCounterOf, utcDay } from "../../lifecycle/usage";
import { dashboardOf } from "../../lifecycle/phase3";
import { LEGACY_JWT_REASON } from "../../middleware/auth";
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
/** Detail rows in one report; successes are listed before failures of the same day. */
const MAX_DETAIL_ROWS = 5000;

export async function getUsage(c: AppContext, input: RouteInput<never, UsageQuery>): Promise<Response> {
  const principal = c.get("principal");
  const db = c.get("db");
  const role = await findUserRole(db, principal.user.id);
  if (role !== "admin") throw new HttpError(403, "forbidden", "the usage report is for admin users");

  // Checked after the role (USAGE_QUERY, api/requests.ts): a non-admin learns nothing from a bad query.
  const { days } = input.query();
  await usageCounterOf(c.get("auth")).flush(db);
  const since = utcDay(Date.now() - (days - 1) * 86_400_000);
  const report = await readUsageReport(db, since, MAX_DETAIL_ROWS, LEGACY_JWT_REASON);
  // The dashboard (issue 14 §6): per-day series and the phase-3 readiness signal.
  const dashboard = await dashboardOf(db, c.get("config"), Date.now(), days);

  // Totals come from SQL over every row: the detail list below may be cut at
  // MAX_DETAIL_ROWS, the totals never are (issue 11: "session: 0" must mean zero).
  const totals: Record<string, number> = {};
  for (const row of report.totals) {
    const key = row.kind === "failed" ? `failed:${row.reason}` : row.kind;
    totals[key] = (totals[key] ?? 0) + row.count;
  }
  return c.json({
    since,
    days,
    totals,
    session_clients: report.sessionClients,
    counts: report.rows,
    counts_truncated: report.truncated,
    series: dashboard.series,
    phase3: dashboard.phase3,
    // Seed-era JWTs accepted under acceptLegacyTokens (RFC 8725 §3.9-3.11 binding): the
    // option can go once none was seen for an access-token lifetime.
    legacy_jwt: {
      accepted: c.get("config").tokenBinding.acceptLegacy,
      count: report.legacyJwt.count,
      last_seen: report.legacyJwt.lastSeen,
    },
  } satisfies UsageResponseBody);
}
