import { describe, expect, it, vi } from "vitest";
import { countSessions, listRefreshFamilies, revokeFamily } from "../src/db";
import { auth, brokenDb, call, claimsOf, countingDb, env, errorOf, jwtEnv, loginUser, registerUser, sessionEnv, settleIsolate, totalQueries } from "./helpers";
import type { Env } from "../demo/worker";

/** The claims these tests read from the tokens the Worker issues. */
type Claims = { jti: string; sid?: string; exp: number; sub: string };

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function me(token: string, e: Env = jwtEnv()) {
  const response = await call("GET", "/auth/me", { env: e, token });
  return { status: response.status, code: response.status === 200 ? null : (await errorOf(response)).code };
}

/** What another isolate's logout writes: the family and its `sid` row, not this isolate's snapshot. */
async function revokeElsewhere(token: string) {
  const c = claimsOf<Claims>(token);
  await revokeFamily(env.GENERAL_DB, { familyId: c.sid as string, userId: c.sub, reason: "logout" }, now());
}

describe("POST /auth/logout with a JWT", () => {
  it("revokes its refresh family with one `sid` row until the family's last exp; other logins of the user live on", async () => {
    const user = await registerUser();
    const a = await loginUser(jwtEnv(), user.email);
    const b = await loginUser(jwtEnv(), user.email);
    const response = await call("POST", "/auth/logout", { token: a.token });
    expect(await response.json()).toEqual({ logged_out: true, token_type: "jwt", revoked: true, refresh_family_revoked: true });
    expect(await me(a.token)).toEqual({ status: 401, code: "invalid_token" });
    expect(await me(a.token, jwtEnv({ REVOCATION: "strict" }))).toEqual({ status: 401, code: "invalid_token" });
    // One row, by family, living exactly as long as the login's latest JWT; no per-JWT row.
    const rows = await env.GENERAL_DB.prepare("SELECT kind, subject, expires_at FROM revocations WHERE subject IN (?1, ?2)")
      .bind(claimsOf<Claims>(a.token).sid, claimsOf<Claims>(a.token).jti)
      .all();
    expect(rows.results).toEqual([{ kind: "sid", subject: claimsOf<Claims>(a.token).sid, expires_at: a.expires_at }]);
    // The login's refresh token is dead, the other login is untouched.
    const refresh = await call("POST", "/auth/refresh", { json: { refresh_token: a.refresh_token } });
    expect((await errorOf(refresh)).code).toBe("invalid_refresh_token");
    expect((await me(b.token)).status).toBe(200);
    expect((await call("POST", "/auth/refresh", { json: { refresh_token: b.refresh_token } })).status).toBe(200);
    const families = await listRefreshFamilies(env.GENERAL_DB, user.id);
    expect(families.map((f) => f.revokedReason)).toEqual(["logout", null]);
  });

  it("logging out twice is just an invalid token", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    expect((await call("POST", "/auth/logout", { token })).status).toBe(200);
    expect((await call("POST", "/auth/logout", { token })).status).toBe(401);
  });
});

describe("POST /auth/logout-all", () => {
  it("ends every session and refresh family and refuses every older JWT; a new login works at once", async () => {
    const user = await registerUser();
    const jwt1 = await loginUser(jwtEnv(), user.email);
    const jwt2 = await loginUser(jwtEnv(), user.email);
    const session = await loginUser(sessionEnv(), user.email);
    const other = await loginUser(jwtEnv(), (await registerUser()).email);

    const response = await call("POST", "/auth/logout-all", { token: jwt1.token });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ logged_out: true, sessions_ended: 1, refresh_families_revoked: 2 });

    for (const mode of ["cached", "strict"]) {
      const e = jwtEnv({ REVOCATION: mode });
      expect(await me(jwt1.token, e)).toEqual({ status: 401, code: "invalid_token" });
      expect(await me(jwt2.token, e)).toEqual({ status: 401, code: "invalid_token" });
      expect(await me(session.token, e)).toEqual({ status: 401, code: "invalid_token" });
      expect((await me(other.token, e)).status).toBe(200);
    }
    expect(await countSessions(env.GENERAL_DB, user.id)).toBe(0);
    for (const t of [jwt1, jwt2]) {
      const r = await call("POST", "/auth/refresh", { json: { refresh_token: t.refresh_token } });
      expect((await errorOf(r)).code).toBe("invalid_refresh_token");
    }
    // Logging in again right away (same second) gives a working token.
    const fresh = await loginUser(jwtEnv(), user.email);
    expect((await me(fresh.token)).status).toBe(200);
    expect((await me(fresh.token, jwtEnv({ REVOCATION: "strict" }))).status).toBe(200);
    // ...also in an isolate that learns the stamp from D1 rather than from itself.
    auth.state.revocations.reset();
    expect((await me(fresh.token)).status).toBe(200);
    expect((await me(jwt2.token)).status).toBe(401);
  });

  it("works with a session token too", async () => {
    const user = await registerUser(sessionEnv());
    const jwt = await loginUser(jwtEnv(), user.email);
    const session = await loginUser(sessionEnv(), user.email);
    expect((await call("POST", "/auth/logout-all", { env: sessionEnv(), token: session.token })).status).toBe(200);
    expect((await me(session.token)).status).toBe(401);
    expect((await me(jwt.token)).status).toBe(401);
  });
});

