import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../demo/worker";
import { failKth, quiet, sweep } from "./d1Faults";
import { PASSWORD, call, env, jwtEnv, loginUser, registerUser, runScheduled, sessionEnv, uniqueEmail } from "./helpers";
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

/** A test-only IP per run, so this file's rate-limit buckets are its own. */
const IP = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;
const withIp = { "Content-Type": "application/json", "CF-Connecting-IP": IP };

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

  it("logout (JWT): 503 for every k, neither the family's `sid` revocation row nor the family's revoked_at is half-written", async () => {
    const user = await registerUser(jwtEnv());
    const { token } = await loginUser(jwtEnv(), user.email);
    const claims = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { jti: string; sid: string };
    // Logout ends the whole login (issue 11): one `sid` row for the family, no per-JWT `jti` row.
    const state = async () => ({
      revocations: await count("SELECT COUNT(*) AS n FROM revocations WHERE (kind = 'sid' AND subject = ?1) OR (kind = 'jti' AND subject = ?2)", claims.sid, claims.jti),
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
    expect(n).toBeGreaterThanOrEqual(2); // the batch: family + its `sid` row
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
        db
          .prepare("INSERT OR IGNORE INTO email_tokens (token_hash, purpose, user_id, email, created_at, expires_at) VALUES (?1, 'verify_email', ?2, 'a@example.com', ?3, ?3)")
          .bind(`fault-e-${tag}`, user.id, past),
        db.prepare("INSERT INTO auth_events (user_id, kind, detail, created_at) VALUES (?1, 'email_verified', ?2, ?3)").bind(user.id, `fault-a-${tag}`, past),
        db
          .prepare("INSERT OR IGNORE INTO totp_tickets (ticket_hash, user_id, remember, delivery, created_at, expires_at) VALUES (?1, ?2, 1, 'body', ?3, ?3)")
          .bind(`fault-x-${tag}`, user.id, past),
        // The social plugin's (the demo mounts it): a sign-in in flight and a ticket, both long expired.
        db
          .prepare("INSERT OR IGNORE INTO social_states (state_hash, provider, binding_hash, code_verifier, nonce, redirect_to, created_at, expires_at) VALUES (?1, 'p', 'b', 'v', 'n', 'r', ?2, ?2)")
          .bind(`fault-o-${tag}`, past),
        db.prepare("INSERT OR IGNORE INTO social_tickets (ticket_hash, user_id, provider, created_at, expires_at) VALUES (?1, ?2, 'p', ?3, ?3)").bind(`fault-k-${tag}`, user.id, past),
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
      email_tokens: await count("SELECT COUNT(*) AS n FROM email_tokens WHERE token_hash = ?1", `fault-e-${tag}`),
      auth_events: await count("SELECT COUNT(*) AS n FROM auth_events WHERE detail = ?1", `fault-a-${tag}`),
      totp_tickets: await count("SELECT COUNT(*) AS n FROM totp_tickets WHERE ticket_hash = ?1", `fault-x-${tag}`),
      social_states: await count("SELECT COUNT(*) AS n FROM social_states WHERE state_hash = ?1", `fault-o-${tag}`),
      social_tickets: await count("SELECT COUNT(*) AS n FROM social_tickets WHERE ticket_hash = ?1", `fault-k-${tag}`),
    });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    type Table = keyof Awaited<ReturnType<typeof present>>;
    const NONE_LEFT: Record<Table, number> = {
      sessions: 0,
      refresh_tokens: 0,
      refresh_families: 0,
      revocations: 0,
      rate_limits: 0,
      webauthn_challenges: 0,
      auth_usage: 0,
      email_tokens: 0,
      auth_events: 0,
      totp_tickets: 0,
      social_states: 0,
      social_tickets: 0,
    };
    const failedTables = new Set<string>();
    let cleanRunAt: number | null = null;
    for (let k = 1; k <= 40; k++) {
      await seed();
      errors.mockClear();
      const faults = failKth(env.GENERAL_DB, k);
      await runScheduled({ ...jwtEnv(), GENERAL_DB: faults.db });
      const left = await present();
      if (faults.failed === null) {
        // Fewer than k statements: the run that finally went through cleans everything.
        expect(errors, `k=${k} clean run`).not.toHaveBeenCalled();
        expect(left, `k=${k} clean run`).toEqual(NONE_LEFT);
        cleanRunAt = k;
        break;
      }
      const sql = faults.failed;
      // The sqlite_master probe guards the challenges table: failing it skips that table.
      const failedTable = /DELETE FROM (\w+)/.exec(sql)?.[1] ?? (/sqlite_master/.test(sql) ? "webauthn_challenges" : "?");
      expect(Object.keys(NONE_LEFT), `k=${k} unexpected statement ${sql}`).toContain(failedTable);
      failedTables.add(failedTable);
      // The error is logged, naming the failed table and no other.
      const logged = errors.mock.calls.flat().map(String).join(" ");
      expect(logged, `k=${k}`).toMatch(/cleanup errors/);
      expect(logged, `k=${k}`).toContain(`${failedTable}:`);
      for (const other of Object.keys(NONE_LEFT)) if (other !== failedTable) expect(logged, `k=${k} blames ${other}`).not.toContain(`${other}:`);
      // Exactly the failed table keeps its expired row (never partially deleted);
      // every other table is still cleaned, except a family whose expired
      // token could not be deleted (an empty family is the only kind that goes).
      const expected = { ...NONE_LEFT, [failedTable]: 1 };
      if (failedTable === "refresh_tokens") expected.refresh_families = 1;
      expect(left, `k=${k} (${failedTable} failed)`).toEqual(expected);
      expect(await orphans(), `k=${k}`).toBe(0);
    }
    // A clean run was reached, and on the way every table's statement was the failed one once.
    expect(cleanRunAt, "still failing after 40 statements").not.toBeNull();
    expect([...failedTables].sort()).toEqual(Object.keys(NONE_LEFT).sort());
    expect(cleanRunAt!).toBeGreaterThanOrEqual(13); // one statement per table (12) + the sqlite_master probe, at least
    await servesNormally(jwtEnv());
  });
});
