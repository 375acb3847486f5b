/**
 * Issue 14 §2: POST /auth/change-password needs the current password and
 * sudo mode, validates the new one, ends every other login by default (the
 * current one is kept) and says which, and rate-limits wrong current passwords.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { argon2Engine } from "../src/passwords/argon2id";
import { PASSWORD, call, countingDb, env, errorOf, jwtEnv, loginUser, registerUser, sessionEnv, settleIsolate, totalQueries } from "./helpers";
import type { Env } from "../demo/worker";
import { linkToken, mailEnv } from "./emailHelpers";

const NEW_PASSWORD = "a brand new passphrase";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function sidOf(jwt: string): string {
  return JSON.parse(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sid as string;
}

function change(token: string, json: unknown, e: Env = jwtEnv()): Promise<Response> {
  return call("POST", "/auth/change-password", { env: e, token, json });
}

async function canLogin(e: Env, email: string, password: string): Promise<boolean> {
  const response = await call("POST", "/auth/login", { env: e, json: { email, password } });
  return response.status === 200;
}

async function loginIds(token: string, e: Env = jwtEnv()): Promise<{ id: string; current: boolean }[]> {
  return ((await (await call("GET", "/auth/sessions", { env: e, token })).json()) as { sessions: { id: string; current: boolean }[] }).sessions;
}

describe("POST /auth/change-password", () => {
  it("JWT mode: sets the new password and ends every other login (both kinds), keeping the current one; answers which ended", async () => {
    const user = await registerUser();
    const mine = await loginUser(jwtEnv(), user.email);
    const other = await loginUser(jwtEnv(), user.email);
    const session = await loginUser(sessionEnv(), user.email);
    const expected = (await loginIds(mine.token)).filter((s) => !s.current).map((s) => s.id);
    await settleIsolate();
    const response = await change(mine.token, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { password_changed: boolean; revoked_other_logins: boolean; ended: string[] };
    expect(body.password_changed).toBe(true);
    expect(body.revoked_other_logins).toBe(true);
    expect(body.ended.sort()).toEqual(expected.sort());
    expect(body.ended).toContain(sidOf(other.token));
    expect(await canLogin(jwtEnv(), user.email, PASSWORD)).toBe(false);
    expect(await canLogin(jwtEnv(), user.email, NEW_PASSWORD)).toBe(true);
    expect((await call("GET", "/auth/me", { token: other.token })).status).toBe(401);
    expect((await call("POST", "/auth/refresh", { json: { refresh_token: other.refresh_token } })).status).toBe(401);
    expect((await call("GET", "/auth/me", { env: sessionEnv(), token: session.token })).status).toBe(401);
    expect((await call("GET", "/auth/me", { token: mine.token })).status).toBe(200);
    expect((await call("POST", "/auth/refresh", { json: { refresh_token: mine.refresh_token } })).status).toBe(200);
    const family = await env.GENERAL_DB.prepare("SELECT revoked_reason FROM refresh_families WHERE id = ?1").bind(sidOf(other.token)).first<{ revoked_reason: string }>();
    expect(family?.revoked_reason).toBe("password_change");
  });

  it("session mode: the current session is kept, the others end", async () => {
    const e = sessionEnv();
    const user = await registerUser(e);
    const mine = await loginUser(e, user.email);
    const other = await loginUser(e, user.email);
    const response = await change(mine.token, { current_password: PASSWORD, new_password: NEW_PASSWORD }, e);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { ended: string[] }).ended).toHaveLength(1);
    expect((await call("GET", "/auth/me", { env: e, token: mine.token })).status).toBe(200);
    expect((await call("GET", "/auth/me", { env: e, token: other.token })).status).toBe(401);
    expect(await canLogin(e, user.email, NEW_PASSWORD)).toBe(true);
  });

  it("revoke_other_logins: false keeps the other logins", async () => {
    const user = await registerUser();
    const mine = await loginUser(jwtEnv(), user.email);
    const other = await loginUser(jwtEnv(), user.email);
    const response = await change(mine.token, { current_password: PASSWORD, new_password: NEW_PASSWORD, revoke_other_logins: false });
    expect(await response.json()).toEqual({ password_changed: true, revoked_other_logins: false, ended: [] });
    expect((await call("GET", "/auth/me", { token: other.token })).status).toBe(200);
    expect(await canLogin(jwtEnv(), user.email, NEW_PASSWORD)).toBe(true);
  });

  it("retires the user's outstanding password-reset links in the same change, with and without revoking the other logins", async () => {
    for (const revoke of [true, false]) {
      const e = mailEnv();
      const user = await registerUser(e);
      const mine = await loginUser(e, user.email);
      // A reset link requested before the change (by the owner, or by whoever made them change it).
      expect((await call("POST", "/auth/password/reset/request", { env: e, json: { email: user.email } })).status).toBe(202);
      const token = linkToken(user.email, "reset");
      const response = await change(mine.token, { current_password: PASSWORD, new_password: NEW_PASSWORD, revoke_other_logins: revoke }, e);
      expect(response.status, `revoke_other_logins: ${revoke}`).toBe(200);
      const reset = await call("POST", "/auth/password/reset/complete", { env: e, json: { token, password: "a password chosen by someone else" } });
      expect(reset.status, `revoke_other_logins: ${revoke}`).toBe(400);
      expect((await errorOf(reset)).code).toBe("email_token_used");
      expect(await canLogin(e, user.email, NEW_PASSWORD)).toBe(true);
      expect((await call("GET", "/auth/me", { env: e, token: mine.token })).status).toBe(200);
    }
  });

  it("a wrong current password: 403 invalid_current_password, nothing changed, nothing revoked", async () => {
    const user = await registerUser();
    const mine = await loginUser(jwtEnv(), user.email);
    const other = await loginUser(jwtEnv(), user.email);
    const response = await change(mine.token, { current_password: "not the password", new_password: NEW_PASSWORD });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("invalid_current_password");
    expect(await canLogin(jwtEnv(), user.email, PASSWORD)).toBe(true);
    expect((await call("GET", "/auth/me", { token: other.token })).status).toBe(200);
  });

  it("wrong current passwords are rate-limited per user (successes do not count): 429 with Retry-After, even with the right one then", async () => {
    const e = jwtEnv({ RATE_LIMIT_CHANGE_PASSWORD: "3/600" });
    const user = await registerUser(e);
    const mine = await loginUser(e, user.email);
    // A right one first: it is given back, so three wrong ones still fit.
    expect((await change(mine.token, { current_password: PASSWORD, new_password: PASSWORD, revoke_other_logins: false }, e)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await change(mine.token, { current_password: `wrong ${i}`, new_password: NEW_PASSWORD }, e)).status).toBe(403);
    const limited = await change(mine.token, { current_password: PASSWORD, new_password: NEW_PASSWORD }, e);
    expect(limited.status).toBe(429);
    expect((await errorOf(limited)).code).toBe("rate_limited");
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await canLogin(e, user.email, PASSWORD)).toBe(true);
    // The bucket is the user's, whichever login asks: another login of the same user is limited too.
    const second = await loginUser(e, user.email);
    expect((await change(second.token, { current_password: PASSWORD, new_password: NEW_PASSWORD }, e)).status).toBe(429);
    // ...and another user is not.
    const stranger = await registerUser(e);
    const theirs = await loginUser(e, stranger.email);
    expect((await change(theirs.token, { current_password: PASSWORD, new_password: NEW_PASSWORD }, e)).status).toBe(200);
  });

  it("needs sudo mode: a login older than REAUTH_MAX_AGE_SECONDS gets 403 reauthentication_required, nothing changed", async () => {
    const user = await registerUser();
    const mine = await loginUser(jwtEnv(), user.email);
    const real = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(real + 601_000);
    await settleIsolate();
    const response = await change(mine.token, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("reauthentication_required");
    vi.useRealTimers();
    expect(await canLogin(jwtEnv(), user.email, PASSWORD)).toBe(true);
  });

  it("hostile input: wrong types, missing fields, oversized and invalid new passwords are 400 before any work", async () => {
    const user = await registerUser();
    const mine = await loginUser(jwtEnv(), user.email);
    const cases: [unknown, string][] = [
      [{ new_password: NEW_PASSWORD }, "missing_field"],
      [{ current_password: PASSWORD }, "missing_field"],
      [{ current_password: 12345678, new_password: NEW_PASSWORD }, "invalid_field"],
      [{ current_password: PASSWORD, new_password: ["a", "b"] }, "invalid_field"],
      [{ current_password: PASSWORD, new_password: "short" }, "invalid_field"],
      [{ current_password: PASSWORD, new_password: "x".repeat(1025) }, "invalid_field"],
      [{ current_password: "x".repeat(1025), new_password: NEW_PASSWORD }, "invalid_field"],
      [{ current_password: PASSWORD, new_password: NEW_PASSWORD, revoke_other_logins: "no" }, "invalid_field"],
      [[PASSWORD, NEW_PASSWORD], "invalid_body"],
    ];
    await settleIsolate();
    // "Work": a password hash (Argon2id by default, PBKDF2 for old hashes: passwords/) and any D1 statement (the rate-limit counter, the user's row).
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    const argon2 = vi.spyOn(argon2Engine, "verify");
    const counted = countingDb(env.GENERAL_DB);
    const e = jwtEnv({ GENERAL_DB: counted.db, USAGE_FLUSH_REQUESTS: "100000", USAGE_FLUSH_SECONDS: "3600" });
    for (const [json, code] of cases) {
      const response = await change(mine.token, json, e);
      expect(response.status, JSON.stringify(json).slice(0, 60)).toBe(400);
      expect((await errorOf(response)).code).toBe(code);
    }
    const huge = await call("POST", "/auth/change-password", { env: e, token: mine.token, body: JSON.stringify({ current_password: PASSWORD, new_password: "y".repeat(20_000) }) });
    expect(huge.status).toBe(400);
    expect((await errorOf(huge)).code).toBe("body_too_large");
    expect(derive).not.toHaveBeenCalled();
    expect(argon2).not.toHaveBeenCalled();
    expect(totalQueries(counted.counts)).toBe(0);
    // Control: a well-formed request through the same spies is seen hashing and querying.
    expect((await change(mine.token, { current_password: "not the password", new_password: NEW_PASSWORD }, e)).status).toBe(403);
    expect(derive).toHaveBeenCalled();
    expect(argon2).toHaveBeenCalled();
    expect(totalQueries(counted.counts)).toBeGreaterThan(0);
    derive.mockRestore();
    argon2.mockRestore();
    expect(await canLogin(jwtEnv(), user.email, PASSWORD)).toBe(true);
  });

  it("acts on the token's user only: another user's password is not theirs to know, and stays", async () => {
    const attacker = await registerUser();
    const victim = await registerUser();
    const token = (await loginUser(jwtEnv(), attacker.email)).token;
    const victimLogin = await loginUser(jwtEnv(), victim.email);
    // The attacker's own password is right, so this changes the ATTACKER's password; the victim's stays.
    expect((await change(token, { current_password: PASSWORD, new_password: NEW_PASSWORD, user_id: victim.id, email: victim.email })).status).toBe(200);
    expect(await canLogin(jwtEnv(), victim.email, PASSWORD)).toBe(true);
    expect((await call("GET", "/auth/me", { token: victimLogin.token })).status).toBe(200);
    expect(await canLogin(jwtEnv(), attacker.email, NEW_PASSWORD)).toBe(true);
  });

  it("no token: 401; GET: 405", async () => {
    expect((await call("POST", "/auth/change-password", { json: { current_password: PASSWORD, new_password: NEW_PASSWORD } })).status).toBe(401);
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    const get = await call("GET", "/auth/change-password", { token });
    expect(get.status).toBe(405);
    expect(get.headers.get("Allow")).toBe("POST");
  });
});
