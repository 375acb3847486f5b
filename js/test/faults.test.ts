import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../src/env";
import { PASSWORD, call, env, jwtEnv, loginUser, registerUser, runScheduled, sessionEnv, settleIsolate, uniqueEmail } from "./helpers";
import type { LoginBody } from "./helpers";

// D1 faults (issue 7): a wrapper around the REAL binding fails the k-th
// statement, for every k across register, login (both modes), refresh,
// logout, logout-all and the scheduled cleanup. Statements are counted at
// prepare().run/first/all/raw, exec(), and one per statement inside batch().
// A fault inside a batch replaces that statement by one that cannot succeed
// and sends the batch to the real database, so the statements before it
// really run inside D1's transaction and must be rolled back.
//
// For each k: the answer is 503 service_unavailable with Retry-After (the
// cleanup instead logs and keeps going), direct queries find no partial
// user/session/refresh/revocation rows, and the flow then succeeds on the
// unwrapped binding. k grows until the request no longer reaches the k-th
// statement, which must then be an ordinary success.

afterEach(() => vi.restoreAllMocks());

interface Faults {
  db: D1Database;
  /** Statements seen so far (1-based index of the last one). */
  seen: number;
  /** The SQL of the statement that was failed, if the fault fired. */
  failed: string | null;
  /** Every statement's SQL, in order, for the failure messages. */
  trace: string[];
}

const INJECTED = "D1_ERROR: injected fault";

/** Fails the `failAt`-th statement (1-based) run through the returned binding. */
function failKth(real: D1Database, failAt: number): Faults {
  const state: Faults = { db: real, seen: 0, failed: null, trace: [] };
  const realOf = new WeakMap<object, D1PreparedStatement>();
  const sqlOf = new WeakMap<object, string>();
  const tick = (sql: string): boolean => {
    state.seen++;
    state.trace.push(sql.replace(/\s+/g, " ").slice(0, 80));
    if (state.seen === failAt) {
      state.failed = sql;
      return true;
    }
    return false;
  };
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args), sql);
        if (prop === "run" || prop === "first" || prop === "all" || prop === "raw") {
          return (...args: unknown[]) => {
            if (tick(sql)) return Promise.reject(new Error(INJECTED));
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    realOf.set(proxy, statement);
    sqlOf.set(proxy, sql);
    return proxy;
  };
  state.db = new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          const unwrapped = statements.map((s) => {
            const sql = sqlOf.get(s) ?? "?";
            // A statement that fails inside the real transaction, after the ones before it ran.
            return tick(`batch: ${sql}`) ? target.prepare("INSERT INTO injected_fault_no_such_table VALUES (1)") : (realOf.get(s) ?? s);
          });
          return target.batch(unwrapped);
        };
      }
      if (prop === "exec") {
        return (sql: string) => (tick(`exec: ${sql}`) ? Promise.reject(new Error(INJECTED)) : target.exec(sql));
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return state;
}

async function expect503(response: Response, what: string) {
  const text = await response.text();
  expect(response.status, `${what}: ${text}`).toBe(503);
  expect(response.headers.get("Retry-After"), what).toMatch(/^[1-9][0-9]*$/);
  expect(JSON.parse(text), what).toEqual({ error: { code: "service_unavailable", message: expect.any(String) } });
  expect(text, what).not.toMatch(/injected|D1_ERROR|no_such_table/);
}

/**
 * Generous limits (the rate-limit statement stays on the path, with an IP,
 * so it is one of the statements failed) and no usage flush or revocation
 * refresh in the background: the statements a request runs are then exactly
 * those of its own path.
 */
function quiet(e: Env, db: D1Database): Env {
  return {
    ...e,
    GENERAL_DB: db,
    RATE_LIMIT_LOGIN_EMAIL: "1000/600",
    RATE_LIMIT_LOGIN_IP: "1000/600",
    RATE_LIMIT_REGISTER_EMAIL: "1000/3600",
    RATE_LIMIT_REGISTER_IP: "1000/3600",
    RATE_LIMIT_REFRESH_IP: "1000/60",
    USAGE_FLUSH_REQUESTS: "100000",
    USAGE_FLUSH_SECONDS: "3600",
    REVOCATION_CACHE_SECONDS: "3600",
  };
}

/** A test-only IP per run, so this file's rate-limit buckets are its own. */
const IP = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;
const withIp = { "Content-Type": "application/json", "CF-Connecting-IP": IP };

