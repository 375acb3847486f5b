/**
 * Issue 14 §6: the phase-2 dashboard's data. GET /auth/usage gains `series`
 * (JWT, session, refresh and failed authentications per UTC day, zeros
 * included) and `phase3` (the session share below
 * PHASE3_SESSION_SHARE_THRESHOLD on PHASE3_READY_DAYS consecutive days with
 * traffic, stated plainly).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { dailySeries, phase3Readiness } from "../src/lifecycle/phase3";
import type { DayPoint } from "../src/lifecycle/phase3";
import { optionsFromEnv } from "../src/envOptions";
import { resolveOptions } from "../src/config";
import { call, env, errorOf, jwtEnv, loginUser, registerUser, sessionEnv, settleIsolate } from "./helpers";
import type { Env } from "../demo/worker";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

interface Report {
  series: DayPoint[];
  phase3: { ready: boolean; threshold: number; required_days: number; consecutive_days: number; latest_day: string | null; latest_share: number | null; statement: string };
  totals: Record<string, number>;
}

const day = (offset: number, base = Date.now()) => new Date(base + offset * 86_400_000).toISOString().slice(0, 10);

/** Usage rows for a day far from today's, written as a flush would. */
async function seed(rows: [string, string, string, number][]): Promise<void> {
  for (const [d, kind, reason, count] of rows) {
    await env.GENERAL_DB.prepare(
      `INSERT INTO auth_usage (day, kind, reason, client, count, last_seen) VALUES (?1, ?2, ?3, 'ua:test', ?4, 0)
       ON CONFLICT (day, kind, reason, client) DO UPDATE SET count = count + excluded.count`,
    )
      .bind(d, kind, reason, count)
      .run();
  }
}

/** Puts this isolate's clock at noon of a day no other test writes to. */
function travelToIsolatedDay(): number {
  const noon = Date.UTC(1990, 0, 1, 12) + Math.floor(Math.random() * 3000) * 86_400_000;
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(noon);
  return noon;
}

async function adminToken(e: Env = jwtEnv()): Promise<string> {
  const user = await registerUser(e);
  await env.GENERAL_DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?1").bind(user.id).run();
  return (await loginUser(e, user.email)).token;
}

async function report(token: string, query = "", e: Env = jwtEnv()): Promise<Report> {
  await settleIsolate();
  const response = await call("GET", `/auth/usage${query}`, { env: e, token });
  expect(response.status).toBe(200);
  return (await response.json()) as Report;
}

const point = (d: string, jwt: number, session: number, failed = 0): DayPoint => ({
  day: d,
  jwt,
  session,
  refresh: 0,
  failed,
  session_share: jwt + session === 0 ? null : session / (jwt + session),
});

