import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { handleError } from "hybrid-auth/hono";
import { countSessions, findUserByEmail } from "../src/db";
import { PASSWORD, auth, batchFailsAtEnd, brokenDb, call, countingDb, env, errorOf, jwtEnv, loginUser, registerUser, sessionEnv, settleIsolate, totalQueries, uniqueEmail } from "./helpers";
import type { AppEnv } from "../src/types";

afterEach(() => vi.restoreAllMocks());

async function expect503(response: Response) {
  expect(response.status).toBe(503);
  expect(response.headers.get("Retry-After")).toMatch(/^[1-9][0-9]*$/);
  const text = await response.text();
  expect(JSON.parse(text)).toEqual({ error: { code: "service_unavailable", message: expect.any(String) } });
  // Nothing of the underlying failure leaks.
  expect(text).not.toMatch(/D1_ERROR|Network|table_that_does_not_exist|at /);
}

describe("D1 failures → 503 service_unavailable + Retry-After, no partial writes", () => {
  it("register with the database down writes nothing", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const email = uniqueEmail("down");
    await expect503(
      await call("POST", "/auth/register", { env: jwtEnv({ GENERAL_DB: brokenDb(env.GENERAL_DB) }), json: { email, password: PASSWORD, name: "N" } }),
    );
    expect(await findUserByEmail(env.GENERAL_DB, email)).toBeNull();
  });

  it("login (either mode) with the database down", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const user = await registerUser(jwtEnv());
    for (const e of [jwtEnv, sessionEnv]) {
      const response = await call("POST", "/auth/login", {
        env: e({ GENERAL_DB: brokenDb(env.GENERAL_DB) }),
        json: { email: user.email, password: PASSWORD },
      });
      await expect503(response);
    }
  });

  it("a session login whose batch fails half-way leaves no session row (atomic batch)", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const user = await registerUser(sessionEnv());
    // An expired session the batch's DELETE would remove if it were not rolled back.
    await loginUser(sessionEnv({ SESSION_TTL: "1" }), user.email);
    await env.GENERAL_DB.prepare("UPDATE sessions SET expires_at = 1 WHERE user_id = ?1").bind(user.id).run();
    expect(await countSessions(env.GENERAL_DB, user.id)).toBe(1);

    const response = await call("POST", "/auth/login", {
      env: sessionEnv({ GENERAL_DB: batchFailsAtEnd(env.GENERAL_DB) }),
      json: { email: user.email, password: PASSWORD },
    });
    await expect503(response);
    // Neither the new INSERT nor the DELETE of the expired row survived.
    const rows = await env.GENERAL_DB.prepare("SELECT expires_at FROM sessions WHERE user_id = ?1").bind(user.id).all<{ expires_at: number }>();
    expect(rows.results).toEqual([{ expires_at: 1 }]);

    // Control: the same login on the healthy binding replaces it.
    await loginUser(sessionEnv(), user.email);
    const after = await env.GENERAL_DB.prepare("SELECT expires_at FROM sessions WHERE user_id = ?1").bind(user.id).all<{ expires_at: number }>();
    expect(after.results).toHaveLength(1);
    expect(after.results[0]?.expires_at).toBeGreaterThan(Date.now() / 1000);
  });

  it("/auth/me and logout with a session token when the database is down", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const user = await registerUser(sessionEnv());
    const { token } = await loginUser(sessionEnv(), user.email);
    const down = sessionEnv({ GENERAL_DB: brokenDb(env.GENERAL_DB) });
    await expect503(await call("GET", "/auth/me", { env: down, token }));
    await expect503(await call("POST", "/auth/logout", { env: down, token }));
    // The session survived the failed logout.
    expect((await call("GET", "/auth/me", { env: sessionEnv(), token })).status).toBe(200);
  });

  it("no query on the hot path: a JWT /auth/me in cached mode with a warm snapshot runs exactly 0 D1 statements", async () => {
    const user = await registerUser(jwtEnv());
    const { token } = await loginUser(jwtEnv(), user.email);
    // Warm: the revocation snapshot just loaded, no usage counts pending
    // (defaults: snapshot good for 30 s, usage flushed every 100 events or 60 s).
    await settleIsolate();
    const cached = countingDb(env.GENERAL_DB);
    for (let i = 0; i < 20; i++) {
      const me = await call("GET", "/auth/me", { env: jwtEnv({ GENERAL_DB: cached.db, REVOCATION: "cached" }), token });
      expect(me.status, `request ${i}`).toBe(200);
    }
    // call() waits for ctx.waitUntil work too, so background statements would be counted.
    expect(cached.counts).toEqual({ prepare: 0, batch: 0, exec: 0, other: 0 });
    // Control: the counter does see the auth path's statements. Strict mode
    // reads the revocations on every JWT request (the same token, same binding).
    const strict = countingDb(env.GENERAL_DB);
    const me = await call("GET", "/auth/me", { env: jwtEnv({ GENERAL_DB: strict.db, REVOCATION: "strict" }), token });
    expect(me.status).toBe(200);
    expect(totalQueries(strict.counts)).toBeGreaterThan(0);
  });

  it("with a warm snapshot, a JWT keeps working while the database is down", async () => {
    const user = await registerUser(jwtEnv());
    const { token } = await loginUser(jwtEnv(), user.email);
    await settleIsolate();
    const me = await call("GET", "/auth/me", { env: jwtEnv({ GENERAL_DB: brokenDb(env.GENERAL_DB), REVOCATION: "cached" }), token });
    expect(me.status).toBe(200);
  });
});

