import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { clientOf, flushUsage, pendingUsageEvents, recordUsage, userAgentFamily } from "../src/lifecycle/usage";
import { call, env, errorOf, jwtEnv, loginUser, registerUser, sessionEnv, settleIsolate } from "./helpers";

async function admin() {
  const user = await registerUser();
  await env.GENERAL_DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?1").bind(user.id).run();
  return (await loginUser(jwtEnv(), user.email)).token;
}

interface UsageReport {
  totals: Record<string, number>;
  session_clients: { client: string; count: number; last_seen: number }[];
  counts: { day: string; kind: string; reason: string; client: string; count: number }[];
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
    for (let i = 0; i < 3; i++) {
      const ctx = createExecutionContext();
      contexts.push(ctx);
      const request = new Request("https://auth.test/auth/me", { headers: { Authorization: `Bearer ${token}` } });
      // Each response arrives although the flush (3rd request) is still blocked.
      expect((await worker.fetch(request, e, ctx)).status).toBe(200);
    }
    expect(batches).toBe(1);
    expect(pendingUsageEvents()).toBe(0);
    release();
    for (const ctx of contexts) await waitOnExecutionContext(ctx);
    const row = await env.GENERAL_DB.prepare("SELECT SUM(count) AS n FROM auth_usage WHERE kind = 'jwt'").first<{ n: number }>();
    expect(row?.n).toBeGreaterThanOrEqual(3);
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
    expect(pendingUsageEvents()).toBe(1);
    await settleIsolate();
    expect(pendingUsageEvents()).toBe(0);
  });

  it("client-chosen ids are bounded: 500 keys per isolate between flushes, the rest count as 'other'", async () => {
    await settleIsolate();
    for (let i = 0; i < 520; i++) recordUsage("failed", "cap_test", `id:spoof-${i}`);
    await flushUsage(env.GENERAL_DB);
    const rows = await env.GENERAL_DB.prepare("SELECT client, count FROM auth_usage WHERE reason = 'cap_test'").all<{ client: string; count: number }>();
    expect(rows.results).toHaveLength(501);
    expect(rows.results.find((r) => r.client === "other")?.count).toBe(20);
    expect(rows.results.reduce((n, r) => n + r.count, 0)).toBe(520);
  });

  it("client identification", () => {
    expect(clientOf(new Headers({ "X-Client-Id": "android-5.0.1" }))).toBe("id:android-5.0.1");
    expect(clientOf(new Headers({ "X-Client-Id": "bad id with spaces", "User-Agent": "curl/8.5.0" }))).toBe("ua:curl");
    expect(clientOf(new Headers())).toBe("ua:none");
    expect(userAgentFamily("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML) Chrome/126 Safari/537.36 Edg/126.0")).toBe("edge");
    expect(userAgentFamily("Mozilla/5.0 (Macintosh) Gecko/20100101 Firefox/128.0")).toBe("firefox");
    expect(userAgentFamily("Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1")).toBe("safari");
    expect(userAgentFamily("MyApp/1.0")).toBe("other");
  });
});