describe("phase-3 readiness (pure)", () => {
  it("counts consecutive days below the threshold back from the latest day with traffic", () => {
    const series = [point("2030-01-01", 10, 5), point("2030-01-02", 100, 0), point("2030-01-03", 200, 1), point("2030-01-04", 50, 0)];
    expect(phase3Readiness(series, 0.01, 3)).toMatchObject({ ready: true, consecutive_days: 3, latest_day: "2030-01-04", latest_share: 0 });
    expect(phase3Readiness(series, 0.01, 4)).toMatchObject({ ready: false, consecutive_days: 3 });
    // 1 of 201 = 0.5% is not below 0.4%.
    expect(phase3Readiness(series, 0.004, 2)).toMatchObject({ ready: false, consecutive_days: 1 });
  });

  it("a quiet today is skipped; an earlier day without traffic ends the streak; no traffic at all is not ready", () => {
    const quietToday = [point("2030-01-01", 9, 0), point("2030-01-02", 9, 0), point("2030-01-03", 0, 0)];
    expect(phase3Readiness(quietToday, 0.01, 2)).toMatchObject({ ready: true, consecutive_days: 2, latest_day: "2030-01-02" });
    const gap = [point("2030-01-01", 9, 0), point("2030-01-02", 0, 0, 7), point("2030-01-03", 9, 0)];
    expect(phase3Readiness(gap, 0.01, 2)).toMatchObject({ ready: false, consecutive_days: 1 });
    const none = [point("2030-01-01", 0, 0), point("2030-01-02", 0, 0)];
    const verdict = phase3Readiness(none, 0.01, 1);
    expect(verdict).toMatchObject({ ready: false, consecutive_days: 0, latest_day: null, latest_share: null });
    expect(verdict.statement).toMatch(/^Not ready for phase 3: no authentications/);
  });

  it("states the verdict plainly, with the numbers", () => {
    expect(phase3Readiness([point("2030-01-01", 90, 10)], 0.01, 7).statement).toBe(
      "Not ready for phase 3: on 2030-01-01, 10% of authentications used session tokens (the limit is under 1%). 7 consecutive days under it are needed.",
    );
    expect(phase3Readiness([point("2030-01-01", 90, 0), point("2030-01-02", 90, 0)], 0.01, 7).statement).toBe(
      "Not ready for phase 3: session tokens have been under 1% of authentications for 2 consecutive days; 7 are needed.",
    );
    expect(phase3Readiness([point("2030-01-01", 90, 0)], 0.05, 1).statement).toMatch(/^Ready for phase 3: session tokens were under 5% of authentications on each of the last 1 days/);
  });

  it("dailySeries fills every day, sums the reasons of failures and ignores unknown kinds", () => {
    const series = dailySeries(
      [
        { day: "2030-01-01", kind: "jwt", count: 3 },
        { day: "2030-01-03", kind: "failed", count: 2 },
        { day: "2030-01-03", kind: "failed", count: 5 },
        { day: "2030-01-03", kind: "bogus", count: 9 },
        { day: "2029-12-31", kind: "jwt", count: 100 },
      ],
      "2030-01-01",
      "2030-01-03",
    );
    expect(series).toEqual([point("2030-01-01", 3, 0), point("2030-01-02", 0, 0), point("2030-01-03", 0, 0, 7)]);
  });
});

