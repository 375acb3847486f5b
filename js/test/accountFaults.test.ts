/**
 * Issue 14: the D1 fault sweep (d1Faults.ts) over revoke-one, revoke-others
 * and change-password. For every k, the k-th statement fails: the answer is
 * 503 service_unavailable, and D1 holds exactly what it held before: no
 * family revoked without its `sid` row (or the reverse), no session deleted,
 * no new password hash without the revocations (and the retired reset
 * links) that go with it. The clean run then does all of it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../demo/worker";
import { quiet, sweep } from "./d1Faults";
import { PASSWORD, call, env, jwtEnv, loginUser, registerUser, sessionEnv } from "./helpers";
import type { LoginBody } from "./helpers";

afterEach(() => vi.restoreAllMocks());

const NEW_PASSWORD = "a brand new passphrase";

const count = async (sql: string, ...binds: unknown[]) => (await env.GENERAL_DB.prepare(sql).bind(...binds).first<{ n: number }>())!.n;

function sidOf(jwt: string): string {
  return JSON.parse(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sid as string;
}

/** Everything a revocation of `userId`'s logins could touch, as one comparable value. */
async function loginState(userId: string) {
  const families = await env.GENERAL_DB.prepare("SELECT id, revoked_at FROM refresh_families WHERE user_id = ?1 ORDER BY id").bind(userId).all();
  const sessions = await env.GENERAL_DB.prepare("SELECT id FROM sessions WHERE user_id = ?1 ORDER BY id").bind(userId).all();
  const password = await env.GENERAL_DB.prepare("SELECT password_hash FROM users WHERE id = ?1").bind(userId).first<{ password_hash: string }>();
  return {
    families: families.results,
    sessions: sessions.results,
    sidRows: await count("SELECT COUNT(*) AS n FROM revocations WHERE kind = 'sid' AND user_id = ?1", userId),
    password: password?.password_hash,
    // Outstanding password-reset links: a password change retires them in its batch.
    resetLinks: await count("SELECT COUNT(*) AS n FROM email_tokens WHERE user_id = ?1 AND purpose = 'password_reset' AND used_at IS NULL", userId),
  };
}

/** A user with: the caller's JWT login, two other JWT logins, one session and an outstanding password-reset link. */
async function userWithLogins() {
  const user = await registerUser();
  const now = Math.floor(Date.now() / 1000);
  await env.GENERAL_DB.prepare("INSERT INTO email_tokens (token_hash, purpose, user_id, email, created_at, expires_at) VALUES (?1, 'password_reset', ?2, ?3, ?4, ?5)")
    .bind(crypto.randomUUID().replace(/-/g, "").repeat(2), user.id, user.email, now, now + 1800)
    .run();
  const mine = await loginUser(jwtEnv(), user.email);
  const others: LoginBody[] = [await loginUser(jwtEnv(), user.email), await loginUser(jwtEnv(), user.email)];
  const session = await loginUser(sessionEnv(), user.email);
  return { user, mine, others, session };
}

const faulty = (db: D1Database, extra: Partial<Env> = {}) => quiet(jwtEnv({ RATE_LIMIT_CHANGE_PASSWORD: "1000/900", ...extra }), db);

