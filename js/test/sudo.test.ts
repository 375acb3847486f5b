/**
 * Issue 11 (5): sudo mode. Adding or removing a passkey needs a password or
 * passkey authentication within REAUTH_MAX_AGE_SECONDS (default 600); a JWT
 * minted by refresh carries its login's authentication time, not its own.
 * Time moves with vitest's fake Date (the Worker, the wasm core and D1 rows
 * all read Date.now()), so the tokens involved are real and unexpired.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { authenticatedRecently } from "../src/middleware/recentAuth";
import { PASSWORD, call, claimsOf, env, errorOf, jwtEnv, loginUser, registerUser, sessionEnv, settleIsolate } from "./helpers";
import type { Env } from "../demo/worker";

const REAUTH_DEFAULT = 600;

/** Moves this isolate's clock `seconds` ahead of the real time (Date only; timers stay real). */
function travel(seconds: number): void {
  const real = Date.now();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(real + seconds * 1000);
}

afterEach(() => {
  vi.useRealTimers();
});

/** Adds a passkey row for `userId` straight into D1 (the ceremony itself is tested in passkey.test.ts). */
async function plantPasskey(userId: string): Promise<string> {
  const id = crypto.randomUUID();
  await env.GENERAL_DB.prepare(
    `INSERT INTO passkeys (id, user_id, credential_id, public_key, label, device_type, created_at) VALUES (?1, ?2, ?3, 'pk', 'test', 'singleDevice', ?4)`,
  )
    .bind(id, userId, `cred-${id}`, Math.floor(Date.now() / 1000))
    .run();
  return id;
}

async function passkeyCount(userId: string): Promise<number> {
  const row = await env.GENERAL_DB.prepare(`SELECT COUNT(*) AS n FROM passkeys WHERE user_id = ?1`).bind(userId).first<{ n: number }>();
  return row?.n ?? 0;
}

async function expectReauth(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  expect((await errorOf(response)).code).toBe("reauthentication_required");
}

/** The three credential-changing routes, as a token holder would call them. */
function credentialRoutes(token: string, e: Env, passkeyId: string): (() => Promise<Response>)[] {
  return [
    () => call("POST", "/auth/passkey/register/options", { env: e, token, json: {} }),
    () => call("POST", "/auth/passkey/register/verify", { env: e, token, json: {} }),
    () => call("DELETE", `/auth/passkeys/${passkeyId}`, { env: e, token }),
  ];
}

