/**
 * Issue 23, part 3: 900-second access tokens by default, JWTs without `sid` are
 * legacy, and per-user "not before" stamps live one access-token lifetime once
 * no JWT without `sid` can pass (config.ts stampLifetime, utils/jwt.ts).
 * Legacy tokens are minted here with WebCrypto (helpers.ts hs256Token) or the
 * seed's generateJWT, independently of the code under test.
 */
import { generateJWT } from "hybrid-auth";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_TTL_SECONDS, resolveOptions, stampLifetime } from "../src/config";
import { optionsFromEnv } from "../src/envOptions";
import { IssuerCache } from "../src/utils/jwt";
import { mailEnv, linkToken } from "./emailHelpers";
import {
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  SECRET,
  accessClaims,
  auth,
  call,
  claimsOf,
  env,
  errorOf,
  hs256Token,
  jwtEnv,
  loginUser,
  registerUser,
  sessionEnv,
  setClock,
} from "./helpers";
import type { Env } from "../demo/worker";

afterEach(() => {
  vi.useRealTimers();
});

const AT_JWT = { alg: "HS256", typ: "at+jwt" };
const nowS = () => Math.floor(Date.now() / 1000);

async function me(token: string, e: Env = jwtEnv()): Promise<{ status: number; code: string | null }> {
  const response = await call("GET", "/auth/me", { env: e, token });
  return { status: response.status, code: response.status === 200 ? null : (await errorOf(response)).code };
}

/** The user's "not before" stamp as D1 holds it. */
async function stampOf(userId: string): Promise<{ not_before_ms: number; expires_at: number }> {
  const rows = await env.GENERAL_DB.prepare("SELECT not_before_ms, expires_at FROM revocations WHERE kind = 'user' AND subject = ?1")
    .bind(userId)
    .all<{ not_before_ms: number; expires_at: number }>();
  expect(rows.results).toHaveLength(1);
  return rows.results[0] as { not_before_ms: number; expires_at: number };
}

/** POST /auth/logout-all; the stamp's instant it reports. */
async function logoutAll(token: string, e: Env): Promise<number> {
  const response = await call("POST", "/auth/logout-all", { env: e, token });
  expect(response.status).toBe(200);
  return ((await response.json()) as { not_before_ms: number }).not_before_ms;
}

describe("default lifetimes", () => {
  it("the library's access-token default is 900 s, the session default stays 7 days; ACCESS_TOKEN_TTL still sets it", () => {
    const base = { database: () => env.GENERAL_DB, secret: SECRET };
    const defaults = resolveOptions(base);
    expect(defaults.accessTokenTtl).toBe(900);
    expect(defaults.sessionTtl).toBe(604_800);
    expect(defaults.refreshTokenTtl).toBe(2_592_000);
    expect(resolveOptions(optionsFromEnv({ JWT_SECRET: SECRET }, base)).accessTokenTtl).toBe(900);
    // The seed-era variable keeps working, e.g. to keep the old 7 days.
    expect(resolveOptions(optionsFromEnv({ JWT_SECRET: SECRET, ACCESS_TOKEN_TTL: "604800" }, base)).accessTokenTtl).toBe(604_800);
  });

  it("with ACCESS_TOKEN_TTL and SESSION_TTL unset, a login's JWT lives 900 s and a session 7 days", async () => {
    const unset = { ACCESS_TOKEN_TTL: "", SESSION_TTL: "" };
    const user = await registerUser(jwtEnv(unset));
    const before = nowS();
    const jwt = await loginUser(jwtEnv(unset), user.email);
    expect(jwt.expires_at - before).toBeGreaterThanOrEqual(900);
    expect(jwt.expires_at - nowS()).toBeLessThanOrEqual(900);
    expect(claimsOf<{ exp: number; iat: number }>(jwt.token)).toMatchObject({ exp: jwt.expires_at });
    const session = await loginUser(sessionEnv(unset), user.email);
    expect(session.expires_at - before).toBeGreaterThanOrEqual(604_800);
    expect(session.expires_at - nowS()).toBeLessThanOrEqual(604_800);
  });
});

describe("a bound JWT without sid is a legacy token", () => {
  const binding = { issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE };

  it("refused (invalid_jwt, missing_sid) while acceptLegacyTokens is off; the same token with a sid passes", async () => {
    const user = await registerUser();
    const sidless = await hs256Token(AT_JWT, accessClaims(user, 600, { sid: undefined }));
    expect(claimsOf(sidless)).not.toHaveProperty("sid");
    expect(await me(sidless)).toEqual({ status: 401, code: "invalid_token" });
    expect(await me(sidless, jwtEnv({ ACCEPT_LEGACY_JWT: "off" }))).toEqual({ status: 401, code: "invalid_token" });
    expect(await new IssuerCache().get(SECRET, [], { ...binding, acceptLegacy: false }).verify(sidless)).toEqual({ ok: false, reason: "missing_sid" });
    // An empty sid names no family either.
    expect(await me(await hs256Token(AT_JWT, accessClaims(user, 600, { sid: "" })))).toEqual({ status: 401, code: "invalid_token" });
    // Control: the same shape with a sid.
    expect(await me(await hs256Token(AT_JWT, accessClaims(user)))).toEqual({ status: 200, code: null });
  });

  it("accepted and marked legacy while acceptLegacyTokens is on; a bound token with a sid is not legacy", async () => {
    const user = await registerUser();
    const sidless = await hs256Token(AT_JWT, accessClaims(user, 600, { sid: undefined }));
    expect(await me(sidless, jwtEnv({ ACCEPT_LEGACY_JWT: "on" }))).toEqual({ status: 200, code: null });
    const issuer = new IssuerCache().get(SECRET, [], { ...binding, acceptLegacy: true });
    const accepted = await issuer.verify(sidless);
    expect(accepted.ok && accepted.identity).toMatchObject({ id: user.id, legacy: true });
    expect(accepted.ok && accepted.identity.sid).toBeUndefined();
    const withSid = await issuer.verify(await hs256Token(AT_JWT, accessClaims(user)));
    expect(withSid.ok && withSid.identity.legacy).toBe(false);
  });
});

