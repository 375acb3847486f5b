/**
 * Issue 20: browser apps (CORS and cookie mode) are the browserApps plugin.
 * Without it the auth sub-app sends no CORS header, a login asking for the
 * refresh cookie is refused, a refresh ignores any cookie, and auth.cors()
 * says which plugin it needs; with it the same requests work. The full
 * behaviour of both features is in cors.test.ts and cookies.test.ts (through
 * the demo, which mounts the plugin).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { AuthConfigError, createAuth, handleError } from "hybrid-auth/hono";
import type { AuthOptions, AuthPlugin } from "hybrid-auth/hono";
import { CSRF_HEADER, CSRF_HEADER_VALUE, REFRESH_COOKIE_NAME, browserApps } from "hybrid-auth/browser";
import { PASSWORD, SECRET, env, randomClientIp, uniqueEmail } from "./helpers";

interface TestEnv {
  GENERAL_DB: D1Database;
}

const APP = "http://localhost:5173";
const CORE = { database: (e: TestEnv) => e.GENERAL_DB, secret: SECRET, clientIp: "cf-connecting-ip" } satisfies AuthOptions<TestEnv>;
const BROWSER = browserApps({ cors: { origins: [APP] }, cookies: { mode: "on" } });

function mount(plugins: readonly AuthPlugin[], options: Partial<AuthOptions<TestEnv>> = {}) {
  const auth = createAuth({ ...CORE, ...options, plugins });
  const app = new Hono<{ Bindings: TestEnv }>();
  app.route("/auth", auth.app);
  app.onError(handleError);
  return async (method: string, path: string, headers: Record<string, string> = {}, json?: unknown) => {
    const ctx = createExecutionContext();
    const all = new Headers({ "CF-Connecting-IP": randomClientIp(), ...headers });
    if (json !== undefined) all.set("Content-Type", "application/json");
    const response = await app.fetch(new Request(`http://localhost:8787${path}`, { method, headers: all, body: json === undefined ? null : JSON.stringify(json) }), env, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
}

async function registered(send: ReturnType<typeof mount>): Promise<string> {
  const email = uniqueEmail("browser-plugin");
  const created = await send("POST", "/auth/register", {}, { email, password: PASSWORD, name: "Ada" });
  expect(created.status, await created.clone().text()).toBe(201);
  return email;
}

const preflight = { Origin: APP, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" };
const cookieLogin = (email: string) => ({ email, password: PASSWORD, refresh: "cookie" });

describe("without browserApps()", () => {
  const send = mount([]);

  it("sends no CORS header: a preflight is not answered as CORS and an answer carries no Access-Control-Allow-Origin", async () => {
    const pre = await send("OPTIONS", "/auth/login", preflight);
    expect(pre.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(pre.status).not.toBe(204);
    const me = await send("GET", "/auth/me", { Origin: APP });
    expect(me.status).toBe(401);
    expect(me.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("refuses a login that asks for the refresh cookie (400 refresh_cookie_disabled) and sets no cookie", async () => {
    const email = await registered(send);
    const response = await send("POST", "/auth/login", { Origin: "http://localhost:8787", [CSRF_HEADER]: CSRF_HEADER_VALUE }, cookieLogin(email));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("refresh_cookie_disabled");
    expect(response.headers.get("Set-Cookie")).toBeNull();
  });

  it("ignores a refresh cookie: the refresh token must be in the body (400 missing_field)", async () => {
    const response = await send("POST", "/auth/refresh", { Cookie: `${REFRESH_COOKIE_NAME}=${"a".repeat(43)}`, [CSRF_HEADER]: CSRF_HEADER_VALUE }, {});
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("missing_field");
  });

  it("auth.cors() throws an AuthConfigError naming the plugin", () => {
    const auth = createAuth({ ...CORE });
    expect(() => auth.cors()).toThrow(AuthConfigError);
    expect(() => auth.cors()).toThrow(/browserApps plugin/);
  });
});

describe("with browserApps()", () => {
  const send = mount([BROWSER]);

  it("answers an allowed origin's preflight with 204 and its CORS headers", async () => {
    const pre = await send("OPTIONS", "/auth/login", preflight);
    expect(pre.status).toBe(204);
    expect(pre.headers.get("Access-Control-Allow-Origin")).toBe(APP);
    expect(pre.headers.get("Access-Control-Allow-Credentials")).toBe("true");
  });

  it("puts the refresh token of a cookie-mode login in an HttpOnly cookie, not in the body", async () => {
    const email = await registered(send);
    const response = await send("POST", "/auth/login", { Origin: "http://localhost:8787", [CSRF_HEADER]: CSRF_HEADER_VALUE }, cookieLogin(email));
    expect(response.status, await response.clone().text()).toBe(200);
    const body = (await response.json()) as { refresh?: string; refresh_token?: string };
    expect(body.refresh).toBe("cookie");
    expect(body.refresh_token).toBeUndefined();
    expect(response.headers.get("Set-Cookie")).toMatch(new RegExp(`^${REFRESH_COOKIE_NAME}=[A-Za-z0-9_-]{43};.*HttpOnly`));
  });

  it("refuses cookie mode without a secret: every auth route answers 503 misconfigured", async () => {
    const sessionMode = mount([BROWSER], { secret: null });
    const response = await sessionMode("GET", "/auth/me");
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("misconfigured");
  });
});
