/**
 * Issue 14 §5: at login (password or passkey) the user picks the long or the
 * short lifetime with `remember`. Long = REFRESH_TOKEN_TTL / SESSION_TTL (and
 * what a client that never sends `remember` gets, as before); short =
 * SHORT_REFRESH_TOKEN_TTL / SHORT_SESSION_TTL (default 1 day), capped at the
 * long one and at REFRESH_FAMILY_MAX_AGE. Every refresh keeps the choice, and
 * a short login's access JWT never outlives its refresh token.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { jwtLifetimes, refreshTtlFor, sessionTtlFor } from "../src/lifecycle/logins";
import { resolveOptions } from "../src/config";
import { optionsFromEnv } from "../src/envOptions";
import { PASSWORD, call, env, errorOf, jwtEnv, registerUser, sessionEnv } from "./helpers";
import type { LoginBody } from "./helpers";
import type { Env } from "../demo/worker";
import { SoftAuthenticator } from "./passkeyAuthenticator";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { loginUser } from "./helpers";

const DAY = 86_400;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function login(e: Env, email: string, remember?: unknown): Promise<{ body: LoginBody; at: number }> {
  const at = Math.floor(Date.now() / 1000);
  const json: Record<string, unknown> = { email, password: PASSWORD };
  if (remember !== undefined) json.remember = remember;
  const response = await call("POST", "/auth/login", { env: e, json });
  expect(response.status, await response.clone().text()).toBe(200);
  return { body: (await response.json()) as LoginBody, at };
}

const near = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(2);

describe("remember me: JWT mode", () => {
  // ACCESS_TOKEN_TTL of 7 days (the seed's), longer than the short refresh token, so the cap shows.
  const weekEnv = () => jwtEnv({ ACCESS_TOKEN_TTL: String(7 * DAY) });

  it("absent or true: the long lifetimes (refresh 30 days, access ACCESS_TOKEN_TTL, here 7 days); false: 1 day for both", async () => {
    const user = await registerUser();
    for (const remember of [undefined, true]) {
      const { body, at } = await login(weekEnv(), user.email, remember);
      near(body.refresh_expires_at!, at + 30 * DAY);
      near(body.expires_at, at + 7 * DAY);
    }
    const { body, at } = await login(weekEnv(), user.email, false);
    near(body.refresh_expires_at!, at + DAY);
    near(body.expires_at, at + DAY);
    const family = await env.GENERAL_DB.prepare("SELECT remember FROM refresh_families WHERE id = ?1")
      .bind(JSON.parse(atob(body.token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sid)
      .first<{ remember: number }>();
    expect(family?.remember).toBe(0);
    const listed = (await (await call("GET", "/auth/sessions", { token: body.token })).json()) as { sessions: { current: boolean; remember: boolean }[] };
    expect(listed.sessions.find((s) => s.current)?.remember).toBe(false);
  });

  it("every refresh keeps the login's choice", async () => {
    const user = await registerUser();
    const short = await login(weekEnv(), user.email, false);
    const long = await login(weekEnv(), user.email, true);
    const real = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(real + 3600_000);
    const now = Math.floor(Date.now() / 1000);
    const refreshedShort = (await (await call("POST", "/auth/refresh", { env: weekEnv(), json: { refresh_token: short.body.refresh_token } })).json()) as LoginBody;
    near(refreshedShort.refresh_expires_at!, now + DAY);
    near(refreshedShort.expires_at, now + DAY);
    const refreshedLong = (await (await call("POST", "/auth/refresh", { env: weekEnv(), json: { refresh_token: long.body.refresh_token } })).json()) as LoginBody;
    near(refreshedLong.refresh_expires_at!, now + 30 * DAY);
    near(refreshedLong.expires_at, now + 7 * DAY);
  });

  it("a short refresh token left unused past its lifetime is refused", async () => {
    const user = await registerUser();
    const short = await login(jwtEnv({ SHORT_REFRESH_TOKEN_TTL: "60" }), user.email, false);
    const real = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(real + 61_000);
    const response = await call("POST", "/auth/refresh", { env: jwtEnv({ SHORT_REFRESH_TOKEN_TTL: "60" }), json: { refresh_token: short.body.refresh_token } });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("invalid_refresh_token");
  });

  it("SHORT_REFRESH_TOKEN_TTL is honoured, capped at REFRESH_TOKEN_TTL and at REFRESH_FAMILY_MAX_AGE", async () => {
    const user = await registerUser();
    const a = await login(jwtEnv({ SHORT_REFRESH_TOKEN_TTL: "7200" }), user.email, false);
    near(a.body.refresh_expires_at!, a.at + 7200);
    const b = await login(jwtEnv({ SHORT_REFRESH_TOKEN_TTL: "7200", REFRESH_TOKEN_TTL: "3600" }), user.email, false);
    near(b.body.refresh_expires_at!, b.at + 3600);
    const c = await login(jwtEnv({ SHORT_REFRESH_TOKEN_TTL: "7200", REFRESH_FAMILY_MAX_AGE: "600" }), user.email, false);
    near(c.body.refresh_expires_at!, c.at + 600);
    near(c.body.expires_at, c.at + 600);
    // A short access TTL stays short.
    const d = await login(jwtEnv({ ACCESS_TOKEN_TTL: "900" }), user.email, false);
    near(d.body.expires_at, d.at + 900);
  });

  it("hostile input: remember must be a boolean (400 invalid_field); nothing is issued", async () => {
    const user = await registerUser();
    for (const remember of ["yes", 1, 0, {}, [true], "false"]) {
      const response = await call("POST", "/auth/login", { json: { email: user.email, password: PASSWORD, remember } });
      expect(response.status, JSON.stringify(remember)).toBe(400);
      expect((await errorOf(response)).code).toBe("invalid_field");
    }
    const families = await env.GENERAL_DB.prepare("SELECT COUNT(*) AS n FROM refresh_families WHERE user_id = ?1").bind(user.id).first<{ n: number }>();
    expect(families?.n).toBe(0);
  });
});

describe("remember me: passkey login", () => {
  it("remember: false at /passkey/login/verify gives the short lifetime; absent the long one", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    const authenticator = await SoftAuthenticator.create("ES256");
    const { options: creation } = (await (await call("POST", "/auth/passkey/register/options", { token })).json()) as { options: PublicKeyCredentialCreationOptionsJSON };
    const registered = await call("POST", "/auth/passkey/register/verify", { token, json: { response: await authenticator.register(creation), label: "Key" } });
    expect(registered.status).toBe(201);
    for (const [remember, refreshTtl] of [[false, DAY], [undefined, 30 * DAY]] as const) {
      const { options } = (await (await call("POST", "/auth/passkey/login/options", {})).json()) as { options: PublicKeyCredentialRequestOptionsJSON };
      const json: Record<string, unknown> = { response: await authenticator.assert(options) };
      if (remember !== undefined) json.remember = remember;
      const at = Math.floor(Date.now() / 1000);
      const response = await call("POST", "/auth/passkey/login/verify", { json });
      expect(response.status, await response.clone().text()).toBe(200);
      const body = (await response.json()) as LoginBody;
      near(body.refresh_expires_at!, at + refreshTtl);
    }
  });
});

describe("remember me: session mode", () => {
  it("false: SHORT_SESSION_TTL (default 1 day); absent: SESSION_TTL", async () => {
    const e = sessionEnv();
    const user = await registerUser(e);
    const long = await login(e, user.email);
    near(long.body.expires_at, long.at + 7 * DAY);
    const short = await login(e, user.email, false);
    near(short.body.expires_at, short.at + DAY);
    const custom = await login(sessionEnv({ SHORT_SESSION_TTL: "1800" }), user.email, false);
    near(custom.body.expires_at, custom.at + 1800);
    const capped = await login(sessionEnv({ SHORT_SESSION_TTL: "1800", SESSION_TTL: "900" }), user.email, false);
    near(capped.body.expires_at, capped.at + 900);
    const real = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(real + (DAY + 5) * 1000);
    expect((await call("GET", "/auth/me", { env: e, token: short.body.token })).status).toBe(401);
    expect((await call("GET", "/auth/me", { env: e, token: long.body.token })).status).toBe(200);
  });
});

describe("remember me: settings", () => {
  it("the lifetimes are pure functions of the config", () => {
    const config = resolveOptions({ database: () => env.GENERAL_DB, secret: "x".repeat(32), refreshTokenTtl: 1000, shortRefreshTokenTtl: 100, accessTokenTtl: 500, refreshFamilyMaxAge: 5000 });
    expect(refreshTtlFor(config, true)).toBe(1000);
    expect(refreshTtlFor(config, false)).toBe(100);
    expect(sessionTtlFor(config, false)).toBe(86_400);
    expect(sessionTtlFor(config, true)).toBe(604_800);
    expect(jwtLifetimes(config, true, 10_000, 10_000)).toEqual({ accessTtl: 500, refreshExpiresAt: 11_000 });
    expect(jwtLifetimes(config, false, 10_000, 10_000)).toEqual({ accessTtl: 100, refreshExpiresAt: 10_100 });
    // 4950 s into the family: 50 s are left, for both tokens of a short login.
    expect(jwtLifetimes(config, false, 14_950, 10_000)).toEqual({ accessTtl: 50, refreshExpiresAt: 15_000 });
  });

  it("SHORT_REFRESH_TOKEN_TTL / SHORT_SESSION_TTL are validated like the other TTLs", () => {
    for (const [name, value] of [["SHORT_REFRESH_TOKEN_TTL", "0"], ["SHORT_SESSION_TTL", "1d"], ["SHORT_REFRESH_TOKEN_TTL", "31536001"]] as const) {
      expect(() => optionsFromEnv({ [name]: value } as unknown as Env, { database: () => env.GENERAL_DB }), name).toThrow(name);
    }
    expect(() => resolveOptions({ database: () => env.GENERAL_DB, shortSessionTtl: 1.5 })).toThrow("shortSessionTtl");
  });
});
