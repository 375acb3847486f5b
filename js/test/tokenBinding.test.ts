/**
 * Issue 19 §3: access JWTs are bound to this server (RFC 8725 §3.9-3.11, RFC 9068).
 * Every access token is issued with `typ: "at+jwt"`, `iss`, `aud` and `jti`, and only
 * such a token is accepted: a JWT signed with the same secret for another audience,
 * by another issuer, or without the access-token type is refused. Seed-era tokens (no
 * typ/iss/aud) pass only while ACCEPT_LEGACY_JWT (acceptLegacyTokens) is on, and the
 * usage report counts them. Tokens are minted here with WebCrypto (helpers.ts
 * hs256Token), independently of the code under test.
 */
import { env as workerEnv } from "cloudflare:workers";
import { generateJWT } from "hybrid-auth";
import { createAuth } from "hybrid-auth/hono";
import { describe, expect, it, vi } from "vitest";
import { resolveOptions } from "../src/config";
import { optionsFromEnv } from "../src/envOptions";
import {
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  PASSWORD,
  SECRET,
  accessClaims,
  call,
  decodeJwt,
  env,
  errorOf,
  hs256Token,
  independentKid,
  jwtEnv,
  loginUser,
  registerUser,
  settleIsolate,
} from "./helpers";
import type { LoginBody } from "./helpers";
import type { Env } from "../demo/worker";

const AT_JWT = { alg: "HS256", typ: "at+jwt" };
const legacyEnv = (overrides: Partial<Env> = {}) => jwtEnv({ ACCEPT_LEGACY_JWT: "on", ...overrides });

async function meStatus(token: string, e: Env = jwtEnv()): Promise<{ status: number; code: string | null }> {
  const response = await call("GET", "/auth/me", { env: e, token });
  return { status: response.status, code: response.status === 200 ? null : (await errorOf(response)).code };
}

const REFUSED = { status: 401, code: "invalid_token" };

describe("issued access tokens are bound", () => {
  it("a login's and a refresh's access token carry typ at+jwt, iss, aud and a jti", async () => {
    const user = await registerUser();
    const login = await loginUser(jwtEnv(), user.email);
    const refreshed = (await (await call("POST", "/auth/refresh", { json: { refresh_token: login.refresh_token } })).json()) as LoginBody;
    for (const token of [login.token, refreshed.token]) {
      const { header, claims } = decodeJwt(token);
      expect(header).toMatchObject({ alg: "HS256", typ: "at+jwt" });
      expect(claims).toMatchObject({ iss: DEFAULT_ISSUER, aud: DEFAULT_AUDIENCE, sub: user.id });
      expect(claims.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(decodeJwt(login.token).claims.jti).not.toBe(decodeJwt(refreshed.token).claims.jti);
  });

  it("JWT_ISSUER and JWT_AUDIENCE name the binding; a token of another binding is refused", async () => {
    const mine = jwtEnv({ JWT_ISSUER: "https://auth.example.com", JWT_AUDIENCE: "https://api.example.com" });
    const user = await registerUser(mine);
    const { token } = await loginUser(mine, user.email);
    expect(decodeJwt(token).claims).toMatchObject({ iss: "https://auth.example.com", aud: "https://api.example.com" });
    expect((await meStatus(token, mine)).status).toBe(200);
    // Same secret, default binding: the token names an issuer and audience that are not this deployment's.
    expect(await meStatus(token, jwtEnv())).toEqual(REFUSED);
    expect(await meStatus(token, jwtEnv({ JWT_ISSUER: "https://auth.example.com" }))).toEqual(REFUSED);
    expect(await meStatus(token, jwtEnv({ JWT_AUDIENCE: "https://api.example.com" }))).toEqual(REFUSED);
  });
});

describe("hooks.extraClaims cannot rebind a token", () => {
  it.each(["iss", "aud"])("a hook that sets %s fails the login (500), no token is issued", async (claim) => {
    const custom = createAuth({ database: (e: { GENERAL_DB: D1Database }) => e.GENERAL_DB, secret: SECRET, hooks: { extraClaims: () => ({ [claim]: "billing-service" }) } });
    const user = await registerUser();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await custom.app.request(
      "/login",
      { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: user.email, password: PASSWORD }) },
      workerEnv,
    );
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("eyJ");
    expect(errors.mock.calls.map((args) => args.map(String).join(" ")).join("\n")).toContain(`reserved claim "${claim}"`);
    errors.mockRestore();
  });
});

