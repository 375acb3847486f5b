// EdDSA access tokens and the JWKS endpoint (issue 24): the option, the route's
// caching, independent verification with WebCrypto, key rotation without logging
// anyone out, the HS256 → EdDSA switch, and algorithm confusion through the Worker.
import { KeyRing as CoreKeyRing } from "hybrid-auth";
import { KeyRing as EdDSAKeyRing, createJwksVerifier } from "hybrid-auth/eddsa";
import { AuthConfigError, createAuth, optionsFromEnv } from "hybrid-auth/hono";
import { describe, expect, it, vi } from "vitest";
import { SECRET, call, decodeJwt, errorOf, hs256Token, jwtEnv, loginUser, registerUser, accessClaims } from "./helpers";
import type { LoginBody } from "./helpers";

interface Jwk {
  kty: string;
  crv: string;
  x: string;
  d?: string;
  kid?: string;
}

async function newKey(kid: string): Promise<Jwk> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as Jwk;
  return { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d, kid };
}

const publicOf = ({ kty, crv, x, kid }: Jwk): Jwk => ({ kty, crv, x, kid: kid as string });

/** The environment that signs with `signing` and also publishes `published`. */
const eddsaEnv = (signing: Jwk, published: Jwk[] = []) =>
  jwtEnv({ JWT_SIGNING_JWK: JSON.stringify(signing), JWT_PUBLISHED_JWKS: published.length ? JSON.stringify(published) : "" });

async function jwksOf(env: ReturnType<typeof jwtEnv>): Promise<{ response: Response; keys: Jwk[] }> {
  const response = await call("GET", "/auth/.well-known/jwks.json", { env });
  const body = (await response.clone().json()) as { keys: Jwk[] };
  return { response, keys: body.keys };
}