describe("how revocation reaches JWT checks", () => {
  it("cached (default): a cold isolate reads D1 once, then JWT requests cost zero queries", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    await settleIsolate();
    auth.state.revocations.reset();
    const { db, counts } = countingDb(env.GENERAL_DB);
    expect((await me(token, jwtEnv({ GENERAL_DB: db }))).status).toBe(200);
    expect(totalQueries(counts)).toBe(1);
    for (let i = 0; i < 10; i++) expect((await me(token, jwtEnv({ GENERAL_DB: db }))).status).toBe(200);
    expect(totalQueries(counts)).toBe(1);
  });

  it("strict: one D1 query on every JWT request", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    await settleIsolate();
    const { db, counts } = countingDb(env.GENERAL_DB);
    for (let i = 0; i < 5; i++) expect((await me(token, jwtEnv({ GENERAL_DB: db, REVOCATION: "strict" }))).status).toBe(200);
    expect(totalQueries(counts)).toBe(5);
  });

  it("cached: a revocation made by another isolate takes effect within REVOCATION_CACHE_SECONDS (here 2 s); strict: at once", async () => {
    const e = jwtEnv({ REVOCATION_CACHE_SECONDS: "2" });
    const user = await registerUser();
    const { token } = await loginUser(e, user.email);
    await settleIsolate();
    await revokeElsewhere(token);
    // The documented window: this isolate's snapshot is still fresh.
    expect((await me(token, e)).status).toBe(200);
    expect(await me(token, jwtEnv({ REVOCATION: "strict" }))).toEqual({ status: 401, code: "invalid_token" });
    await sleep(2100);
    expect(await me(token, e)).toEqual({ status: 401, code: "invalid_token" });
    expect(auth.state.revocations.info().sids).toBeGreaterThan(0);
  });

  it("cached: D1 down keeps the last snapshot (JWTs still verify); strict: fails closed with 503", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const user = await registerUser();
    const live = await loginUser(jwtEnv(), user.email);
    const dead = await loginUser(jwtEnv(), user.email);
    expect((await call("POST", "/auth/logout", { token: dead.token })).status).toBe(200);
    await settleIsolate();
    const down = brokenDb(env.GENERAL_DB);
    const e = jwtEnv({ GENERAL_DB: down, REVOCATION_CACHE_SECONDS: "1" });
    await sleep(1100);
    expect((await me(live.token, e)).status).toBe(200);
    expect((await me(dead.token, e)).status).toBe(401);
    const strict = await call("GET", "/auth/me", { env: jwtEnv({ GENERAL_DB: down, REVOCATION: "strict" }), token: live.token });
    expect(strict.status).toBe(503);
    expect((await errorOf(strict)).code).toBe("service_unavailable");
    errors.mockRestore();
  });

  it("rejects a bad REVOCATION setting (fails closed)", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const bad of [{ REVOCATION: "sometimes" }, { REVOCATION_CACHE_SECONDS: "0" }, { REVOCATION_CACHE_SECONDS: "1h" }]) {
      const response = await call("GET", "/auth/me", { env: jwtEnv(bad), token: crypto.randomUUID() });
      expect(response.status).toBe(503);
      expect((await errorOf(response)).code).toBe("misconfigured");
    }
    vi.restoreAllMocks();
  });
});
