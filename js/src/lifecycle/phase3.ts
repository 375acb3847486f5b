/**
 * The phase-2 dashboard's numbers (issue 14 §6): authentications per day by
 * kind, and the phase-3 readiness signal: may session tokens be switched
 * off (SESSION_AUTH=deprecated, then off)? Pure: the days and counts come in,
 * the verdict and the sentence that states it go out.
 */
import { readUsageSeries } from "../db/usageSeries";
import type { UsageDayCount } from "../db/usageSeries";
import type { LifecycleConfig } from "../config";
import { utcDay } from "./usage";

export interface DayPoint {
  day: string;
  jwt: number;
  session: number;
  refresh: number;
  failed: number;
  /** session / (jwt + session); null on a day without successful token authentications. */
  session_share: number | null;
}

const DAY_MS = 86_400_000;

/** Every UTC day from `firstDay` to `lastDay` (YYYY-MM-DD), oldest first. */
export function daysBetween(firstDay: string, lastDay: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${lastDay}T00:00:00Z`);
  for (let t = Date.parse(`${firstDay}T00:00:00Z`); t <= end; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** The counts per day and kind as one point per day, days without rows included (zeros). */
export function dailySeries(rows: readonly UsageDayCount[], firstDay: string, lastDay: string): DayPoint[] {
  const byDay = new Map<string, DayPoint>();
  for (const day of daysBetween(firstDay, lastDay)) byDay.set(day, { day, jwt: 0, session: 0, refresh: 0, failed: 0, session_share: null });
  for (const row of rows) {
    const point = byDay.get(row.day);
    if (point && (row.kind === "jwt" || row.kind === "session" || row.kind === "refresh" || row.kind === "failed")) point[row.kind] += row.count;
  }
  for (const point of byDay.values()) {
    const tokens = point.jwt + point.session;
    point.session_share = tokens === 0 ? null : point.session / tokens;
  }
  return [...byDay.values()];
}

export interface Phase3Readiness {
  ready: boolean;
  /** The session share a day must stay below. */
  threshold: number;
  required_days: number;
  /** Consecutive days up to the latest one with traffic whose share was below the threshold. */
  consecutive_days: number;
  /** The latest day with traffic, and its share (null: no traffic in the window). */
  latest_day: string | null;
  latest_share: number | null;
  /** The verdict in one plain sentence, for people. */
  statement: string;
}

const percent = (share: number) => `${Number((share * 100).toPrecision(3))}%`;

/**
 * Ready when the session share was below `threshold` on each of the last
 * `requiredDays` days, counted back from the latest day. Today counts once it
 * has traffic (until then the streak starts yesterday, so a quiet morning
 * does not reset it). A day without any successful token authentication is
 * no evidence either way and ends the streak: "ready" needs days of traffic
 * that did without session tokens, not an idle service.
 */
export function phase3Readiness(series: readonly DayPoint[], threshold: number, requiredDays: number): Phase3Readiness {
  let i = series.length - 1;
  if (i >= 0 && series[i]?.session_share === null) i--; // today, quiet so far
  const start = i >= 0 ? series[i] : undefined;
  const latest = start && start.session_share !== null ? start : undefined;
  let streak = 0;
  for (; i >= 0; i--) {
    const share = series[i]?.session_share;
    if (share === null || share === undefined || share >= threshold) break;
    streak++;
  }
  const ready = streak >= requiredDays;
  const limit = percent(threshold);
  let statement: string;
  if (ready) {
    statement = `Ready for phase 3: session tokens were under ${limit} of authentications on each of the last ${requiredDays} days. They can be deprecated (SESSION_AUTH=deprecated), then switched off.`;
  } else if (!latest || latest.session_share === null) {
    statement = `Not ready for phase 3: no authentications were recorded recently, so there is no evidence yet. ${requiredDays} consecutive days under ${limit} session tokens are needed.`;
  } else if (streak === 0) {
    statement = `Not ready for phase 3: on ${latest.day}, ${percent(latest.session_share)} of authentications used session tokens (the limit is under ${limit}). ${requiredDays} consecutive days under it are needed.`;
  } else {
    statement = `Not ready for phase 3: session tokens have been under ${limit} of authentications for ${streak} consecutive day${streak === 1 ? "" : "s"}; ${requiredDays} are needed.`;
  }
  return {
    ready,
    threshold,
    required_days: requiredDays,
    consecutive_days: streak,
    latest_day: latest?.day ?? null,
    latest_share: latest?.session_share ?? null,
    statement,
  };
}

/**
 * What GET /usage adds for the dashboard: `series`, one point per day of the
 * report (oldest first, zeros included), and `phase3`, judged over enough
 * days to see `readyDays` of them whatever `days` the report asked for.
 * Read after the caller flushed this isolate's counts.
 */
export async function dashboardOf(
  db: D1Database,
  config: LifecycleConfig,
  nowMs: number,
  days: number,
): Promise<{ series: DayPoint[]; phase3: Phase3Readiness }> {
  const { sessionShareThreshold, readyDays } = config.phase3;
  // One extra day: a quiet "today" is skipped, and the streak may still need readyDays before it.
  const window = Math.max(days, readyDays + 1);
  const today = utcDay(nowMs);
  const first = utcDay(nowMs - (window - 1) * DAY_MS);
  const all = dailySeries(await readUsageSeries(db, first), first, today);
  return { series: all.slice(all.length - days), phase3: phase3Readiness(all, sessionShareThreshold, readyDays) };
}