describe("sudo mode: credential changes need a recent password or passkey authentication", () => {
  it("a password login's JWT carries auth_time = its login time", async () => {
    const user = await registerUser();
    const before = Math.floor(Date.now() / 1000);
    const login = await loginUser(jwtEnv(), user.email);
    const claims = claimsOf(login.token);
    expect(claims.auth_time).toBe(claims.iat);
    expect(claims.auth_time as number).toBeGreaterThanOrEqual(before);
  });

  it("a JWT older than REAUTH_MAX_AGE_SECONDS cannot add or remove a passkey: 403 reauthentication_required, nothing changed", async () => {
    const user = await registerUser();
    const passkeyId = await plantPasskey(user.id);
    const { token } = await loginUser(jwtEnv(), user.email);
    travel(REAUTH_DEFAULT + 5);
    await settleIsolate();
    // Still a valid token for everything else.
    expect((await call("GET", "/auth/me", { token })).status).toBe(200);
    expect((await call("GET", "/auth/passkeys", { token })).status).toBe(200);
    for (const route of credentialRoutes(token, jwtEnv(), passkeyId)) await expectReauth(await route());
    expect(await passkeyCount(user.id)).toBe(1);
  });

  it("a fresh login may: register options answer 200 and the passkey is deleted", async () => {
    const user = await registerUser();
    const passkeyId = await plantPasskey(user.id);
    const { token } = await loginUser(jwtEnv(), user.email);
    expect((await call("POST", "/auth/passkey/register/options", { token, json: {} })).status).toBe(200);
    const deleted = await call("DELETE", `/auth/passkeys/${passkeyId}`, { token });
    expect(deleted.status).toBe(200);
    expect(await passkeyCount(user.id)).toBe(0);
  });

  it("a JWT minted by refresh keeps its login's auth_time, so refreshing does not renew sudo mode", async () => {
    const user = await registerUser();
    const passkeyId = await plantPasskey(user.id);
    const login = await loginUser(jwtEnv(), user.email);
    const loginAuthTime = claimsOf(login.token).auth_time;
    travel(REAUTH_DEFAULT - 100);
    const refreshed = await call("POST", "/auth/refresh", { json: { refresh_token: login.refresh_token } });
    expect(refreshed.status).toBe(200);
    const { token, refresh_token } = (await refreshed.json()) as { token: string; refresh_token: string };
    const claims = claimsOf(token);
    expect(claims.auth_time).toBe(loginAuthTime);
    expect(claims.iat as number).toBeGreaterThanOrEqual((loginAuthTime as number) + REAUTH_DEFAULT - 101);
    // Still inside the login's window: allowed.
    expect((await call("POST", "/auth/passkey/register/options", { token, json: {} })).status).toBe(200);
    // 601 s after the LOGIN (only ~100 s after this token's iat): refused, and a
    // second refresh does not help either.
    vi.setSystemTime(((loginAuthTime as number) + REAUTH_DEFAULT + 1) * 1000);
    await settleIsolate();
    for (const route of credentialRoutes(token, jwtEnv(), passkeyId)) await expectReauth(await route());
    const again = await call("POST", "/auth/refresh", { json: { refresh_token } });
    expect(again.status).toBe(200);
    const newest = ((await again.json()) as { token: string }).token;
    expect(claimsOf(newest).auth_time).toBe(loginAuthTime);
    await expectReauth(await call("POST", "/auth/passkey/register/options", { token: newest, json: {} }));
    // Signing in again (the page's answer to the 403) restores it.
    const fresh = await loginUser(jwtEnv(), user.email);
    expect((await call("DELETE", `/auth/passkeys/${passkeyId}`, { token: fresh.token })).status).toBe(200);
  });

  it("session tokens: the session's creation is its authentication time", async () => {
    const e = sessionEnv();
    const user = await registerUser(e);
    const passkeyId = await plantPasskey(user.id);
    const { token } = await loginUser(e, user.email);
    expect((await call("POST", "/auth/passkey/register/options", { env: e, token, json: {} })).status).toBe(200);
    travel(REAUTH_DEFAULT + 5);
    expect((await call("GET", "/auth/me", { env: e, token })).status).toBe(200);
    for (const route of credentialRoutes(token, e, passkeyId)) await expectReauth(await route());
    expect(await passkeyCount(user.id)).toBe(1);
  });

  it("REAUTH_MAX_AGE_SECONDS is honoured and validated", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    travel(120);
    await settleIsolate();
    expect((await call("POST", "/auth/passkey/register/options", { token, json: {} })).status).toBe(200);
    await expectReauth(await call("POST", "/auth/passkey/register/options", { env: jwtEnv({ REAUTH_MAX_AGE_SECONDS: "60" }), token, json: {} }));
    vi.useRealTimers();
    vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      for (const bad of ["0", "-1", "10m", "86401"]) {
        const response = await call("GET", "/auth/me", { env: jwtEnv({ REAUTH_MAX_AGE_SECONDS: bad }), token });
        expect(response.status).toBe(503);
        expect((await errorOf(response)).code).toBe("misconfigured");
      }
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("the guard is a pure rule: unknown auth time is never recent; the boundary is inclusive", () => {
    expect(authenticatedRecently(undefined, 1_000, 600)).toBe(false);
    expect(authenticatedRecently(400, 1_000, 600)).toBe(true);
    expect(authenticatedRecently(399, 1_000, 600)).toBe(false);
    expect(authenticatedRecently(0, 1_000, 600)).toBe(false);
  });

  it("logout-all says how many passkeys the account has, so the page can offer to review them", async () => {
    const user = await registerUser();
    await plantPasskey(user.id);
    await plantPasskey(user.id);
    const { token } = await loginUser(jwtEnv(), user.email, PASSWORD);
    const response = await call("POST", "/auth/logout-all", { token });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ logged_out: true, passkeys: 2 });
    const none = await registerUser();
    const other = await loginUser(jwtEnv(), none.email);
    expect(await (await call("POST", "/auth/logout-all", { token: other.token })).json()).toMatchObject({ passkeys: 0 });
  });
});
