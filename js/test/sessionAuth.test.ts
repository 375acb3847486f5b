import { describe, expect, it, vi } from "vitest";
import { call, countingDb, env, errorOf, jwtEnv, loginUser, registerUser, sessionEnv, settleIsolate, totalQueries } from "./helpers";

describe("phase 3: SESSION_AUTH", () => {
  it("accept (default): session tokens work, no deprecation headers", async () => {
    const user = await registerUser(sessionEnv());
    const { token } = await loginUser(sessionEnv(), user.email);
    const response = await call("GET", "/auth/me", { token });
    expect(response.status).toBe(200);
    expect(response.headers.get("Deprecation")).toBeNull();
    expect(response.headers.get("Sunset")).toBeNull();
  });

  it("deprecated: session-authenticated responses carry Deprecation (RFC 9745) and Sunset (RFC 8594); JWT ones do not", async () => {
    const e = jwtEnv({ SESSION_AUTH: "deprecated", SESSION_DEPRECATED_AT: "2026-12-01T00:00:00Z", SESSION_SUNSET: "2027-03-01T00:00:00Z" });
    const user = await registerUser(sessionEnv());
    const session = await loginUser(sessionEnv(), user.email);
    const jwt = await loginUser(e, user.email);

    const me = await call("GET", "/auth/me", { env: e, token: session.token });
    expect(me.status).toBe(200);
    expect(me.headers.get("Deprecation")).toBe(`@${Date.UTC(2026, 11, 1) / 1000}`);
    expect(me.headers.get("Deprecation")).toMatch(/^@[0-9]+$/);
    expect(me.headers.get("Sunset")).toBe("Mon, 01 Mar 2027 00:00:00 GMT");
    // Also on the other session-authenticated routes (here: logout).
    const logout = await call("POST", "/auth/logout", { env: e, token: session.token });
    expect(logout.status).toBe(200);
    expect(logout.headers.get("Deprecation")).toBe(`@${Date.UTC(2026, 11, 1) / 1000}`);

    const viaJwt = await call("GET", "/auth/me", { env: e, token: jwt.token });
    expect(viaJwt.status).toBe(200);
    expect(viaJwt.headers.get("Deprecation")).toBeNull();
    expect(viaJwt.headers.get("Sunset")).toBeNull();
  });

  it("deprecated without SESSION_DEPRECATED_AT still sends a Deprecation date; Unix seconds are accepted", async () => {
    const user = await registerUser(sessionEnv());
    const { token } = await loginUser(sessionEnv(), user.email);
    const response = await call("GET", "/auth/me", { env: jwtEnv({ SESSION_AUTH: "deprecated", SESSION_SUNSET: "1803859200" }), token });
    expect(response.headers.get("Deprecation")).toMatch(/^@[0-9]+$/);
    expect(response.headers.get("Sunset")).toBe(new Date(1803859200 * 1000).toUTCString());
  });

  it("off: a session token is refused with 401 session_auth_disabled and no D1 query; JWTs work", async () => {
    const e = jwtEnv({ SESSION_AUTH: "off" });
    const user = await registerUser(sessionEnv());
    const session = await loginUser(sessionEnv(), user.email);
    const jwt = await loginUser(e, user.email);
    await settleIsolate();
    const { db, counts } = countingDb(env.GENERAL_DB);
    const response = await call("GET", "/auth/me", { env: jwtEnv({ SESSION_AUTH: "off", GENERAL_DB: db }), token: session.token });
    expect(response.status).toBe(401);
    const error = await errorOf(response);
    expect(error.code).toBe("session_auth_disabled");
    expect(error.message).toMatch(/log in again/);
    expect(response.headers.get("WWW-Authenticate")).toMatch(/error="invalid_token"/);
    expect(totalQueries(counts)).toBe(0);
    expect((await call("GET", "/auth/me", { env: e, token: jwt.token })).status).toBe(200);
    // Logins issue JWTs in this mode.
    expect((await loginUser(e, user.email)).token_type).toBe("jwt");
  });

  it("bad settings fail closed: unknown mode, bad date, and deprecated/off without JWT_SECRET", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const bad of [
      jwtEnv({ SESSION_AUTH: "maybe" }),
      jwtEnv({ SESSION_AUTH: "deprecated", SESSION_SUNSET: "next spring" }),
      sessionEnv({ SESSION_AUTH: "off" }),
      sessionEnv({ SESSION_AUTH: "deprecated" }),
    ]) {
      const response = await call("GET", "/auth/me", { env: bad, token: crypto.randomUUID() });
      expect(response.status).toBe(503);
      expect((await errorOf(response)).code).toBe("misconfigured");
    }
    vi.restoreAllMocks();
  });
});
