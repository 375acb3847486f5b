import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../demo/worker";
import { TOP_CLIENTS_PER_DAY, clientOf, usageCounterOf, userAgentFamily } from "../src/lifecycle/usage";
import { auth, call, env, errorOf, jwtEnv, loginUser, registerUser, sessionEnv, settleIsolate } from "./helpers";

async function admin() {
  const user = await registerUser();
  await env.GENERAL_DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?1").bind(user.id).run();
  return (await loginUser(jwtEnv(), user.email)).token;
}

interface UsageReport {
  totals: Record<string, number>;
  session_clients: { client: string; count: number; last_seen: number }[];
  counts: { day: string; kind: string; reason: string; client: string; count: number }[];
  counts_truncated: boolean;
}

/** A day no other test writes to (usage rows are keyed by day), as a timestamp at its noon. */
function isolatedDay(): number {
  return Date.UTC(2001, 0, 1, 12) + Math.floor(Math.random() * 3000) * 86_400_000;
}

async function usageReport(): Promise<UsageReport> {
  const response = await call("GET", "/auth/usage?days=1", { token: await admin() });
  expect(response.status).toBe(200);
  return (await response.json()) as UsageReport;
}

describe("phase 2: usage tracking", () => {
  it("counts jwt, session, refresh and failed-by-reason authentications per day and client; admin-only report", async () => {
    await settleIsolate();
    await env.GENERAL_DB.prepare("DELETE FROM auth_usage").run();
    const user = await registerUser(sessionEnv());
    const session = await loginUser(sessionEnv(), user.email);
    const jwt = await loginUser(jwtEnv(), user.email);
    const legacy = { "X-Client-Id": "legacy-ios-2.1" };
    for (let i = 0; i < 3; i++) await call("GET", "/auth/me", { token: session.token, headers: legacy });
    await call("GET", "/auth/me", { token: session.token, headers: { "User-Agent": "okhttp/4.12.0" } });
    await call("GET", "/auth/me", { token: jwt.token, headers: { "User-Agent": "Mozilla/5.0 (X11) Chrome/126.0 Safari/537.36" } });
    await call("POST", "/auth/refresh", { json: { refresh_token: jwt.refresh_token }, headers: { "X-Client-Id": "web" } });
    await call("GET", "/auth/me", { token: "not-a-token" });
    await call("GET", "/auth/me", { token: `${jwt.token.slice(0, -2)}AA` });

    const adminToken = await admin();
    const response = await call("GET", "/auth/usage", { token: adminToken });
    expect(response.status).toBe(200);
    const report = (await response.json()) as UsageReport;
    const today = new Date().toISOString().slice(0, 10);
    expect(report.counts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ day: today, kind: "session", reason: "", client: "id:legacy-ios-2.1", count: 3 }),
        expect.objectContaining({ day: today, kind: "session", client: "ua:okhttp", count: 1 }),
        expect.objectContaining({ day: today, kind: "jwt", client: "ua:chrome", count: 1 }),
        expect.objectContaining({ day: today, kind: "refresh", client: "id:web", count: 1 }),
        expect.objectContaining({ kind: "failed", reason: "not_a_session_token", count: 1 }),
        expect.objectContaining({ kind: "failed", reason: "jwt_bad_signature", count: 1 }),
      ]),
    );
    expect(report.totals).toMatchObject({ session: 4, refresh: 1, "failed:not_a_session_token": 1, "failed:jwt_bad_signature": 1 });
    expect(report.session_clients.map((s) => [s.client, s.count])).toEqual([
      ["id:legacy-ios-2.1", 3],
      ["ua:okhttp", 1],
    ]);
  });

  it("GET /auth/usage: 403 forbidden for a non-admin, 401 without a token, 400 for a bad ?days", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    const forbidden = await call("GET", "/auth/usage", { token });
    expect(forbidden.status).toBe(403);
    expect((await errorOf(forbidden)).code).toBe("forbidden");
    expect((await call("GET", "/auth/usage")).status).toBe(401);
    const bad = await call("GET", "/auth/usage?days=0", { token: await admin() });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe("invalid_field");
  });

  it("writes nothing on the response path: the flush runs in ctx.waitUntil every USAGE_FLUSH_REQUESTS events", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    await settleIsolate();
    // A binding whose batch() (the usage flush) blocks until released.
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let batches = 0;
    const db = new Proxy(env.GENERAL_DB, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (prop === "batch") {
          return async (statements: D1PreparedStatement[]) => {
            batches++;
            await gate;
            return target.batch(statements);
          };
        }
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const e = jwtEnv({ GENERAL_DB: db, USAGE_FLUSH_REQUESTS: "3" });
    const contexts: ExecutionContext[] = [];
    // A client id no other request uses, so the rows counted below are exactly these requests'.
    const client = `flush-${crypto.randomUUID()}`;
    for (let i = 0; i < 3; i++) {
      const ctx = createExecutionContext();
      contexts.push(ctx);
      const request = new Request("https://auth.test/auth/me", { headers: { Authorization: `Bearer ${token}`, "X-Client-Id": client } });
      // Each response arrives although the flush (3rd request) is still blocked.
      expect((await worker.fetch(request, e, ctx)).status).toBe(200);
    }
    expect(batches).toBe(1);
    expect(usageCounterOf(auth.state).pendingEvents()).toBe(0);
    release();
    for (const ctx of contexts) await waitOnExecutionContext(ctx);
    const row = await env.GENERAL_DB.prepare("SELECT SUM(count) AS n FROM auth_usage WHERE kind = 'jwt' AND client = ?1")
      .bind(`id:${client}`)
      .first<{ n: number }>();
    expect(row?.n).toBe(3);
  });

  it("a failed flush keeps the counts for the next one", async () => {
    const { brokenDb } = await import("./helpers");
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    await settleIsolate();
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      await call("GET", "/auth/me", { env: jwtEnv({ GENERAL_DB: brokenDb(env.GENERAL_DB), USAGE_FLUSH_REQUESTS: "1" }), token });
    } finally {
      console.error = original;
    }
    expect(errors.length).toBeGreaterThan(0);
    expect(usageCounterOf(auth.state).pendingEvents()).toBe(1);
    await settleIsolate();
    expect(usageCounterOf(auth.state).pendingEvents()).toBe(0);
  });

  it("in memory, failures cannot fill the successes' keys: 520 spoofed failing ids, then a real client is still named", async () => {
    await settleIsolate();
    const at = isolatedDay();
    const day = new Date(at).toISOString().slice(0, 10);
    for (let i = 0; i < 520; i++) usageCounterOf(auth.state).record("failed", "cap_test", `id:spoof-${i}`, at);
    usageCounterOf(auth.state).record("session", "", "id:legacy-app", at);
    await usageCounterOf(auth.state).flush(env.GENERAL_DB);
    const session = await env.GENERAL_DB.prepare("SELECT client, count FROM auth_usage WHERE day = ?1 AND kind = 'session'").bind(day).all<{ client: string; count: number }>();
    expect(session.results).toEqual([{ client: "id:legacy-app", count: 1 }]);
    // Every failure is still counted, under named clients or 'other'.
    const failed = await env.GENERAL_DB.prepare("SELECT SUM(count) AS n FROM auth_usage WHERE day = ?1 AND kind = 'failed'").bind(day).first<{ n: number }>();
    expect(failed?.n).toBe(520);
  });

  it("in D1, each day keeps its top clients per kind by count; the rest fold into 'other' with totals unchanged", async () => {
    await settleIsolate();
    const at = isolatedDay();
    const day = new Date(at).toISOString().slice(0, 10);
    // Three real clients with many requests, then 240 ids seen once, over several flushes.
    for (let i = 0; i < 40; i++) for (const c of ["id:ios", "id:android", "id:web"]) usageCounterOf(auth.state).record("failed", "r", c, at);
    await usageCounterOf(auth.state).flush(env.GENERAL_DB);
    for (let batch = 0; batch < 3; batch++) {
      for (let i = 0; i < 80; i++) usageCounterOf(auth.state).record("failed", i % 2 ? "r" : "s", `id:noise-${batch}-${i}`, at);
      await usageCounterOf(auth.state).flush(env.GENERAL_DB);
    }
    usageCounterOf(auth.state).record("jwt", "", "id:web", at);
    await usageCounterOf(auth.state).flush(env.GENERAL_DB);
    const rows = await env.GENERAL_DB.prepare("SELECT kind, reason, client, count FROM auth_usage WHERE day = ?1")
      .bind(day)
      .all<{ kind: string; reason: string; client: string; count: number }>();
    const failed = rows.results.filter((r) => r.kind === "failed");
    const named = new Set(failed.filter((r) => r.client !== "other").map((r) => r.client));
    expect(named.size).toBe(TOP_CLIENTS_PER_DAY);
    for (const top of ["id:ios", "id:android", "id:web"]) expect(failed).toContainEqual({ kind: "failed", reason: "r", client: top, count: 40 });
    expect(failed.reduce((n, r) => n + r.count, 0)).toBe(120 + 240);
    const other = failed.filter((r) => r.client === "other");
    expect(other.reduce((n, r) => n + r.count, 0)).toBe(240 - (TOP_CLIENTS_PER_DAY - 3));
    // Successes are ranked apart: the jwt row is untouched by the failures.
    expect(rows.results.filter((r) => r.kind === "jwt")).toEqual([{ kind: "jwt", reason: "", client: "id:web", count: 1 }]);
  });

  it("the report cannot be blanked: totals are summed in SQL over every row, failures listed after successes", async () => {
    await settleIsolate();
    const before = await usageReport();
    const client = `id:blank-${crypto.randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 4; i++) usageCounterOf(auth.state).record("session", "", client);
    await usageCounterOf(auth.state).flush(env.GENERAL_DB);
    // 6000 distinct failing client ids today, as many isolates' flushes would write them.
    const today = new Date().toISOString().slice(0, 10);
    const reason = `blank_${crypto.randomUUID().slice(0, 8)}`;
    await env.GENERAL_DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)
       INSERT INTO auth_usage (day, kind, reason, client, count, last_seen) SELECT ?1, 'failed', ?2, 'id:x' || i, 1, 0 FROM n`,
    )
      .bind(today, reason)
      .run();
    try {
      const after = await usageReport();
      // The admin's own login and this report's request are JWT events: only session totals are compared.
      expect(after.totals.session).toBe((before.totals.session ?? 0) + 4);
      expect(after.totals[`failed:${reason}`]).toBe(6000);
      expect(after.session_clients).toContainEqual(expect.objectContaining({ client, count: 4 }));
      // The report's own flush folded today's failing ids to the top clients (6000 rows → at most TOP + 'other').
      const kept = await env.GENERAL_DB.prepare("SELECT COUNT(*) AS n, SUM(count) AS total FROM auth_usage WHERE day = ?1 AND reason = ?2")
        .bind(today, reason)
        .first<{ n: number; total: number }>();
      expect(kept?.n).toBeLessThanOrEqual(TOP_CLIENTS_PER_DAY + 1);
      expect(kept?.total).toBe(6000);
      expect(after.counts_truncated).toBe(false);
      expect(after.counts).toContainEqual(expect.objectContaining({ kind: "session", client, count: 4 }));
      const firstFailed = after.counts.findIndex((r) => r.kind === "failed" && r.day === today);
      const lastSuccess = after.counts.map((r) => r.kind !== "failed" && r.day === today).lastIndexOf(true);
      expect(lastSuccess).toBeLessThan(firstFailed);
    } finally {
      await env.GENERAL_DB.prepare("DELETE FROM auth_usage WHERE reason = ?1").bind(reason).run();
    }
  });

  it("client identification", () => {
    expect(clientOf(new Headers({ "X-Client-Id": "android-5.0.1" }))).toBe("id:android-5.0.1");
    expect(clientOf(new Headers({ "X-Client-Id": "bad id with spaces", "User-Agent": "curl/8.5.0" }))).toBe("ua:curl");
    expect(clientOf(new Headers({ "X-Client-Id": "a".repeat(64) }))).toBe(`id:${"a".repeat(64)}`);
    expect(clientOf(new Headers({ "X-Client-Id": "a".repeat(65), "User-Agent": "curl/8.5.0" }))).toBe("ua:curl");
    expect(clientOf(new Headers({ "X-Client-Id": "<script>", "User-Agent": "curl/8.5.0" }))).toBe("ua:curl");
    expect(clientOf(new Headers())).toBe("ua:none");
    expect(userAgentFamily("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML) Chrome/126 Safari/537.36 Edg/126.0")).toBe("edge");
    expect(userAgentFamily("Mozilla/5.0 (Macintosh) Gecko/20100101 Firefox/128.0")).toBe("firefox");
    expect(userAgentFamily("Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1")).toBe("safari");
    expect(userAgentFamily("MyApp/1.0")).toBe("other");
    // Chromium-based UAs all end in "Safari/537.36": each must be classed by its own token first.
    expect(userAgentFamily("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.33 Safari/537.36")).toBe("chrome");
    expect(userAgentFamily("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")).toBe("chrome");
    expect(userAgentFamily("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1")).toBe("chrome");
  });
});
