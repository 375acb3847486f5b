import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createSession } from "../src/db";
import { parseBearer } from "../src/middleware/auth";
import { sha256Hex } from "../src/utils/encoding";
import {
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  OTHER_SECRET,
  SECRET,
  accessClaims,
  call,
  countingDb,
  env,
  errorOf,
  hs256Token,
  jwtEnv,
  loginUser,
  registerUser,
  sessionEnv,
  settleIsolate,
  totalQueries,
} from "./helpers";
import type { Env } from "../demo/worker";

const now = () => Math.floor(Date.now() / 1000);

/** GET /auth/me through a query-counting binding; returns status, error code and query count. */
async function meCounting(token: string | undefined, base: (o?: Partial<Env>) => Env = jwtEnv, authorization?: string) {
  // A warm isolate: fresh revocation snapshot, no usage counts due for a flush.
  await settleIsolate();
  const { db, counts } = countingDb(env.GENERAL_DB);
  const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization };
  const options = token === undefined ? { env: base({ GENERAL_DB: db }), headers } : { env: base({ GENERAL_DB: db }), token };
  const response = await call("GET", "/auth/me", options);
  const code = response.status === 200 ? null : (await errorOf(response)).code;
  return { status: response.status, code, queries: totalQueries(counts), response };
}

/** An HS256 access JWT of the shape the core issues (typ at+jwt, iss, aud, jti, sid), signed independently with jose. */
async function foreignJwt(secret: string, claims: { sub: string; email: string; name: string; iat: number; exp: number }) {
  return new SignJWT({ email: claims.email, name: claims.name, jti: crypto.randomUUID(), sid: crypto.randomUUID() })
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
    .setIssuer(DEFAULT_ISSUER)
    .setAudience(DEFAULT_AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(new TextEncoder().encode(secret));
}

function flipChar(text: string, index: number): string {
  const c = text[index];
  return text.slice(0, index) + (c === "A" ? "B" : "A") + text.slice(index + 1);
}

describe("Authorization header parsing", () => {
  it("a missing header is 401 missing_token with a bare Bearer challenge (RFC 6750 §3.1)", async () => {
    const { status, code, response } = await meCounting(undefined);
    expect(status).toBe(401);
    expect(code).toBe("missing_token");
    expect(response.headers.get("WWW-Authenticate")).toBe('Bearer realm="hybrid-auth"');
  });

  it.each([
    ["Basic dXNlcjpwYXNz", "another scheme"],
    ["Bearer", "no token"],
    ["Bearer ", "empty token (trailing space is stripped by Headers)"],
    ["Bearer  abc", "two spaces"],
    ["Bearer\tabc", "a tab"],
    ["Bearer abc def", "two tokens"],
    ["Bearer abc, Bearer def", "two headers folded into one"],
    ["Bearer ab\u00e9c", "a non-b64token character"],
    ["Token abc", "a different scheme"],
    [`Bearer ${"a".repeat(5000)}`, "an absurdly long token"],
  ])("%j (%s) is 401 invalid_token with no D1 query", async (header) => {
    const { status, code, queries, response } = await meCounting(undefined, jwtEnv, header);
    expect(status).toBe(401);
    expect(code).toBe("invalid_token");
    expect(queries).toBe(0);
    expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="hybrid-auth", error="invalid_token"/);
  });

  it("the scheme name is case-insensitive (RFC 9110 §11.1)", async () => {
    const user = await registerUser(jwtEnv());
    const { token } = await loginUser(jwtEnv(), user.email);
    expect((await meCounting(undefined, jwtEnv, `bearer ${token}`)).status).toBe(200);
    expect((await meCounting(undefined, jwtEnv, `BEARER ${token}`)).status).toBe(200);
  });

  it("parseBearer keeps exactly the token", () => {
    expect(parseBearer("Bearer a.b.c")).toEqual({ ok: true, token: "a.b.c" });
    expect(parseBearer("Bearer abc==")).toEqual({ ok: true, token: "abc==" });
    expect(parseBearer(undefined)).toEqual({ ok: false, reason: "missing" });
    expect(parseBearer("Bearer abc ")).toEqual({ ok: false, reason: "malformed_header" });
    expect(parseBearer("Bearer =abc")).toEqual({ ok: false, reason: "malformed_header" });
  });
});