describe("tokens signed with our secret for something else are refused", () => {
  it("control: an independently signed token of the bound shape is accepted", async () => {
    const user = await registerUser();
    expect((await meStatus(await hs256Token(AT_JWT, accessClaims(user)))).status).toBe(200);
  });

  it('a token for another audience (aud "billing-service", a list without ours, or none) is refused', async () => {
    const user = await registerUser();
    for (const aud of ["billing-service", ["billing-service", "reports"], undefined, ""]) {
      const token = await hs256Token(AT_JWT, accessClaims(user, 600, { aud }));
      expect(await meStatus(token), JSON.stringify(aud)).toEqual(REFUSED);
    }
    // Ours among several audiences is ours (RFC 7519 §4.1.3).
    expect((await meStatus(await hs256Token(AT_JWT, accessClaims(user, 600, { aud: ["billing-service", DEFAULT_AUDIENCE] })))).status).toBe(200);
  });

  it("a token from a foreign issuer (or none) is refused", async () => {
    const user = await registerUser();
    for (const iss of ["https://evil.example", "hybrid-auth-staging", "HYBRID-AUTH", undefined]) {
      const token = await hs256Token(AT_JWT, accessClaims(user, 600, { iss }));
      expect(await meStatus(token), String(iss)).toEqual(REFUSED);
    }
  });

  it('without typ, or with typ "JWT" or another type, a bound token is refused by default', async () => {
    const user = await registerUser();
    for (const header of [{ alg: "HS256" }, { alg: "HS256", typ: "JWT" }, { alg: "HS256", typ: "dpop+jwt" }, { alg: "HS256", typ: "id_token+jwt" }]) {
      const token = await hs256Token(header, accessClaims(user));
      expect(await meStatus(token), JSON.stringify(header)).toEqual(REFUSED);
    }
    // The type compares as a media type (RFC 7515 §4.1.9).
    for (const typ of ["AT+JWT", "application/at+jwt"]) {
      expect((await meStatus(await hs256Token({ alg: "HS256", typ }, accessClaims(user)))).status, typ).toBe(200);
    }
  });

  it("a token without a jti is refused (it could not be logged out on its own), bound or legacy", async () => {
    const user = await registerUser();
    const bound = await hs256Token(AT_JWT, accessClaims(user, 600, { jti: undefined }));
    expect(await meStatus(bound)).toEqual(REFUSED);
    const legacy = await hs256Token({ alg: "HS256", typ: "JWT" }, accessClaims(user, 600, { jti: undefined, iss: undefined, aud: undefined }));
    expect(await meStatus(legacy, legacyEnv())).toEqual(REFUSED);
    // Controls: the same tokens with a jti pass.
    expect((await meStatus(await hs256Token(AT_JWT, accessClaims(user))))).toEqual({ status: 200, code: null });
    const legacyWithJti = await hs256Token({ alg: "HS256", typ: "JWT" }, accessClaims(user, 600, { iss: undefined, aud: undefined }));
    expect(await meStatus(legacyWithJti, legacyEnv())).toEqual({ status: 200, code: null });
  });
});

