/**
 * Issue 11, points 1, 2, 3, 4, 6 and 7: a stolen token must not outlive theft
 * detection, logout or "log out everywhere"; revocation fails closed until a
 * complete snapshot is loaded; its state is bounded per user; a refresh
 * family has an absolute lifetime. Every case runs through the Worker's fetch
 * handler against the real local D1.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { describe, expect, it, vi } from "vitest";
import { MAX_SID_ROWS_PER_USER } from "../src/db";
import { sha256Hex } from "../src/utils/encoding";
import type { Env } from "../demo/worker";
import { auth, call, env, errorOf, jwtEnv, loginUser, registerUser } from "./helpers";
import type { LoginBody } from "./helpers";
import { SoftAuthenticator } from "./passkeyAuthenticator";

const nowS = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Usage counters never flush during these tests, so the only batches a request
// runs are the ones under test (the interleaving proxies hook on batch()).
const QUIET = { USAGE_FLUSH_REQUESTS: "100000", USAGE_FLUSH_SECONDS: "86400" };
const cached = (extra: Partial<Env> = {}) => jwtEnv({ ...QUIET, ...extra });
const strict = (extra: Partial<Env> = {}) => jwtEnv({ ...QUIET, REVOCATION: "strict", ...extra });

async function me(token: string, e: Env = cached()): Promise<number> {
  return (await call("GET", "/auth/me", { env: e, token })).status;
}

/** The token's status in this isolate (cached), with strict mode, and in a cold isolate that loads from D1. */
async function everywhere(token: string): Promise<{ cached: number; strict: number; cold: number }> {
  const result = { cached: await me(token), strict: await me(token, strict()), cold: 0 };
  auth.state.revocations.reset();
  result.cold = await me(token);
  return result;
}

async function refresh(refreshToken: string | undefined, e: Env = cached()): Promise<Response> {
  return call("POST", "/auth/refresh", { env: e, json: { refresh_token: refreshToken } });
}

async function refreshed(refreshToken: string | undefined, e: Env = cached()): Promise<LoginBody> {
  const response = await refresh(refreshToken, e);
  expect(response.status).toBe(200);
  return (await response.json()) as LoginBody;
}

/** Makes a refresh token look retired `seconds` ago (past the reuse grace). */
async function retire(refreshToken: string | undefined, seconds: number) {
  await env.GENERAL_DB.prepare("UPDATE refresh_tokens SET used_at = used_at - ?2 WHERE token_hash = ?1")
    .bind(await sha256Hex(refreshToken as string), seconds)
    .run();
}

/**
 * The real binding, except that before its first batch() it runs `hook` to
 * completion. That puts another request exactly between what this request did
 * before its batch (read the clock, sign a JWT) and its batch's commit: a
 * deterministic interleaving, no timing involved.
 */
