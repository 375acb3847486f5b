import { describe, expect, it } from "vitest";
import { countSessions } from "../src/db";
import { isJWT } from "../src/utils/jwt";
import { sha256Hex } from "../src/utils/encoding";
import {
  PASSWORD,
  call,
  countingDb,
  env,
  errorOf,
  jwtEnv,
  loginUser,
  registerUser,
  sessionEnv,
  settleIsolate,
  totalQueries,
  uniqueEmail,
} from "./helpers";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const now = () => Math.floor(Date.now() / 1000);

describe("JWT mode (JWT_SECRET set)", () => {
  it("register → login issues a JWT that lives ACCESS_TOKEN_TTL (the demo's: 900 s) → /auth/me → logout", async () => {
    const user = await registerUser(jwtEnv());
    const login = await loginUser(jwtEnv(), user.email);
    expect(login.token_type).toBe("jwt");
    expect(isJWT(login.token)).toBe(true);
    expect(login.user).toEqual(user);
    // wrangler.jsonc sets the library's default explicitly.
    expect(jwtEnv().ACCESS_TOKEN_TTL).toBe("900");
    expect(Math.abs(login.expires_at - (now() + Number(jwtEnv().ACCESS_TOKEN_TTL)))).toBeLessThanOrEqual(2);
    // A JWT login writes no session.
    expect(await countSessions(env.GENERAL_DB, user.id)).toBe(0);

    const me = await call("GET", "/auth/me", { token: login.token });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ user, token_type: "jwt", expires_at: login.expires_at, email_verified: false });

    const logout = await call("POST", "/auth/logout", { token: login.token });
    expect(logout.status).toBe(200);
    // Since the lifecycle work a JWT logout revokes the jti (and its refresh family).
    expect(await logout.json()).toMatchObject({ logged_out: true, token_type: "jwt", revoked: true });
    const after = await call("GET", "/auth/me", { token: login.token });
    expect(after.status).toBe(401);
    expect((await errorOf(after)).code).toBe("invalid_token");
  });

  it("honours ACCESS_TOKEN_TTL", async () => {
    const user = await registerUser(jwtEnv());
    for (const ttl of [600, 604_800]) {
      const login = await loginUser(jwtEnv({ ACCESS_TOKEN_TTL: String(ttl) }), user.email);
      expect(Math.abs(login.expires_at - (now() + ttl))).toBeLessThanOrEqual(2);
    }
  });

  it("authenticates a JWT with zero D1 queries (counted on the real binding)", async () => {
    const user = await registerUser(jwtEnv());
    const { token } = await loginUser(jwtEnv(), user.email);
    // A warm isolate: fresh revocation snapshot, no usage counts due for a flush
    // (both are bounded background costs, tested in lifecycle tests).
    await settleIsolate();
    const { db, counts } = countingDb(env.GENERAL_DB);
    const me = await call("GET", "/auth/me", { env: jwtEnv({ GENERAL_DB: db }), token });
    expect(me.status).toBe(200);
    expect(totalQueries(counts)).toBe(0);

    // The counter does count: the same wrapper sees the session lookup.
    const session = await loginUser(sessionEnv(), user.email);
    const again = await call("GET", "/auth/me", { env: jwtEnv({ GENERAL_DB: db }), token: session.token });
    expect(again.status).toBe(200);
    expect(counts.prepare).toBe(1);
  });
});

