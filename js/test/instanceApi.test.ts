/**
 * Issue 19 §9: what the instance API and js/README.md advertise, called the
 * way an adopter or a script would:
 *  - auth.cleanup(env) runs the cleanup once and returns its report;
 *  - auth.flushUsage(env) writes this instance's pending usage counts now;
 *  - the usage counts are flushed by age too: once the oldest pending one
 *    is USAGE_FLUSH_SECONDS old, even below USAGE_FLUSH_REQUESTS.
 * Time moves with vitest's fake Date (UsageCounter reads Date.now()).
 */
import { usageCounterOf } from "../src/lifecycle/usage";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthConfigError } from "hybrid-auth/hono";
import { sha256Hex } from "../src/utils/encoding";
import { auth, call, env, jwtEnv, loginUser, registerUser, settleIsolate } from "./helpers";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const nowS = () => Math.floor(Date.now() / 1000);
/** No flush by count, none by age, unless a test says otherwise. */
const QUIET = { USAGE_FLUSH_REQUESTS: "100000", USAGE_FLUSH_SECONDS: "3600" };

async function sessionRow(hash: string): Promise<number> {
  const row = await env.GENERAL_DB.prepare("SELECT COUNT(*) AS n FROM sessions WHERE token_hash = ?1").bind(hash).first<{ n: number }>();
  return row?.n ?? 0;
}

/** The counted events of one client (its own X-Client-Id), as D1 holds them. */
async function usageOf(clientId: string): Promise<number> {
  const row = await env.GENERAL_DB.prepare("SELECT COALESCE(SUM(count), 0) AS n FROM auth_usage WHERE client = ?1").bind(`id:${clientId}`).first<{ n: number }>();
  return row?.n ?? 0;
}

describe("auth.cleanup(env)", () => {
  it("deletes expired rows now and returns the report; live rows stay", async () => {
    const user = await registerUser();
    const expired = await sha256Hex(crypto.randomUUID());
    const live = await sha256Hex(crypto.randomUUID());
    const insert = "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)";
    await env.GENERAL_DB.prepare(insert).bind(expired, user.id, nowS() - 7200, nowS() - 3600).run();
    await env.GENERAL_DB.prepare(insert).bind(live, user.id, nowS(), nowS() + 3600).run();
    const report = await auth.cleanup(jwtEnv());
    expect(report.errors).toEqual([]);
    expect(report.deleted.sessions).toBeGreaterThanOrEqual(1);
    expect(report.statements).toBeGreaterThan(0);
    expect(await sessionRow(expired)).toBe(0);
    expect(await sessionRow(live)).toBe(1);
  });

  it("refuses a misconfigured env with the AuthConfigError, deleting nothing", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const user = await registerUser();
    const expired = await sha256Hex(crypto.randomUUID());
    await env.GENERAL_DB.prepare("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)")
      .bind(expired, user.id, nowS() - 7200, nowS() - 3600)
      .run();
    await expect(auth.cleanup(jwtEnv({ JWT_SECRET: "too-short" }))).rejects.toBeInstanceOf(AuthConfigError);
    expect(await sessionRow(expired)).toBe(1);
    await auth.cleanup(jwtEnv());
    expect(await sessionRow(expired)).toBe(0);
  });
});

describe("auth.flushUsage(env)", () => {
  it("writes the pending counts now, which no request would have flushed yet", async () => {
    const e = jwtEnv(QUIET);
    const user = await registerUser(e);
    const { token } = await loginUser(e, user.email);
    await settleIsolate();
    const client = `flush-${crypto.randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 3; i++) expect((await call("GET", "/auth/me", { env: e, token, headers: { "X-Client-Id": client } })).status).toBe(200);
    expect(usageCounterOf(auth.state).pendingEvents()).toBeGreaterThanOrEqual(3);
    expect(await usageOf(client)).toBe(0);
    await auth.flushUsage(e);
    expect(await usageOf(client)).toBe(3);
    expect(usageCounterOf(auth.state).pendingEvents()).toBe(0);
  });

  it("refuses a misconfigured env with the AuthConfigError and keeps the counts", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const e = jwtEnv(QUIET);
    const user = await registerUser(e);
    const { token } = await loginUser(e, user.email);
    await settleIsolate();
    const client = `flush-${crypto.randomUUID().slice(0, 8)}`;
    expect((await call("GET", "/auth/me", { env: e, token, headers: { "X-Client-Id": client } })).status).toBe(200);
    await expect(auth.flushUsage(jwtEnv({ JWT_SECRET: "too-short" }))).rejects.toBeInstanceOf(AuthConfigError);
    expect(await usageOf(client)).toBe(0);
    await auth.flushUsage(e);
    expect(await usageOf(client)).toBe(1);
  });
});

describe("usage flush by age", () => {
  it("below USAGE_FLUSH_REQUESTS, the counts are written once the oldest is USAGE_FLUSH_SECONDS old, not before", async () => {
    const e = jwtEnv({ USAGE_FLUSH_REQUESTS: "100000", USAGE_FLUSH_SECONDS: "60" });
    const user = await registerUser(e);
    const { token } = await loginUser(e, user.email);
    await settleIsolate();
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start);
    const client = `age-${crypto.randomUUID().slice(0, 8)}`;
    const me = async () => expect((await call("GET", "/auth/me", { env: e, token, headers: { "X-Client-Id": client } })).status).toBe(200);
    await me();
    vi.setSystemTime(start + 30_000);
    await me();
    // Two events, 30 s old: not due (call() waits for every waitUntil, so a flush would be visible).
    expect(await usageOf(client)).toBe(0);
    vi.setSystemTime(start + 61_000);
    await me();
    // 61 s: due by age; the request's waitUntil wrote all three.
    expect(await usageOf(client)).toBe(3);
    expect(usageCounterOf(auth.state).pendingEvents()).toBe(0);
  });
});