function hookBeforeFirstBatch(db: D1Database, hook: () => Promise<void>): D1Database {
  let fired = false;
  return new Proxy(db, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          if (!fired) {
            fired = true;
            await hook();
          }
          return target.batch(statements);
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe("1. theft detection ends the login's access tokens", () => {
  it("a replayed refresh token refuses every JWT of its family (first and refreshed), at once here, with strict, and in a cold isolate; another login lives on", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const user = await registerUser();
    const victim = await loginUser(cached(), user.email);
    const other = await loginUser(cached(), user.email);
    const second = await refreshed(victim.refresh_token);
    await retire(victim.refresh_token, 11);
    const replay = await refresh(victim.refresh_token);
    expect(replay.status).toBe(401);
    expect((await errorOf(replay)).code).toBe("refresh_token_reused");

    expect(await everywhere(victim.token)).toEqual({ cached: 401, strict: 401, cold: 401 });
    expect(await everywhere(second.token)).toEqual({ cached: 401, strict: 401, cold: 401 });
    expect(await everywhere(other.token)).toEqual({ cached: 200, strict: 200, cold: 200 });
    expect((await refresh(other.refresh_token)).status).toBe(200);
    vi.restoreAllMocks();
  });
});

describe("2. logout ends the whole login", () => {
  it("logout with a refreshed JWT refuses the login's earlier JWTs and its refresh token; another login lives on", async () => {
    const user = await registerUser();
    const login = await loginUser(cached(), user.email);
    const other = await loginUser(cached(), user.email);
    const second = await refreshed(login.refresh_token);
    const third = await refreshed(second.refresh_token);
    expect((await call("POST", "/auth/logout", { env: cached(), token: third.token })).status).toBe(200);

    for (const token of [login.token, second.token, third.token]) {
      expect(await everywhere(token)).toEqual({ cached: 401, strict: 401, cold: 401 });
    }
    const dead = await refresh(third.refresh_token);
    expect((await errorOf(dead)).code).toBe("invalid_refresh_token");
    expect(await everywhere(other.token)).toEqual({ cached: 200, strict: 200, cold: 200 });
  });
});

describe("3. no token survives logout-all, by construction", () => {
  it("a refresh that commits after logout-all read its clock but before its batch: the refreshed JWT and refresh token are refused", async () => {
    const user = await registerUser();
    const login = await loginUser(cached(), user.email);
    let raced: LoginBody | null = null;
    const db = hookBeforeFirstBatch(env.GENERAL_DB, async () => {
      // Real clocks differ between machines; 5 ms makes the racing JWT's iat_ms
      // later than logout-all's stamp, as it would be on another isolate.
      await sleep(5);
      raced = await refreshed(login.refresh_token);
    });
    const all = await call("POST", "/auth/logout-all", { env: cached({ GENERAL_DB: db }), token: login.token });
    expect(all.status).toBe(200);
    const { not_before_ms } = (await all.json()) as { not_before_ms: number };
    const racedBody = raced as LoginBody | null;
    if (racedBody === null) throw new Error("the hook did not run");
    // The racing refresh really was issued after the stamp: a clock cannot refuse it.
    const claims = JSON.parse(atob(racedBody.token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { iat_ms: number };
    expect(claims.iat_ms).toBeGreaterThan(not_before_ms);

    expect(await everywhere(racedBody.token)).toEqual({ cached: 401, strict: 401, cold: 401 });
    expect((await errorOf(await refresh(racedBody.refresh_token))).code).toBe("invalid_refresh_token");
  });

  it("a refresh that signs its JWT before logout-all but commits after: 401, no token handed out", async () => {
    const user = await registerUser();
    const login = await loginUser(cached(), user.email);
    const db = hookBeforeFirstBatch(env.GENERAL_DB, async () => {
      expect((await call("POST", "/auth/logout-all", { env: cached(), token: login.token })).status).toBe(200);
    });
    const response = await refresh(login.refresh_token, cached({ GENERAL_DB: db }));
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("invalid_refresh_token");
    expect(JSON.stringify(await env.GENERAL_DB.prepare("SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = ?1 AND used_at IS NULL").bind(user.id).first())).toBe('{"n":1}');
  });

  it("a login whose family commits between logout-all's clock and batch is revoked too; one that commits after logout-all is a new login (its refresh token works)", async () => {
    const user = await registerUser();
    const first = await loginUser(cached(), user.email);
    let before: LoginBody | null = null;
    const db = hookBeforeFirstBatch(env.GENERAL_DB, async () => {
      await sleep(5);
      before = await loginUser(cached(), user.email);
    });
    expect((await call("POST", "/auth/logout-all", { env: cached({ GENERAL_DB: db }), token: first.token })).status).toBe(200);
    const beforeBody = before as LoginBody | null;
    if (beforeBody === null) throw new Error("the hook did not run");
    expect(await everywhere(beforeBody.token)).toEqual({ cached: 401, strict: 401, cold: 401 });
    expect((await errorOf(await refresh(beforeBody.refresh_token))).code).toBe("invalid_refresh_token");

    // This login signs its JWT, then logout-all runs whole, then the login's
    // family insert commits: the password was presented concurrently with
    // "log out everywhere", so it is a new login. Its first JWT was signed
    // before the stamp and is refused by it; its refresh token works and
    // mints a working JWT.
    let after: Response | null = null;
    const loginDb = hookBeforeFirstBatch(env.GENERAL_DB, async () => {
      const again = await loginUser(cached(), user.email);
      after = await call("POST", "/auth/logout-all", { env: cached(), token: again.token });
    });
    const late = await call("POST", "/auth/login", { env: cached({ GENERAL_DB: loginDb }), json: { email: user.email, password: "correct horse battery staple" } });
    expect((after as Response | null)?.status).toBe(200);
    const lateBody = (await late.json()) as LoginBody;
    expect(await everywhere(lateBody.token)).toEqual({ cached: 401, strict: 401, cold: 401 });
    const renewed = await refreshed(lateBody.refresh_token);
    expect(await everywhere(renewed.token)).toEqual({ cached: 200, strict: 200, cold: 200 });
  });
});

/** Adds `count` live deny-list rows that match no token, so a snapshot load needs more than one page. */
async function addFiller(count: number, tag: string) {
  await env.GENERAL_DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
     INSERT INTO revocations (kind, subject, expires_at, created_at) SELECT 'jti', ?2 || i, ?3, ?4 FROM n`,
  )
    .bind(count, `filler-${tag}-`, nowS() + 3600, nowS())
    .run();
}

async function dropFiller(tag: string) {
  await env.GENERAL_DB.prepare("DELETE FROM revocations WHERE subject LIKE ?1").bind(`filler-${tag}-%`).run();
}

/** The real binding, except that the `nth` read of revocation pages throws (as a dropped connection would). */
function failingPageRead(db: D1Database, nth: number): D1Database {
  let reads = 0;
  return new Proxy(db, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === "prepare") {
        return (sql: string) => {
          const statement = target.prepare(sql);
          if (!/FROM revocations\s+WHERE seq > \?1/.test(sql)) return statement;
          return new Proxy(statement, {
            get(s, p) {
              if (p !== "bind") return Reflect.get(s, p, s);
              return (...args: unknown[]) => {
                const bound = s.bind(...args);
                return new Proxy(bound, {
                  get(b, q) {
                    if (q !== "all") return Reflect.get(b, q, b);
                    return async () => {
                      reads++;
                      if (reads === nth) throw new Error("D1_ERROR: Network connection lost.");
                      return b.all();
                    };
                  },
                });
              };
            },
          });
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe("4. fail closed until a complete revocation snapshot has loaded", () => {
  it("a cold isolate whose load fails on the second page answers 503 (never checks against a partial snapshot), then loads and refuses the revoked JWT", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const tag = crypto.randomUUID();
    const user = await registerUser();
    const live = await loginUser(cached(), user.email);
    const dead = await loginUser(cached(), user.email);
    await addFiller(1000, tag); // one full page before the logout's row
    expect((await call("POST", "/auth/logout", { env: cached(), token: dead.token })).status).toBe(200);

    auth.state.revocations.reset();
    const broken = cached({ GENERAL_DB: failingPageRead(env.GENERAL_DB, 2) });
    const refused = await call("GET", "/auth/me", { env: broken, token: dead.token });
    expect(refused.status).toBe(503);
    expect((await errorOf(refused)).code).toBe("service_unavailable");
    expect(auth.state.revocations.info()).toMatchObject({ cursor: 0, loaded: false });
    // Still never loaded: every JWT is 503 until a load completes (D1 fully down here).
    const down = await call("GET", "/auth/me", { env: cached({ GENERAL_DB: failingPageRead(env.GENERAL_DB, 1) }), token: live.token });
    expect(down.status).toBe(503);

    expect(await me(dead.token)).toBe(401);
    expect(await me(live.token)).toBe(200);
    expect(auth.state.revocations.info().loaded).toBe(true);
    await dropFiller(tag);
    errors.mockRestore();
  });

  it("after a complete load, a refresh that fails on its second page keeps the last complete snapshot (cursor unchanged), and the next one applies every page", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const tag = crypto.randomUUID();
    const user = await registerUser();
    const login = await loginUser(cached(), user.email);
    auth.state.revocations.reset();
    await auth.state.revocations.refresh(env.GENERAL_DB);
    const before = auth.state.revocations.info();
    await addFiller(1500, tag);

    await sleep(1100);
    const e = cached({ GENERAL_DB: failingPageRead(env.GENERAL_DB, 2), REVOCATION_CACHE_SECONDS: "1" });
    expect(await me(login.token, e)).toBe(200);
    expect(auth.state.revocations.info()).toMatchObject({ cursor: before.cursor, jtis: before.jtis, refreshedAt: before.refreshedAt });
    expect(errors).toHaveBeenCalledTimes(1);

    await auth.state.revocations.refresh(env.GENERAL_DB);
    const after = auth.state.revocations.info();
    expect(after.jtis).toBe(before.jtis + 1500);
    expect(after.cursor).toBeGreaterThan(before.cursor);
    await dropFiller(tag);
    errors.mockRestore();
  });
});

describe("6. revocation state is bounded per user, whatever the user does", () => {
  it("one user, 1,000 passkey login + refresh + logout cycles: at most 32 `sid` rows and 1 stamp in D1 and in the snapshots; every logged-out JWT refused, another login lives on", async () => {
    expect(MAX_SID_ROWS_PER_USER).toBe(32); // the number SECURITY.md states
    const CYCLES = 1000;
    const bound = MAX_SID_ROWS_PER_USER + 1;
    const e = cached({ RATE_LIMIT_LOGIN_IP: "off", RATE_LIMIT_REFRESH_IP: "off" });
    const user = await registerUser(e);
    const keeper = await loginUser(e, user.email);
    const authenticator = await SoftAuthenticator.create("ES256");
    const options = (await (await call("POST", "/auth/passkey/register/options", { env: e, token: keeper.token })).json()) as {
      options: PublicKeyCredentialCreationOptionsJSON;
    };
    const registered = await call("POST", "/auth/passkey/register/verify", {
      env: e,
      token: keeper.token,
      json: { response: await authenticator.register(options.options), label: "churn" },
    });
    expect(registered.status).toBe(201);

    const liveRows = async () =>
      (await env.GENERAL_DB.prepare(
        `SELECT kind, COUNT(*) AS n FROM revocations
          WHERE ((kind = 'sid' AND user_id = ?1) OR (kind = 'user' AND subject = ?1))
            AND expires_at > ?2 GROUP BY kind ORDER BY kind`,
      )
        .bind(user.id, nowS())
        .all<{ kind: string; n: number }>()).results;
    const allLive = async () =>
      (await env.GENERAL_DB.prepare("SELECT COUNT(*) AS n FROM revocations WHERE expires_at > ?1").bind(nowS()).first<{ n: number }>())?.n ?? 0;

    const jtiRows = async () => (await env.GENERAL_DB.prepare("SELECT COUNT(*) AS n FROM revocations WHERE kind = 'jti'").first<{ n: number }>())?.n ?? 0;
    const jtiBefore = await jtiRows();
    await auth.state.revocations.refresh(env.GENERAL_DB);
    const baseline = auth.state.revocations.info();
    const loggedOut: string[] = [];
    let maxRows = 0;
    let maxSnapshot = 0;
    for (let i = 0; i < CYCLES; i++) {
      const { options: request } = (await (await call("POST", "/auth/passkey/login/options", { env: e })).json()) as {
        options: PublicKeyCredentialRequestOptionsJSON;
      };
      const login = await call("POST", "/auth/passkey/login/verify", { env: e, json: { response: await authenticator.assert(request) } });
      expect(login.status).toBe(200);
      const first = (await login.json()) as LoginBody;
      const next = await refreshed(first.refresh_token, e);
      expect((await call("POST", "/auth/logout", { env: e, token: next.token })).status).toBe(200);
      if (i % 100 === 0 || i === CYCLES - 1) {
        loggedOut.push(first.token, next.token);
        const rows = (await liveRows()).reduce((n, r) => n + r.n, 0);
        const info = auth.state.revocations.info();
        maxRows = Math.max(maxRows, rows);
        maxSnapshot = Math.max(maxSnapshot, info.sids + info.users + info.jtis - (baseline.sids + baseline.users + baseline.jtis));
      }
    }
    const rows = await liveRows();
    // No per-JWT deny rows for our tokens (they all carry `sid`).
    expect(await jtiRows()).toBe(jtiBefore);
    expect(rows.find((r) => r.kind === "sid")?.n ?? 0).toBeLessThanOrEqual(MAX_SID_ROWS_PER_USER);
    expect(rows.find((r) => r.kind === "user")?.n ?? 0).toBeLessThanOrEqual(1);
    expect(maxRows).toBeLessThanOrEqual(bound);
    // The revoking isolate holds no more than D1 does for this user.
    expect(maxSnapshot).toBeLessThanOrEqual(bound);
    // A cold isolate loads exactly the live rows, of which this user owns at most 33.
    auth.state.revocations.reset();
    await auth.state.revocations.refresh(env.GENERAL_DB);
    const cold = auth.state.revocations.info();
    expect(cold.sids + cold.users + cold.jtis).toBeLessThanOrEqual(await allLive());

    for (const token of loggedOut) {
      expect(await me(token, e)).toBe(401);
      expect(await me(token, strict())).toBe(401);
    }
    // The login that was never logged out keeps its refresh token; a fold may
    // have refused its current JWT (documented), and one refresh gives a working one.
    const kept = await refreshed(keeper.refresh_token, e);
    expect(await everywhere(kept.token)).toEqual({ cached: 200, strict: 200, cold: 200 });
  }, 120_000);
});

describe("7. refresh families have an absolute lifetime (REFRESH_FAMILY_MAX_AGE)", () => {
  it("rotation never extends a family past REFRESH_FAMILY_MAX_AGE from login; after it, refresh is 401 refresh_family_expired", async () => {
    const e = cached({ REFRESH_FAMILY_MAX_AGE: "3600" });
    const user = await registerUser(e);
    const login = await loginUser(e, user.email);
    const createdAt = nowS();
    expect(login.refresh_expires_at).toBeLessThanOrEqual(createdAt + 3600);
    const next = await refreshed(login.refresh_token, e);
    expect(next.refresh_expires_at).toBeLessThanOrEqual(createdAt + 3600);

    // The login began an hour ago (the family's created_at is the clock here).
    await env.GENERAL_DB.prepare("UPDATE refresh_families SET created_at = created_at - 3600 WHERE user_id = ?1").bind(user.id).run();
    const expired = await refresh(next.refresh_token, e);
    expect(expired.status).toBe(401);
    expect((await errorOf(expired)).code).toBe("refresh_family_expired");
    // Nothing was rotated or revoked: it is just over.
    const row = await env.GENERAL_DB.prepare("SELECT used_at FROM refresh_tokens WHERE token_hash = ?1").bind(await sha256Hex(next.refresh_token as string)).first();
    expect(row).toEqual({ used_at: null });
  });

  it("defaults to 90 days: a 90-day-old login is refused, an 89-day-old one refreshes", async () => {
    const user = await registerUser();
    const young = await loginUser(cached(), user.email);
    const old = await loginUser(cached(), user.email);
    const age = async (token: string | undefined, days: number) =>
      env.GENERAL_DB.prepare(
        "UPDATE refresh_families SET created_at = created_at - ?2 WHERE id = (SELECT family_id FROM refresh_tokens WHERE token_hash = ?1)",
      )
        .bind(await sha256Hex(token as string), days * 86_400)
        .run();
    await age(young.refresh_token, 89);
    await age(old.refresh_token, 90);
    expect((await refresh(young.refresh_token)).status).toBe(200);
    expect((await errorOf(await refresh(old.refresh_token))).code).toBe("refresh_family_expired");
  });

  it("a bad REFRESH_FAMILY_MAX_AGE is a configuration error (503 misconfigured)", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const bad of ["0", "90d", "-1", "31536001"]) {
      const response = await call("GET", "/auth/me", { env: cached({ REFRESH_FAMILY_MAX_AGE: bad }), token: crypto.randomUUID() });
      expect(response.status).toBe(503);
      expect((await errorOf(response)).code).toBe("misconfigured");
    }
    vi.restoreAllMocks();
  });
});