/**
 * Runs `attempt` with the k-th statement failed for k = 1, 2, … until the
 * fault no longer fires; checks each faulted answer and the database after
 * it. Returns how many statements the successful run used.
 */
async function sweep(
  name: string,
  attempt: (db: D1Database) => Promise<Response>,
  afterFault: (k: number, sql: string) => Promise<void>,
  onSuccess: (response: Response) => Promise<void>,
): Promise<number> {
  const errors = vi.spyOn(console, "error").mockImplementation(() => {});
  for (let k = 1; k <= 40; k++) {
    await settleIsolate();
    const faults = failKth(env.GENERAL_DB, k);
    const response = await attempt(faults.db);
    if (faults.failed === null) {
      // The request ran fewer than k statements: this is the clean run.
      expect(response.status, `${name}: clean run ${faults.trace.join(" | ")}`).toBeLessThan(300);
      await onSuccess(response);
      expect(k, `${name} ran no statement at all`).toBeGreaterThan(1);
      errors.mockRestore();
      return k - 1;
    }
    await expect503(response, `${name} k=${k} (${faults.failed.slice(0, 60)})`);
    await afterFault(k, faults.failed);
  }
  throw new Error(`${name}: still failing after 40 statements`);
}

const count = async (sql: string, ...binds: unknown[]) => (await env.GENERAL_DB.prepare(sql).bind(...binds).first<{ n: number }>())!.n;

/** Rows that point at nothing: must always be zero. */
async function orphans(): Promise<number> {
  return count(`SELECT
      (SELECT COUNT(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id))
    + (SELECT COUNT(*) FROM refresh_families f WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = f.user_id))
    + (SELECT COUNT(*) FROM refresh_tokens t WHERE NOT EXISTS (SELECT 1 FROM refresh_families f WHERE f.id = t.family_id))
    + (SELECT COUNT(*) FROM refresh_tokens t WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id))
    + (SELECT COUNT(*) FROM passkeys p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.user_id)) AS n`);
}

/** The whole flow on the healthy binding: register, login, me. */
async function servesNormally(e: Env) {
  const user = await registerUser(e);
  const login = await loginUser(e, user.email);
  const me = await call("GET", "/auth/me", { env: e, token: login.token });
  expect(me.status).toBe(200);
}