describe("the k-th D1 statement fails (issue 14 routes)", () => {
  it("DELETE /auth/sessions/:id (a refresh family): 503 for every k, the family neither revoked nor given a sid row", async () => {
    const { user, mine, others } = await userWithLogins();
    const target = sidOf(others[0]!.token);
    const before = await loginState(user.id);
    const n = await sweep(
      "revoke one family",
      (db) => call("DELETE", `/auth/sessions/${target}`, { env: faulty(db), token: mine.token }),
      async () => expect(await loginState(user.id)).toEqual(before),
      async (response) => {
        expect(await response.json()).toMatchObject({ revoked: true, id: target });
        const after = await loginState(user.id);
        expect(after.sidRows).toBe(1);
        expect(after.families.filter((f) => f.revoked_at !== null).map((f) => f.id)).toEqual([target]);
        expect(after.sessions).toEqual(before.sessions);
      },
    );
    expect(n).toBeGreaterThanOrEqual(3); // find + the revocation batch
    expect((await call("POST", "/auth/refresh", { json: { refresh_token: others[0]!.refresh_token } })).status).toBe(401);
  });

  it("DELETE /auth/sessions/:id (a session): 503 for every k, the session still there", async () => {
    const e = sessionEnv();
    const user = await registerUser(e);
    const mine = await loginUser(e, user.email);
    const other = await loginUser(e, user.email);
    const list = (await (await call("GET", "/auth/sessions", { env: e, token: mine.token })).json()) as { sessions: { id: string; current: boolean }[] };
    const target = list.sessions.find((s) => !s.current)!.id;
    const before = await loginState(user.id);
    await sweep(
      "revoke one session",
      (db) => call("DELETE", `/auth/sessions/${target}`, { env: quiet(e, db), token: mine.token }),
      async () => expect(await loginState(user.id)).toEqual(before),
      async (response) => {
        expect(await response.json()).toMatchObject({ revoked: true, kind: "session" });
        expect((await loginState(user.id)).sessions).toHaveLength(1);
      },
    );
    expect((await call("GET", "/auth/me", { env: e, token: other.token })).status).toBe(401);
  });

  it("POST /auth/sessions/revoke-others: 503 for every k, no login ended (all or nothing)", async () => {
    const { user, mine, others, session } = await userWithLogins();
    const before = await loginState(user.id);
    const n = await sweep(
      "revoke others",
      (db) => call("POST", "/auth/sessions/revoke-others", { env: faulty(db), token: mine.token }),
      async () => expect(await loginState(user.id)).toEqual(before),
      async (response) => {
        expect(((await response.json()) as { revoked: number }).revoked).toBe(3);
        const after = await loginState(user.id);
        expect(after.sidRows).toBe(2);
        expect(after.families.filter((f) => f.revoked_at === null).map((f) => f.id)).toEqual([sidOf(mine.token)]);
        expect(after.sessions).toEqual([]);
      },
    );
    expect(n).toBeGreaterThanOrEqual(5);
    for (const other of others) expect((await call("POST", "/auth/refresh", { json: { refresh_token: other.refresh_token } })).status).toBe(401);
    expect((await call("GET", "/auth/me", { env: sessionEnv(), token: session.token })).status).toBe(401);
    expect((await call("GET", "/auth/me", { token: mine.token })).status).toBe(200);
  });

  it("POST /auth/change-password: 503 for every k, neither the new hash nor any revocation is written", async () => {
    const { user, mine, others } = await userWithLogins();
    const before = await loginState(user.id);
    const n = await sweep(
      "change password",
      (db) => call("POST", "/auth/change-password", { env: faulty(db), token: mine.token, json: { current_password: PASSWORD, new_password: NEW_PASSWORD } }),
      async () => expect(await loginState(user.id)).toEqual(before),
      async (response) => {
        expect(((await response.json()) as { ended: string[] }).ended).toHaveLength(3);
        const after = await loginState(user.id);
        expect(after.password).not.toBe(before.password);
        expect(after.sidRows).toBe(2);
        expect(after.sessions).toEqual([]);
        expect(before.resetLinks).toBe(1);
        expect(after.resetLinks).toBe(0);
      },
    );
    expect(n).toBeGreaterThanOrEqual(5); // rate limit, user, give-back, the batch
    expect((await call("POST", "/auth/login", { json: { email: user.email, password: NEW_PASSWORD } })).status).toBe(200);
    expect((await call("POST", "/auth/refresh", { json: { refresh_token: others[1]!.refresh_token } })).status).toBe(401);
  });

  it("POST /auth/change-password keeping the other logins: 503 for every k, the old password still works until the clean run", async () => {
    const { user, mine, others } = await userWithLogins();
    const before = await loginState(user.id);
    await sweep(
      "change password, keep others",
      (db) =>
        call("POST", "/auth/change-password", {
          env: faulty(db),
          token: mine.token,
          json: { current_password: PASSWORD, new_password: NEW_PASSWORD, revoke_other_logins: false },
        }),
      async () => expect(await loginState(user.id)).toEqual(before),
      async () => {
        const after = await loginState(user.id);
        expect(after.password).not.toBe(before.password);
        expect(before.resetLinks).toBe(1);
        expect(after.resetLinks).toBe(0);
        expect({ ...after, password: null, resetLinks: null }).toEqual({ ...before, password: null, resetLinks: null });
      },
    );
    expect((await call("GET", "/auth/me", { token: others[0]!.token })).status).toBe(200);
  });
});