describe("seed-era tokens: only with ACCEPT_LEGACY_JWT=on", () => {
  /** The seed's own token (generateJWT: typ JWT, no kid, no iss/aud) and a v3 one from before binding (kid, typ JWT). */
  async function legacyTokens(user: { id: string; email: string; name: string }): Promise<string[]> {
    const seed = generateJWT(user.id, user.email, user.name, SECRET, 600);
    const v3 = await hs256Token({ alg: "HS256", typ: "JWT", kid: await independentKid(SECRET) }, accessClaims(user, 600, { iss: undefined, aud: undefined }));
    const untyped = await hs256Token({ alg: "HS256" }, accessClaims(user, 600, { iss: undefined, aud: undefined }));
    return [seed, v3, untyped];
  }

  it("refused by default, accepted with the option on", async () => {
    const user = await registerUser();
    for (const token of await legacyTokens(user)) {
      expect(await meStatus(token)).toEqual(REFUSED);
      expect(await meStatus(token, jwtEnv({ ACCEPT_LEGACY_JWT: "off" }))).toEqual(REFUSED);
      expect(await meStatus(token, legacyEnv())).toEqual({ status: 200, code: null });
    }
  });

  it("a legacy token still expires and still needs our key", async () => {
    const user = await registerUser();
    const expired = generateJWT(user.id, user.email, user.name, SECRET, 1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await meStatus(expired, legacyEnv())).toEqual(REFUSED);
    const otherKey = generateJWT(user.id, user.email, user.name, "another-secret-0123456789abcdefghijklmnopqrs", 600);
    expect(await meStatus(otherKey, legacyEnv())).toEqual(REFUSED);
  });

  it("a token naming a foreign iss or aud is refused even with the option on", async () => {
    const user = await registerUser();
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ alg: "HS256", typ: "JWT" }, { iss: undefined, aud: "billing-service" }],
      [{ alg: "HS256", typ: "JWT" }, { iss: "https://evil.example", aud: undefined }],
      [{ alg: "HS256" }, { iss: undefined, aud: ["billing-service"] }],
      [{ alg: "HS256" }, { iss: "https://evil.example", aud: "billing-service" }],
      [AT_JWT, { aud: "billing-service" }],
      [AT_JWT, { iss: "https://evil.example" }],
      // Typed as an access token but unbound: not what the seed ever issued.
      [AT_JWT, { iss: undefined, aud: undefined }],
    ];
    for (const [header, extra] of cases) {
      const token = await hs256Token(header, accessClaims(user, 600, extra));
      expect(await meStatus(token, legacyEnv()), JSON.stringify([header, extra])).toEqual(REFUSED);
    }
  });

  it("the usage report counts accepted legacy tokens (legacy_jwt), and only those", async () => {
    const admin = await registerUser();
    await env.GENERAL_DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?1").bind(admin.id).run();
    const adminToken = (await loginUser(jwtEnv(), admin.email)).token;
    const legacyOf = async (e: Env) => {
      await settleIsolate();
      const response = await call("GET", "/auth/usage?days=1", { env: e, token: adminToken });
      expect(response.status).toBe(200);
      return ((await response.json()) as { legacy_jwt: { accepted: boolean; count: number; last_seen: number | null } }).legacy_jwt;
    };
    const before = await legacyOf(jwtEnv());
    expect(before.accepted).toBe(false);

    const user = await registerUser();
    const [seed = "", v3 = ""] = await legacyTokens(user);
    // Refused ones (option off) and bound ones are not legacy authentications.
    expect((await meStatus(seed)).status).toBe(401);
    expect((await meStatus(await hs256Token(AT_JWT, accessClaims(user)), legacyEnv())).status).toBe(200);
    const startedAt = Math.floor(Date.now() / 1000);
    const accepted = [seed, v3, seed];
    for (const token of accepted) expect((await meStatus(token, legacyEnv())).status).toBe(200);

    const after = await legacyOf(legacyEnv());
    expect(after.accepted).toBe(true);
    expect(after.count - before.count).toBe(accepted.length);
    expect(after.last_seen).toBeGreaterThanOrEqual(startedAt);
  });
});

describe("binding options", () => {
  const base = { database: () => env.GENERAL_DB };

  it("defaults: issuer and audience \"hybrid-auth\", legacy tokens refused", () => {
    expect(resolveOptions(base as never).tokenBinding).toEqual({ issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE, acceptLegacy: false });
  });

  it("issuer, audience and acceptLegacyTokens are checked once, by name", () => {
    for (const [option, value] of [
      ["issuer", ""],
      ["issuer", 7],
      ["issuer", "x".repeat(513)],
      ["audience", "bad\naudience"],
      ["audience", null],
      ["acceptLegacyTokens", "on"],
    ] as const) {
      expect(() => resolveOptions({ ...base, [option]: value } as never), `${option}=${JSON.stringify(value)}`).toThrow(option);
    }
    expect(resolveOptions({ ...base, issuer: "https://a.example", audience: "api", acceptLegacyTokens: true } as never).tokenBinding).toEqual({
      issuer: "https://a.example",
      audience: "api",
      acceptLegacy: true,
    });
  });

  it("optionsFromEnv reads JWT_ISSUER, JWT_AUDIENCE and ACCEPT_LEGACY_JWT", () => {
    const options = optionsFromEnv({ JWT_ISSUER: "https://a.example", JWT_AUDIENCE: "api", ACCEPT_LEGACY_JWT: "on" } as Env, base);
    expect(options).toMatchObject({ issuer: "https://a.example", audience: "api", acceptLegacyTokens: true });
    expect(optionsFromEnv({ ACCEPT_LEGACY_JWT: "off" } as Env, base).acceptLegacyTokens).toBe(false);
    expect(() => optionsFromEnv({ ACCEPT_LEGACY_JWT: "yes" } as Env, base)).toThrow("ACCEPT_LEGACY_JWT");
  });
});