describe("session mode (no JWT_SECRET)", () => {
  it("register → login issues a UUID v4 session → /auth/me → logout ends it", async () => {
    const user = await registerUser(sessionEnv());
    const login = await loginUser(sessionEnv(), user.email);
    expect(login.token_type).toBe("session");
    expect(login.token).toMatch(UUID_V4);
    expect(login.user).toEqual(user);
    expect(Math.abs(login.expires_at - (now() + 604_800))).toBeLessThanOrEqual(2);

    const me = await call("GET", "/auth/me", { env: sessionEnv(), token: login.token });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ user, token_type: "session", expires_at: login.expires_at, email_verified: false });

    const logout = await call("POST", "/auth/logout", { env: sessionEnv(), token: login.token });
    expect(logout.status).toBe(200);
    expect(await logout.json()).toMatchObject({ logged_out: true, token_type: "session", revoked: true });
    expect(await countSessions(env.GENERAL_DB, user.id)).toBe(0);

    const after = await call("GET", "/auth/me", { env: sessionEnv(), token: login.token });
    expect(after.status).toBe(401);
    expect((await errorOf(after)).code).toBe("invalid_token");
    // Logging out twice is just an invalid token.
    expect((await call("POST", "/auth/logout", { env: sessionEnv(), token: login.token })).status).toBe(401);
  });

  it("stores only the SHA-256 of the session token", async () => {
    const user = await registerUser(sessionEnv());
    const { token } = await loginUser(sessionEnv(), user.email);
    const rows = await env.GENERAL_DB.prepare("SELECT token_hash FROM sessions WHERE user_id = ?1")
      .bind(user.id)
      .all<{ token_hash: string }>();
    expect(rows.results.map((r) => r.token_hash)).toEqual([await sha256Hex(token)]);
    expect(JSON.stringify(rows.results)).not.toContain(token);
  });

  it("honours SESSION_TTL", async () => {
    const user = await registerUser(sessionEnv());
    const login = await loginUser(sessionEnv({ SESSION_TTL: "3600" }), user.email);
    expect(Math.abs(login.expires_at - (now() + 3600))).toBeLessThanOrEqual(2);
  });

  it("a session token issued in session mode still works after JWT_SECRET is set (phase 1)", async () => {
    const user = await registerUser(sessionEnv());
    const session = await loginUser(sessionEnv(), user.email);
    const me = await call("GET", "/auth/me", { env: jwtEnv(), token: session.token });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { token_type: string }).token_type).toBe("session");
    // ...while new logins now get JWTs, and the old session can still log out.
    expect((await loginUser(jwtEnv(), user.email)).token_type).toBe("jwt");
    expect((await call("POST", "/auth/logout", { env: jwtEnv(), token: session.token })).status).toBe(200);
    expect((await call("GET", "/auth/me", { env: jwtEnv(), token: session.token })).status).toBe(401);
  });

  it("each login is its own session; logout ends only the one presented", async () => {
    const user = await registerUser(sessionEnv());
    const a = await loginUser(sessionEnv(), user.email);
    const b = await loginUser(sessionEnv(), user.email);
    expect(a.token).not.toBe(b.token);
    await call("POST", "/auth/logout", { env: sessionEnv(), token: a.token });
    expect((await call("GET", "/auth/me", { env: sessionEnv(), token: a.token })).status).toBe(401);
    expect((await call("GET", "/auth/me", { env: sessionEnv(), token: b.token })).status).toBe(200);
  });
});

describe("credentials", () => {
  it("answers a wrong password and an unknown email identically (401 invalid_credentials)", async () => {
    const user = await registerUser(jwtEnv());
    const wrong = await call("POST", "/auth/login", { json: { email: user.email, password: "wrong password!" } });
    const unknown = await call("POST", "/auth/login", { json: { email: uniqueEmail("nobody"), password: PASSWORD } });
    for (const response of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="hybrid-auth", error="invalid_token"/);
    }
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it("accepts the email in any case and with surrounding spaces", async () => {
    const user = await registerUser(jwtEnv());
    const login = await call("POST", "/auth/login", { json: { email: `  ${user.email.toUpperCase()} `, password: PASSWORD } });
    expect(login.status).toBe(200);
  });

  it("does not trim or otherwise alter the password", async () => {
    const user = await registerUser(jwtEnv());
    const padded = await call("POST", "/auth/login", { json: { email: user.email, password: ` ${PASSWORD}` } });
    expect(padded.status).toBe(401);
  });

  it("a short password at login is just a wrong password, not a 400", async () => {
    const user = await registerUser(jwtEnv());
    const response = await call("POST", "/auth/login", { json: { email: user.email, password: "x" } });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("invalid_credentials");
  });

  it("login responses are never cacheable", async () => {
    const user = await registerUser(jwtEnv());
    const response = await call("POST", "/auth/login", { json: { email: user.email, password: PASSWORD } });
    expect(response.headers.get("Cache-Control")).toBe("no-store");
  });
});