describe("JWT rejection (always zero D1 queries)", () => {
  it("a JWT signed with the right key and the core's claims is accepted (control for the cases below)", async () => {
    const user = await registerUser(jwtEnv());
    const token = await foreignJwt(SECRET, { sub: user.id, email: user.email, name: user.name, iat: now(), exp: now() + 60 });
    const { status, queries } = await meCounting(token);
    expect(status).toBe(200);
    expect(queries).toBe(0);
  });

  it("rejects an expired JWT", async () => {
    const token = await foreignJwt(SECRET, { sub: crypto.randomUUID(), email: "a@b.co", name: "A", iat: now() - 120, exp: now() - 60 });
    expect(await meCounting(token)).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
  });

  it("rejects a JWT signed with another key, by the core or by anyone else", async () => {
    const user = await registerUser(jwtEnv());
    const { token } = await loginUser(jwtEnv({ JWT_SECRET: OTHER_SECRET }), user.email);
    expect(await meCounting(token)).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
    const foreign = await foreignJwt(OTHER_SECRET, { sub: user.id, email: user.email, name: user.name, iat: now(), exp: now() + 60 });
    expect(await meCounting(foreign)).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
  });

  it("rejects a JWT whose header, payload or signature was tampered with", async () => {
    const user = await registerUser(jwtEnv());
    const { token } = await loginUser(jwtEnv(), user.email);
    const [header = "", payload = "", signature = ""] = token.split(".");
    // Escalate the claims: same signature, different payload.
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const forged = btoa(JSON.stringify({ ...claims, email: "admin@example.com" })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const variants = [
      `${header}.${forged}.${signature}`,
      `${flipChar(header, 5)}.${payload}.${signature}`,
      `${header}.${flipChar(payload, 10)}.${signature}`,
      `${header}.${payload}.${flipChar(signature, 3)}`,
      `${header}.${payload}.`,
    ];
    for (const variant of variants) {
      expect(await meCounting(variant)).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
    }
  });

  // alg pinning: only "HS256" is accepted, whatever MAC the token carries. Each token
  // below has valid claims for a real user and a signature segment that would pass the
  // MAC check (a real HMAC-SHA256 with our secret over its own header and payload), so
  // the header's alg is the only thing that can refuse it.
  it('rejects alg "none" and every other alg, even over a valid HS256 MAC', async () => {
    const user = await registerUser(jwtEnv());
    const claims = accessClaims(user);
    // Control: the same construction with alg HS256 is accepted.
    expect(await meCounting(await hs256Token({ alg: "HS256", typ: "at+jwt" }, claims))).toMatchObject({ status: 200, queries: 0 });
    for (const alg of ["none", "None", "NONE", "HS512", "HS384", "hs256", "RS256", "ES256"]) {
      const token = await hs256Token({ alg, typ: "at+jwt" }, claims);
      expect(await meCounting(token), alg).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
    }
  });

  it('rejects an unsigned alg "none" token (empty signature segment)', async () => {
    const user = await registerUser(jwtEnv());
    const signed = await hs256Token({ alg: "none", typ: "at+jwt" }, accessClaims(user));
    const unsigned = `${signed.slice(0, signed.lastIndexOf("."))}.`;
    expect(await meCounting(unsigned)).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
  });

  it("rejects a valid JWT when JWT_SECRET is not configured, without a D1 query", async () => {
    const user = await registerUser(jwtEnv());
    const { token } = await loginUser(jwtEnv(), user.email);
    expect(await meCounting(token, sessionEnv)).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
  });

  it("a JWT-shaped token whose body is a UUID is a JWT, not a session: rejected with no D1 query", async () => {
    const uuid = crypto.randomUUID();
    const token = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${uuid.replace(/-/g, "")}.c2lnbmF0dXJl`;
    expect(await meCounting(token)).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
    expect(await meCounting(token, sessionEnv)).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
  });

  it("a UUID with dots instead of dashes is neither kind: rejected with no D1 query", async () => {
    const user = await registerUser(sessionEnv());
    const { token } = await loginUser(sessionEnv(), user.email);
    const dotted = token.replace(/-/g, ".");
    expect(await meCounting(dotted)).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
    expect(await meCounting(dotted, sessionEnv)).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
  });
});

describe("session token rejection", () => {
  it("rejects an expired session (row present, expires_at in the past)", async () => {
    const user = await registerUser(sessionEnv());
    const token = crypto.randomUUID();
    await createSession(env.GENERAL_DB, { tokenHash: await sha256Hex(token), userId: user.id, expiresAt: now() - 1, createdAt: now() - 100 });
    expect(await meCounting(token, sessionEnv)).toMatchObject({ status: 401, code: "invalid_token", queries: 1 });
    // Control: the same insert with a future expiry is accepted.
    const live = crypto.randomUUID();
    await createSession(env.GENERAL_DB, { tokenHash: await sha256Hex(live), userId: user.id, expiresAt: now() + 60, createdAt: now() });
    expect(await meCounting(live, sessionEnv)).toMatchObject({ status: 200, queries: 1 });
  });

  it("an unknown UUID costs one query and is rejected", async () => {
    expect(await meCounting(crypto.randomUUID(), sessionEnv)).toMatchObject({ status: 401, code: "invalid_token", queries: 1 });
  });

  it("the stored hash itself is not a usable token", async () => {
    const user = await registerUser(sessionEnv());
    const { token } = await loginUser(sessionEnv(), user.email);
    expect(await meCounting(await sha256Hex(token), sessionEnv)).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
  });

  it.each([
    ["an upper-case UUID", () => crypto.randomUUID().toUpperCase()],
    ["a UUID v1", () => "6ba7b810-9dad-11d1-80b4-00c04fd430c8"],
    ["random text", () => "not-a-session-token"],
  ])("%s is not a session token: rejected with no D1 query", async (_label, make) => {
    expect(await meCounting(make(), sessionEnv)).toMatchObject({ status: 401, code: "invalid_token", queries: 0 });
  });

  it("a session stops working when its user is deleted", async () => {
    const user = await registerUser(sessionEnv());
    const { token } = await loginUser(sessionEnv(), user.email);
    await env.GENERAL_DB.prepare("DELETE FROM users WHERE id = ?1").bind(user.id).run();
    expect(await meCounting(token, sessionEnv)).toMatchObject({ status: 401, code: "invalid_token" });
  });
});
