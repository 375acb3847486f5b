/**
 * Issue 19 §9: after a complete load, a snapshot refresh that fails keeps the
 * last complete snapshot and is retried after RETRY_MS (5 s,
 * lifecycle/revocation.ts), not on every request and not never: the first
 * request after that retries, succeeds, and a logout made meanwhile in
 * another isolate then takes effect here. Time moves with vitest's fake Date
 * (the cache reads Date.now()).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { revokeFamily } from "../src/db";
import { SNAPSHOT_READ, failMatching } from "./d1Faults";
import { auth, call, claimsOf, countingDb, env, errorOf, jwtEnv, loginUser, registerUser, settleIsolate, totalQueries } from "./helpers";

/** The claims these tests read from the tokens the Worker issues. */
type Claims = { sid: string; sub: string };

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await settleIsolate();
});

describe("revocation snapshot: retry after a failed refresh", () => {
  it("a D1 fault during a refresh keeps the last snapshot; the next request after 5 s retries, succeeds and applies what changed", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    await settleIsolate();
    const loadedAt = auth.state.revocations.info().refreshedAt;
    // Another isolate logs this login out: only D1 knows.
    const c = claimsOf<Claims>(token);
    await revokeFamily(env.GENERAL_DB, { familyId: c.sid, userId: c.sub, reason: "logout" }, Math.floor(Date.now() / 1000));

    const { db: faulty, failing } = failMatching(env.GENERAL_DB, SNAPSHOT_READ);
    const counted = countingDb(faulty);
    const e = jwtEnv({ GENERAL_DB: counted.db, REVOCATION_CACHE_SECONDS: "30", USAGE_FLUSH_REQUESTS: "100000", USAGE_FLUSH_SECONDS: "86400" });
    vi.useFakeTimers({ toFake: ["Date"] });
    const at = (seconds: number) => vi.setSystemTime(loadedAt + seconds * 1000);

    // 31 s: the snapshot is stale, its refresh fails: the last complete one answers (the JWT still passes).
    at(31);
    expect((await call("GET", "/auth/me", { env: e, token })).status).toBe(200);
    expect(failing.hits).toBe(1);
    expect(auth.state.revocations.info().refreshedAt).toBe(loadedAt);
    expect(errors.mock.calls.some((args) => String(args[0]).includes("revocation snapshot refresh failed"))).toBe(true);

    // D1 is back, but within 5 s of the failure: no new attempt yet.
    failing.on = false;
    const before = totalQueries(counted.counts);
    at(34);
    expect((await call("GET", "/auth/me", { env: e, token })).status).toBe(200);
    expect(totalQueries(counted.counts)).toBe(before);

    // 5 s after the failure: the next request retries, the refresh succeeds, the logout applies.
    at(36.5);
    const me = await call("GET", "/auth/me", { env: e, token });
    expect(me.status).toBe(401);
    expect((await errorOf(me)).code).toBe("invalid_token");
    expect(totalQueries(counted.counts)).toBeGreaterThan(before);
    expect(auth.state.revocations.info().refreshedAt).toBe(loadedAt + 36_500);
  });
});