/** Verifies with WebCrypto and the published key alone: what another service does. */
async function verifiesWith(token: string, jwk: Jwk): Promise<boolean> {
  const key = await crypto.subtle.importKey("jwk", { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
  const [h, p, s] = token.split(".") as [string, string, string];
  const sig = Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
  return crypto.subtle.verify({ name: "Ed25519" }, key, sig, new TextEncoder().encode(`${h}.${p}`));
}

async function me(env: ReturnType<typeof jwtEnv>, token: string): Promise<number> {
  return (await call("GET", "/auth/me", { env, token })).status;
}

describe("EdDSA access tokens", () => {
  it("with a signing JWK, logins issue EdDSA tokens that the published public key alone verifies", async () => {
    const k1 = await newKey("k1");
    const env = eddsaEnv(k1);
    const user = await registerUser(env);
    const { token } = await loginUser(env, user.email);
    expect(decodeJwt(token).header).toEqual({ alg: "EdDSA", typ: "at+jwt", kid: "k1" });
    const { response, keys } = await jwksOf(env);
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=300");
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(keys).toEqual([{ ...publicOf(k1), alg: "EdDSA", use: "sig" }]);
    expect(JSON.stringify(keys)).not.toContain(k1.d);
    expect(await verifiesWith(token, keys[0]!)).toBe(true);
    expect(await me(env, token)).toBe(200);
  });

  it("the Worker checks an EdDSA token's signature with WebCrypto's native Ed25519 (once per request), and a tampered one is refused", async () => {
    const k1 = await newKey("k1");
    const env = eddsaEnv(k1);
    const user = await registerUser(env);
    const { token } = await loginUser(env, user.email);
    const spy = vi.spyOn(crypto.subtle, "verify");
    try {
      expect(await me(env, token)).toBe(200);
      const ed25519Calls = () => spy.mock.calls.filter(([algorithm]) => (typeof algorithm === "string" ? algorithm : algorithm.name) === "Ed25519").length;
      expect(ed25519Calls()).toBe(1);
      const [h, p, sig] = token.split(".") as [string, string, string];
      const bytes = Uint8Array.from(atob(sig.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
      bytes[40] = bytes[40]! ^ 1; // a bit of S: the form stays valid, only the equation refuses it
      const tampered = `${h}.${p}.${btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
      const refused = await call("GET", "/auth/me", { env, token: tampered });
      expect(refused.status).toBe(401);
      expect(ed25519Calls()).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });

  it("without the option, tokens stay HS256 and the JWKS is empty (secrets are never published)", async () => {
    const env = jwtEnv();
    const user = await registerUser(env);
    const { token } = await loginUser(env, user.email);
    expect(decodeJwt(token).header.alg).toBe("HS256");
    const { response, keys } = await jwksOf(env);
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=300");
    expect(keys).toEqual([]);
    // Every other answer keeps no-store.
    expect((await call("GET", "/auth/me", { env, token })).headers.get("Cache-Control")).toBe("no-store");
  });

  it("a signing key without its private half, or of the wrong curve, makes the service misconfigured (503)", async () => {
    const k1 = await newKey("k1");
    for (const bad of [publicOf(k1), { ...k1, crv: "X25519" }, { ...k1, kid: undefined }]) {
      const response = await call("GET", "/auth/.well-known/jwks.json", { env: jwtEnv({ JWT_SIGNING_JWK: JSON.stringify(bad) }) });
      expect(response.status).toBe(503);
      expect((await errorOf(response)).code).toBe("misconfigured");
    }
  });
});

describe("the Ed25519 build is the adopter's import (issue 24: hybrid-auth itself is HS256 only)", () => {
  const database = (e: { GENERAL_DB: D1Database }) => e.GENERAL_DB;
  it("accessTokenSigning without keyRing, or with hybrid-auth's own KeyRing, is refused naming hybrid-auth/eddsa; with the Ed25519 build's it is taken", async () => {
    const k1 = await newKey("k1");
    const signing = { alg: "EdDSA" as const, key: JSON.stringify(k1) };
    expect(() => createAuth({ database, secret: SECRET, accessTokenSigning: signing } as never)).toThrow(/accessTokenSigning\.keyRing is missing: .*hybrid-auth\/eddsa/);
    expect(() => createAuth({ database, secret: SECRET, accessTokenSigning: { ...signing, keyRing: CoreKeyRing } })).toThrow(AuthConfigError);
    expect(() => createAuth({ database, secret: SECRET, accessTokenSigning: { ...signing, keyRing: CoreKeyRing } })).toThrow(/need the EdDSA build: import KeyRing from "hybrid-auth\/eddsa"/);
    expect(() => createAuth({ database, secret: SECRET, accessTokenSigning: { ...signing, keyRing: EdDSAKeyRing } })).not.toThrow();
  });

  it("optionsFromEnv with JWT_SIGNING_JWK needs eddsaKeyRing, and passes it on", async () => {
    const k1 = await newKey("k1");
    const vars = { JWT_SECRET: SECRET, JWT_SIGNING_JWK: JSON.stringify(k1) };
    expect(() => optionsFromEnv(vars, { database: () => null as unknown as D1Database })).toThrow(/JWT_SIGNING_JWK is set but optionsFromEnv got no eddsaKeyRing/);
    const options = optionsFromEnv(vars, { database: () => null as unknown as D1Database, eddsaKeyRing: EdDSAKeyRing });
    expect(options.accessTokenSigning?.keyRing).toBe(EdDSAKeyRing);
    expect(options).not.toHaveProperty("eddsaKeyRing");
  });
});

describe("JWT_PUBLISHED_JWKS", () => {
  it("publishes only the public half of a private key given there; malformed, duplicate or alone is a misconfiguration", async () => {
    const [k1, k2] = [await newKey("k1"), await newKey("k2")];
    const { keys } = await jwksOf(eddsaEnv(k1, [k2]));
    expect(keys.map((k) => k.kid)).toEqual(["k1", "k2"]);
    expect(JSON.stringify(keys)).not.toContain(k2.d);
    expect(keys[1]).toEqual({ ...publicOf(k2), alg: "EdDSA", use: "sig" });
    for (const env of [
      jwtEnv({ JWT_SIGNING_JWK: JSON.stringify(k1), JWT_PUBLISHED_JWKS: "{not json" }),
      jwtEnv({ JWT_SIGNING_JWK: JSON.stringify(k1), JWT_PUBLISHED_JWKS: JSON.stringify({ keys: [publicOf(k2)] }) }),
      eddsaEnv(k1, [publicOf({ ...k2, kid: "k1" })]),
      jwtEnv({ JWT_PUBLISHED_JWKS: JSON.stringify([publicOf(k2)]) }),
    ]) {
      const response = await call("GET", "/auth/.well-known/jwks.json", { env });
      expect(response.status).toBe(503);
      expect((await errorOf(response)).code).toBe("misconfigured");
    }
  });
});

describe("EdDSA key rotation: published before it signs, kept until its last token expires, nobody logged out", () => {
  it("walks a rotation from k1 to k2 with one login's tokens", async () => {
    const [k1, k2] = [await newKey("k1"), await newKey("k2")];
    // 1. k1 signs.
    const step1 = eddsaEnv(k1);
    const user = await registerUser(step1);
    const login = await loginUser(step1, user.email);
    expect(decodeJwt(login.token).header.kid).toBe("k1");

    // 2. k2 is published (and accepted) before it signs; k1 still signs.
    const step2 = eddsaEnv(k1, [publicOf(k2)]);
    expect((await jwksOf(step2)).keys.map((k) => k.kid)).toEqual(["k1", "k2"]);
    const during = await loginUser(step2, user.email);
    expect(decodeJwt(during.token).header.kid).toBe("k1");

    // 3. k2 signs; k1 stays published and accepted: its tokens still work.
    const step3 = eddsaEnv(k2, [publicOf(k1)]);
    const published = (await jwksOf(step3)).keys;
    expect(published.map((k) => k.kid)).toEqual(["k2", "k1"]);
    expect(await me(step3, login.token)).toBe(200);
    expect(await verifiesWith(login.token, published.find((k) => k.kid === "k1")!)).toBe(true);
    // The refresh token from before any rotation mints a k2 token: nobody is logged out.
    const refreshed = await call("POST", "/auth/refresh", { env: step3, json: { refresh_token: login.refresh_token } });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as LoginBody;
    expect(decodeJwt(next.token).header.kid).toBe("k2");
    expect(await verifiesWith(next.token, published.find((k) => k.kid === "k2")!)).toBe(true);

    // 4. k1 is dropped (after its last token expired): its tokens are refused, the session lives on.
    const step4 = eddsaEnv(k2);
    expect((await jwksOf(step4)).keys.map((k) => k.kid)).toEqual(["k2"]);
    expect(await me(step4, login.token)).toBe(401);
    expect(await me(step4, next.token)).toBe(200);
    const again = await call("POST", "/auth/refresh", { env: step4, json: { refresh_token: next.refresh_token } });
    expect(again.status).toBe(200);
  });

  it("switching from HS256 to EdDSA keeps the HS256 tokens already issued valid", async () => {
    const hsEnv = jwtEnv();
    const user = await registerUser(hsEnv);
    const before = await loginUser(hsEnv, user.email);
    expect(decodeJwt(before.token).header.alg).toBe("HS256");
    const edEnv = eddsaEnv(await newKey("k1"));
    expect(await me(edEnv, before.token)).toBe(200);
    const after = await loginUser(edEnv, user.email);
    expect(decodeJwt(after.token).header.alg).toBe("EdDSA");
    // An HS256-only deployment does not accept the EdDSA token.
    expect(await me(hsEnv, after.token)).toBe(401);
  });
});

describe("algorithm confusion through the Worker", () => {
  it("an HS256 token MAC'd with the published public key is refused, with or without its kid", async () => {
    const k1 = await newKey("k1");
    const env = eddsaEnv(k1);
    const user = await registerUser(env);
    const claims = accessClaims(user);
    const x = k1.x;
    const raw = atob(x.replace(/-/g, "+").replace(/_/g, "/"));
    for (const secret of [x, raw]) {
      for (const header of [{ alg: "HS256", typ: "at+jwt", kid: "k1" }, { alg: "HS256", typ: "at+jwt" }]) {
        const forged = await hs256Token(header, claims, secret);
        const response = await call("GET", "/auth/me", { env, token: forged });
        expect(response.status).toBe(401);
      }
    }
    // The same claims MAC'd with the real HS256 secret still pass: the refusal above is the key's.
    expect(await me(env, await hs256Token({ alg: "HS256", typ: "at+jwt" }, claims, SECRET))).toBe(200);
  });
});

describe("createJwksVerifier inside workerd", () => {
  it("verifies this server's EdDSA tokens from its JWKS route, through caches.default", async () => {
    const k1 = await newKey("k1");
    const env = eddsaEnv(k1);
    const user = await registerUser(env);
    const { token } = await loginUser(env, user.email);
    let fetched = 0;
    // A URL of its own, so no other test's entry in caches.default answers for it.
    const jwksUrl = `https://auth.test/auth/.well-known/jwks.json?run=${crypto.randomUUID()}`;
    const make = () =>
      createJwksVerifier({
        jwksUrl,
        issuer: "hybrid-auth",
        audience: "hybrid-auth",
        tokenType: "at+jwt",
        fetch: async () => {
          fetched += 1;
          return call("GET", "/auth/.well-known/jwks.json", { env });
        },
      });
    const first = await make().verify(token);
    expect(first.ok && first.claims.sub).toBe(user.id);
    // A second verifier (a new isolate) finds the set in the Cache API.
    expect((await make().verify(token)).ok).toBe(true);
    expect(fetched).toBe(1);
    const forged = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(await make().verify(forged)).toEqual({ ok: false, reason: "bad_signature" });
  });
});