describe("the k-th D1 statement fails", () => {
  it("register: 503 for every k, never a partial user", async () => {
    const email = uniqueEmail("fault-register");
    const n = await sweep(
      "register",
      (db) => call("POST", "/auth/register", { env: quiet(jwtEnv(), db), json: { email, password: PASSWORD, name: "Fault" }, headers: withIp }),
      async () => expect(await count("SELECT COUNT(*) AS n FROM users WHERE email = ?1", email)).toBe(0),
      async (response) => {
        expect(response.status).toBe(201);
        expect(await count("SELECT COUNT(*) AS n FROM users WHERE email = ?1", email)).toBe(1);
      },
    );
    expect(n).toBeGreaterThanOrEqual(2); // rate limit + insert
    expect(await orphans()).toBe(0);
    await servesNormally(jwtEnv());
  });

  for (const mode of ["session", "jwt"] as const) {
    it(`login (${mode} mode): 503 for every k, no session / refresh row left behind`, async () => {
      const e = mode === "jwt" ? jwtEnv() : sessionEnv();
      const user = await registerUser(e);
      const rows = async () => ({
        sessions: await count("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?1", user.id),
        families: await count("SELECT COUNT(*) AS n FROM refresh_families WHERE user_id = ?1", user.id),
        tokens: await count("SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = ?1", user.id),
      });
      const n = await sweep(
        `login ${mode}`,
        (db) => call("POST", "/auth/login", { env: quiet(e, db), json: { email: user.email, password: PASSWORD }, headers: withIp }),
        async () => expect(await rows()).toEqual({ sessions: 0, families: 0, tokens: 0 }),
        async (response) => {
          const body = (await response.json()) as LoginBody;
          expect(body.token_type).toBe(mode);
          expect(await rows()).toEqual(mode === "jwt" ? { sessions: 0, families: 1, tokens: 1 } : { sessions: 1, families: 0, tokens: 0 });
          expect((await call("GET", "/auth/me", { env: e, token: body.token })).status).toBe(200);
        },
      );
      expect(n).toBeGreaterThanOrEqual(3); // rate limit, user lookup, token write
      expect(await orphans()).toBe(0);
      await servesNormally(e);
    });
  }

  it("refresh: 503 for every k, the presented token is neither spent nor duplicated", async () => {
    const user = await registerUser(jwtEnv());
    const login = await loginUser(jwtEnv(), user.email);
    const family = await env.GENERAL_DB.prepare("SELECT id FROM refresh_families WHERE user_id = ?1").bind(user.id).first<{ id: string }>();
    const state = () =>
      env.GENERAL_DB.prepare("SELECT COUNT(*) AS n, SUM(used_at IS NULL) AS unused, (SELECT revoked_at FROM refresh_families WHERE id = ?1) AS revoked FROM refresh_tokens WHERE family_id = ?1")
        .bind(family!.id)
        .first();
    let fresh: LoginBody | null = null;
    const n = await sweep(
      "refresh",
      (db) => call("POST", "/auth/refresh", { env: quiet(jwtEnv(), db), json: { refresh_token: login.refresh_token }, headers: withIp }),
      async () => expect(await state()).toEqual({ n: 1, unused: 1, revoked: null }),
      async (response) => {
        fresh = (await response.json()) as LoginBody;
        expect(await state()).toEqual({ n: 2, unused: 1, revoked: null });
      },
    );
    expect(n).toBeGreaterThanOrEqual(3); // rate limit, lookup, rotation batch
    // The successor works; the old token is now spent (409 inside the grace window).
    const next = await call("POST", "/auth/refresh", { json: { refresh_token: fresh!.refresh_token } });
    expect(next.status).toBe(200);
    expect((await call("GET", "/auth/me", { token: fresh!.token })).status).toBe(200);
    expect(await orphans()).toBe(0);
  });

  it("logout (session token): 503 for every k, the session survives until a logout succeeds", async () => {
    const user = await registerUser(sessionEnv());
    const { token } = await loginUser(sessionEnv(), user.email);
    const n = await sweep(
      "logout session",
      (db) => call("POST", "/auth/logout", { env: quiet(sessionEnv(), db), token }),
      async () => {
        expect(await count("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?1", user.id)).toBe(1);
        expect((await call("GET", "/auth/me", { env: sessionEnv(), token })).status).toBe(200);
      },
      async () => expect(await count("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?1", user.id)).toBe(0),
    );
    expect(n).toBeGreaterThanOrEqual(2); // lookup + delete
    expect((await call("GET", "/auth/me", { env: sessionEnv(), token })).status).toBe(401);
  });

  it("logout (JWT): 503 for every k, neither the deny-list row nor the family revocation is half-written", async () => {
    const user = await registerUser(jwtEnv());
    const { token } = await loginUser(jwtEnv(), user.email);
    const state = async () => ({
      revocations: await count("SELECT COUNT(*) AS n FROM revocations WHERE kind = 'jti' AND subject = ?1", JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).jti),
      revokedFamilies: await count("SELECT COUNT(*) AS n FROM refresh_families WHERE user_id = ?1 AND revoked_at IS NOT NULL", user.id),
    });
    const n = await sweep(
      "logout jwt",
      (db) => call("POST", "/auth/logout", { env: quiet(jwtEnv(), db), token }),
      async () => {
        expect(await state()).toEqual({ revocations: 0, revokedFamilies: 0 });
        // The failed logout did not mark the JWT revoked in this isolate either.
        expect((await call("GET", "/auth/me", { env: jwtEnv(), token })).status).toBe(200);
      },
      async () => expect(await state()).toEqual({ revocations: 1, revokedFamilies: 1 }),
    );
    expect(n).toBeGreaterThanOrEqual(2); // the batch: deny-list + family
    expect((await call("GET", "/auth/me", { env: jwtEnv(), token })).status).toBe(401);
  });

  it("logout-all: 503 for every k, sessions, families and the user stamp change together or not at all", async () => {
    const user = await registerUser(jwtEnv());
    const session = await loginUser(sessionEnv(), user.email);
    const jwt = await loginUser(jwtEnv(), user.email);
    const state = async () => ({
      sessions: await count("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?1", user.id),
      live: await count("SELECT COUNT(*) AS n FROM refresh_families WHERE user_id = ?1 AND revoked_at IS NULL", user.id),
      stamps: await count("SELECT COUNT(*) AS n FROM revocations WHERE kind = 'user' AND subject = ?1", user.id),
    });
    await sweep(
      "logout-all",
      (db) => call("POST", "/auth/logout-all", { env: quiet(jwtEnv(), db), token: jwt.token }),
      async () => expect(await state()).toEqual({ sessions: 1, live: 1, stamps: 0 }),
      async () => expect(await state()).toEqual({ sessions: 0, live: 0, stamps: 1 }),
    );
    expect((await call("GET", "/auth/me", { token: session.token })).status).toBe(401);
    expect((await call("GET", "/auth/me", { token: jwt.token })).status).toBe(401);
  });

  it("scheduled cleanup: a failed statement is logged, deletes nothing of its table, and the other tables are still cleaned", async () => {
    const user = await registerUser(jwtEnv());
    const tag = crypto.randomUUID();
    const past = 1000; // long expired
    const seed = async () => {
      const db = env.GENERAL_DB;
      await db.batch([
        db.prepare("INSERT OR IGNORE INTO sessions (token_hash, user_id, expires_at, created_at) VALUES (?1, ?2, ?3, ?3)").bind(`fault-s-${tag}`, user.id, past),
        db.prepare("INSERT OR IGNORE INTO refresh_families (id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?3)").bind(`fault-f-${tag}`, user.id, past),
        db.prepare("INSERT OR IGNORE INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?4)").bind(`fault-t-${tag}`, `fault-f-${tag}`, user.id, past),
        db.prepare("INSERT INTO revocations (kind, subject, expires_at, created_at) VALUES ('jti', ?1, ?2, ?2)").bind(`fault-r-${tag}`, past),
        db.prepare("INSERT OR IGNORE INTO rate_limits (bucket, window_start, count, expires_at) VALUES (?1, ?2, 1, ?2)").bind(`fault-l-${tag}`, past),
        db.prepare("INSERT OR IGNORE INTO webauthn_challenges (challenge, purpose, expires_at, created_at) VALUES (?1, 'authentication', ?2, ?2)").bind(`fault-c-${tag}`, past),
        db.prepare("INSERT OR IGNORE INTO auth_usage (day, kind, reason, client, count, last_seen) VALUES ('2000-01-01', 'failed', 'fault', ?1, 1, ?2)").bind(`fault-u-${tag}`, past),
      ]);
    };
    const present = async () => ({
      sessions: await count("SELECT COUNT(*) AS n FROM sessions WHERE token_hash = ?1", `fault-s-${tag}`),
      refresh_tokens: await count("SELECT COUNT(*) AS n FROM refresh_tokens WHERE token_hash = ?1", `fault-t-${tag}`),
      refresh_families: await count("SELECT COUNT(*) AS n FROM refresh_families WHERE id = ?1", `fault-f-${tag}`),
      revocations: await count("SELECT COUNT(*) AS n FROM revocations WHERE subject = ?1", `fault-r-${tag}`),
      rate_limits: await count("SELECT COUNT(*) AS n FROM rate_limits WHERE bucket = ?1", `fault-l-${tag}`),
      webauthn_challenges: await count("SELECT COUNT(*) AS n FROM webauthn_challenges WHERE challenge = ?1", `fault-c-${tag}`),
      auth_usage: await count("SELECT COUNT(*) AS n FROM auth_usage WHERE client = ?1", `fault-u-${tag}`),
    });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    let k = 1;
    for (; k <= 40; k++) {
      await seed();
      errors.mockClear();
      const faults = failKth(env.GENERAL_DB, k);
      await runScheduled({ ...jwtEnv(), GENERAL_DB: faults.db });
      const left = await present();
      if (faults.failed === null) {
        expect(errors).not.toHaveBeenCalled();
        expect(left).toEqual({ sessions: 0, refresh_tokens: 0, refresh_families: 0, revocations: 0, rate_limits: 0, webauthn_challenges: 0, auth_usage: 0 });
        break;
      }
      const sql = faults.failed;
      expect(errors, `k=${k} ${sql}`).toHaveBeenCalled();
      expect(errors.mock.calls.flat().join(" "), `k=${k}`).toMatch(/cleanup errors/);
      // The table whose DELETE failed keeps its expired row; every table before it was cleaned.
      const failedTable = /DELETE FROM (\w+)/.exec(sql)?.[1] ?? (/sqlite_master/.test(sql) ? "webauthn_challenges" : "?");
      expect(left[failedTable as keyof typeof left], `k=${k} ${failedTable} partially deleted`).toBe(1);
      // A refresh token is never left without its family.
      expect(left.refresh_families >= left.refresh_tokens, `k=${k}`).toBe(true);
      expect(await orphans(), `k=${k}`).toBe(0);
    }
    expect(k).toBeGreaterThanOrEqual(7); // one statement per table, at least
    await servesNormally(jwtEnv());
  });
});