describe("the lifetime of a user's not-before stamp", () => {
  it("stampLifetime: a year with acceptLegacyTokens, ACCESS_TOKEN_TTL without", () => {
    const base = { database: () => env.GENERAL_DB, secret: SECRET, accessTokenTtl: 1234 };
    expect(stampLifetime(resolveOptions(base))).toBe(1234);
    expect(stampLifetime(resolveOptions({ ...base, acceptLegacyTokens: true }))).toBe(MAX_TTL_SECONDS);
  });

  it("logout-all without acceptLegacyTokens: the stamp expires one ACCESS_TOKEN_TTL after its instant", async () => {
    for (const ttl of [900, 1234]) {
      const e = jwtEnv({ ACCESS_TOKEN_TTL: String(ttl) });
      const user = await registerUser(e);
      const login = await loginUser(e, user.email);
      const notBeforeMs = await logoutAll(login.token, e);
      expect(await stampOf(user.id)).toEqual({ not_before_ms: notBeforeMs, expires_at: Math.floor(notBeforeMs / 1000) + ttl });
    }
  });

  it("logout-all with acceptLegacyTokens: the stamp lives a year, so a sid-less token stays refused after ACCESS_TOKEN_TTL", async () => {
    const e = jwtEnv({ ACCEPT_LEGACY_JWT: "on", ACCESS_TOKEN_TTL: "900" });
    const user = await registerUser(e);
    const login = await loginUser(e, user.email);
    // Two tokens without sid, valid for 2 hours: the seed's, and a bound one of before refresh families.
    const seed = generateJWT(user.id, user.email, user.name, SECRET, 7200);
    const bound = await hs256Token(AT_JWT, accessClaims(user, 7200, { sid: undefined }));
    for (const token of [seed, bound]) expect((await me(token, e)).status).toBe(200);
    const notBeforeMs = await logoutAll(login.token, e);
    expect(await stampOf(user.id)).toEqual({ not_before_ms: notBeforeMs, expires_at: Math.floor(notBeforeMs / 1000) + MAX_TTL_SECONDS });
    // Past one access-token lifetime, in an isolate that learns the stamp from D1.
    setClock(notBeforeMs + 905_000);
    auth.state.revocations.reset();
    for (const mode of ["cached", "strict"]) {
      for (const token of [seed, bound]) expect(await me(token, jwtEnv({ ACCEPT_LEGACY_JWT: "on", REVOCATION: mode })), mode).toEqual({ status: 401, code: "invalid_token" });
    }
    // Control: a token of this user minted now passes.
    const fresh = generateJWT(user.id, user.email, user.name, SECRET, 600);
    expect((await me(fresh, e)).status).toBe(200);
  });

  it("after lowering ACCESS_TOKEN_TTL, a JWT minted under the longer one stays refused past the short stamp (its sid row keeps its recorded expiry)", async () => {
    const long = jwtEnv({ ACCESS_TOKEN_TTL: "7200" });
    const user = await registerUser(long);
    const old = await loginUser(long, user.email);
    const e = jwtEnv({ ACCESS_TOKEN_TTL: "900" });
    const notBeforeMs = await logoutAll(old.token, e);
    expect((await stampOf(user.id)).expires_at).toBe(Math.floor(notBeforeMs / 1000) + 900);
    const sid = claimsOf<{ sid: string }>(old.token).sid;
    const row = await env.GENERAL_DB.prepare("SELECT expires_at FROM revocations WHERE kind = 'sid' AND subject = ?1").bind(sid).first<{ expires_at: number }>();
    expect(row).toEqual({ expires_at: old.expires_at });
    // The stamp has expired, the token has not.
    setClock(notBeforeMs + 905_000);
    expect(old.expires_at).toBeGreaterThan(nowS());
    auth.state.revocations.reset();
    for (const mode of ["cached", "strict"]) expect(await me(old.token, jwtEnv({ ACCESS_TOKEN_TTL: "900", REVOCATION: mode })), mode).toEqual({ status: 401, code: "invalid_token" });
  });

  it("a password reset writes its stamp with the same rule (ACCESS_TOKEN_TTL without acceptLegacyTokens, a year with)", async () => {
    for (const [overrides, lifetime] of [[{ ACCESS_TOKEN_TTL: "1234" }, 1234], [{ ACCESS_TOKEN_TTL: "1234", ACCEPT_LEGACY_JWT: "on" }, MAX_TTL_SECONDS]] as const) {
      const e = mailEnv(overrides);
      const user = await registerUser(e);
      expect((await call("POST", "/auth/password/reset/request", { env: e, json: { email: user.email } })).status).toBe(202);
      const before = Date.now();
      const done = await call("POST", "/auth/password/reset/complete", { env: e, json: { token: linkToken(user.email, "reset"), password: "a brand new passphrase 42" } });
      expect(done.status).toBe(200);
      const stamp = await stampOf(user.id);
      expect(stamp.not_before_ms).toBeGreaterThanOrEqual(before);
      expect(stamp.expires_at).toBe(Math.floor(stamp.not_before_ms / 1000) + lifetime);
    }
  });
});