describe("misconfiguration fails closed", () => {
  it("a JWT_SECRET under 32 bytes: 503 misconfigured on every auth route, one log line, nothing signed", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const user = await registerUser(sessionEnv());
    const weak = jwtEnv({ JWT_SECRET: "only-31-bytes-long-secret-12345" });
    expect(new TextEncoder().encode(weak.JWT_SECRET).byteLength).toBe(31);

    const login = await call("POST", "/auth/login", { env: weak, json: { email: user.email, password: PASSWORD } });
    expect(login.status).toBe(503);
    const loginText = await login.text();
    expect(JSON.parse(loginText)).toEqual({ error: { code: "misconfigured", message: expect.any(String) } });
    expect(loginText).not.toContain("token");
    expect(loginText).not.toContain(weak.JWT_SECRET);

    const me = await call("GET", "/auth/me", { env: weak, token: crypto.randomUUID() });
    expect(me.status).toBe(503);
    expect((await errorOf(me)).code).toBe("misconfigured");
    const reg = await call("POST", "/auth/register", { env: weak, json: { email: uniqueEmail(), password: PASSWORD, name: "N" } });
    expect(reg.status).toBe(503);

    // Every declared route (auth.routes is ROUTES, routes.ts), each with a
    // plausible body and a token: 503 misconfigured, nothing signed or set.
    const { token } = await loginUser(jwtEnv(), user.email);
    expect(auth.routes.length).toBeGreaterThanOrEqual(25);
    for (const route of auth.routes) {
      const path = `/auth${route.path.replace(/:id\b/g, crypto.randomUUID())}`;
      const json = route.method === "GET" || route.method === "DELETE" ? undefined : { email: user.email, password: PASSWORD, name: "N", token: "t".repeat(43) };
      const response = await call(route.method, path, { env: weak, token, ...(json === undefined ? {} : { json }) });
      const text = await response.text();
      expect(response.status, `${route.method} ${route.path}: ${text}`).toBe(503);
      expect(JSON.parse(text), `${route.method} ${route.path}`).toEqual({ error: { code: "misconfigured", message: expect.any(String) } });
      expect(response.headers.get("Set-Cookie"), `${route.method} ${route.path}`).toBeNull();
    }

    // Every refused request, one log line (31 bytes is used by no other test,
    // so this isolate cannot have reported it before).
    const lines = log.mock.calls.map((args) => String(args[0])).filter((l) => l.includes("JWT_SECRET"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/misconfigured.*JWT_SECRET is 31 bytes; at least 32/);
    expect(lines[0]).not.toContain(weak.JWT_SECRET);
  });

  it("a 32-byte secret is enough", async () => {
    const user = await registerUser(jwtEnv());
    const login = await loginUser(jwtEnv({ JWT_SECRET: "exactly-32-bytes-long-secret-123" }), user.email);
    expect(login.token_type).toBe("jwt");
  });

  it("an empty JWT_SECRET means session mode, like the seed's `if (c.env.JWT_SECRET)`", async () => {
    const user = await registerUser(jwtEnv());
    expect((await loginUser(jwtEnv({ JWT_SECRET: "" }), user.email)).token_type).toBe("session");
  });

  it.each(["abc", "-5", "0", "7d", "1e5", "99999999999"])("ACCESS_TOKEN_TTL=%j → 503 misconfigured", async (ttl) => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await call("GET", "/auth/me", { env: jwtEnv({ ACCESS_TOKEN_TTL: ttl }), token: crypto.randomUUID() });
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe("misconfigured");
  });

  it("/health does not depend on configuration", async () => {
    const response = await call("GET", "/health", { env: jwtEnv({ JWT_SECRET: "short" }) });
    expect(response.status).toBe(200);
  });
});

describe("every other error is JSON too", () => {
  it("unknown route → 404 not_found", async () => {
    const response = await call("GET", "/nope");
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe("not_found");
  });

  it.each([
    ["GET", "/auth/login", "POST"],
    ["GET", "/auth/register", "POST"],
    ["POST", "/auth/me", "GET"],
    ["GET", "/auth/logout", "POST"],
  ])("%s %s → 405 method_not_allowed with Allow: %s", async (method, path, allow) => {
    const response = await call(method, path);
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe(allow);
    expect((await errorOf(response)).code).toBe("method_not_allowed");
  });

  it("an unexpected exception → 500 internal_error without message or stack", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const probe = new Hono<AppEnv>();
    probe.get("/boom", () => {
      throw new TypeError("secret internals at line 42");
    });
    probe.onError(handleError);
    const response = await probe.request("/boom");
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "internal_error", message: "internal error" } });
    expect(text).not.toContain("secret internals");
    expect(log).toHaveBeenCalled();
  });
});