describe("GET /auth/usage: series and phase3", () => {
  it("series match the rows per day and kind; the phase-3 verdict follows them", async () => {
    const noon = travelToIsolatedDay();
    const token = await adminToken();
    // Five days: a session-heavy one, then four with session share under 1%.
    await seed([
      [day(-4, noon), "jwt", "", 50],
      [day(-4, noon), "session", "", 50],
      [day(-3, noon), "jwt", "", 200],
      [day(-3, noon), "session", "", 1],
      [day(-3, noon), "failed", "jwt_expired", 4],
      [day(-3, noon), "failed", "unknown_session", 3],
      [day(-2, noon), "jwt", "", 300],
      [day(-2, noon), "refresh", "", 12],
      [day(-1, noon), "jwt", "", 100],
      [day(0, noon), "jwt", "", 80],
    ]);
    const body = await report(token, "?days=5", jwtEnv({ PHASE3_READY_DAYS: "4" }));
    // Today: the 80 seeded plus the one JWT authentication this test made so far (the
    // report request itself, counted and flushed before the report is read). The
    // admin's login is not an authentication of a token.
    const requestsMade = 1;
    expect(body.series.map((p) => p.day)).toEqual([day(-4, noon), day(-3, noon), day(-2, noon), day(-1, noon), day(0, noon)]);
    expect(body.series.map((p) => [p.jwt, p.session, p.refresh, p.failed])).toEqual([
      [50, 50, 0, 0],
      [200, 1, 0, 7],
      [300, 0, 12, 0],
      [100, 0, 0, 0],
      [80 + requestsMade, 0, 0, 0],
    ]);
    expect(body.series[1]!.session_share).toBeCloseTo(1 / 201, 10);
    expect(body.phase3).toMatchObject({ ready: true, threshold: 0.01, required_days: 4, consecutive_days: 4 });
    expect(body.phase3.statement).toMatch(/^Ready for phase 3/);
    // Five days are needed: not ready, and the sentence says how far along it is.
    const stricter = await report(token, "?days=5", jwtEnv({ PHASE3_READY_DAYS: "5" }));
    expect(stricter.phase3).toMatchObject({ ready: false, consecutive_days: 4, required_days: 5 });
    expect(stricter.phase3.statement).toContain("4 consecutive days; 5 are needed");
    // A threshold of 0.4%: 1 of 201 (0.5%) breaks the streak at day -3.
    const tight = await report(token, "?days=5", jwtEnv({ PHASE3_READY_DAYS: "3", PHASE3_SESSION_SHARE_THRESHOLD: "0.004" }));
    expect(tight.phase3).toMatchObject({ ready: true, consecutive_days: 3, threshold: 0.004 });
    // ?days=1 still judges over enough days, and shows one point.
    const oneDay = await report(token, "?days=1", jwtEnv({ PHASE3_READY_DAYS: "4" }));
    expect(oneDay.series).toHaveLength(1);
    expect(oneDay.phase3.consecutive_days).toBe(4);
    // The totals are what was seeded plus the request made (not read back from the series).
    expect(body.totals).toMatchObject({ jwt: 50 + 200 + 300 + 100 + 80 + requestsMade, session: 51, refresh: 12, "failed:jwt_expired": 4, "failed:unknown_session": 3 });
  });

  it("session-token traffic today makes it not ready", async () => {
    const noon = travelToIsolatedDay();
    const token = await adminToken();
    await seed([[day(-1, noon), "jwt", "", 100]]);
    const user = await registerUser(sessionEnv());
    const session = await loginUser(sessionEnv(), user.email);
    for (let i = 0; i < 3; i++) await call("GET", "/auth/me", { env: sessionEnv(), token: session.token });
    const body = await report(token, "?days=2", jwtEnv({ PHASE3_READY_DAYS: "1" }));
    expect(body.series[1]!.session).toBe(3);
    // Yesterday's seeded 100; today the report request's own JWT authentication.
    expect(body.series.map((p) => p.jwt)).toEqual([100, 1]);
    expect(body.phase3.ready).toBe(false);
    expect(body.phase3.latest_day).toBe(day(0, noon));
    expect(body.phase3.statement).toMatch(/^Not ready for phase 3: on \d{4}-\d{2}-\d{2}, \d+(\.\d+)?% of authentications used session tokens/);
  });

  it("is still admin only: a non-admin gets 403 and no series", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    const response = await call("GET", "/auth/usage", { token });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("forbidden");
  });

  it("PHASE3_SESSION_SHARE_THRESHOLD and PHASE3_READY_DAYS are validated", () => {
    const base = { database: () => env.GENERAL_DB };
    for (const bad of ["0", "1.5", "1e-2", "abc", ".", "-0.1", "1%", " 0.1"]) {
      expect(() => optionsFromEnv({ PHASE3_SESSION_SHARE_THRESHOLD: bad } as Env, base), bad).toThrow("PHASE3_SESSION_SHARE_THRESHOLD");
    }
    for (const good of ["0.01", "1", ".5", "0.000001"]) {
      const options = optionsFromEnv({ PHASE3_SESSION_SHARE_THRESHOLD: good } as Env, base);
      expect(resolveOptions(options as never).phase3.sessionShareThreshold).toBe(Number(good));
    }
    for (const bad of ["0", "367", "7d"]) expect(() => optionsFromEnv({ PHASE3_READY_DAYS: bad } as Env, base), bad).toThrow("PHASE3_READY_DAYS");
    expect(() => resolveOptions({ ...base, phase3: { sessionShareThreshold: 2 } })).toThrow("phase3.sessionShareThreshold");
    expect(resolveOptions({ ...base }).phase3).toEqual({ sessionShareThreshold: 0.01, readyDays: 7 });
  });
});
