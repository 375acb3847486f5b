/**
 * Cookie mode (issue 15): a login that asks for it gets its refresh token in
 * an HttpOnly `__Host-` cookie; /refresh reads, rotates and re-sets it; logout
 * clears it; requests that use it pass the CSRF checks (Origin /
 * Sec-Fetch-Site, and X-Requested-With: hybrid-auth); hostile input gets a
 * JSON error and changes nothing. Bearer mode is unchanged.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../demo/worker";
import type { Env } from "../demo/worker";
import { csrfVerdict } from "../src/browser/csrf";
import { sha256Hex } from "../src/utils/encoding";
import { PASSWORD, call, env, errorOf, jwtEnv, loginUser, randomClientIp, registerUser, sessionEnv } from "./helpers";
import type { LoginBody } from "./helpers";

const SELF = "https://auth.test"; // the origin of call()'s requests
const APP = "https://app.example.com";
const COOKIE = "__Host-hybrid-auth-refresh";
const CSRF = { Origin: SELF, "X-Requested-With": "hybrid-auth" };
const cookieEnv = (extra: Partial<Env> = {}) => jwtEnv({ REFRESH_COOKIE: "strict", CORS_ORIGINS: APP, ...extra });

interface CookieLogin extends Omit<LoginBody, "refresh_token"> {
  refresh?: "cookie";
  refresh_token?: string;
}

/** The one Set-Cookie of a response, split into its value and attributes. */
function setCookieOf(response: Response): { name: string; value: string; attributes: string[] } | null {
  const all = response.headers.getAll("Set-Cookie");
  if (all.length === 0) return null;
  expect(all).toHaveLength(1);
  const [pair, ...attributes] = (all[0] as string).split("; ");
  const eq = (pair as string).indexOf("=");
  return { name: (pair as string).slice(0, eq), value: (pair as string).slice(eq + 1), attributes };
}

async function cookieLogin(e: Env, email: string, headers: Record<string, string> = CSRF): Promise<{ response: Response; body: CookieLogin }> {
  const response = await call("POST", "/auth/login", { env: e, headers, json: { email, password: PASSWORD, refresh: "cookie" } });
  return { response, body: (await response.clone().json()) as CookieLogin };
}

/** A signed-in user in cookie mode: the cookie's value (what the browser would hold) and the access token. */
async function cookieSession(e: Env = cookieEnv()) {
  const user = await registerUser(e);
  const { response, body } = await cookieLogin(e, user.email);
  expect(response.status, await response.clone().text()).toBe(200);
  const cookie = setCookieOf(response);
  if (!cookie) throw new Error("no Set-Cookie");
  return { user, e, cookie: cookie.value, token: body.token };
}

function cookieRefresh(e: Env, cookie: string, headers: Record<string, string> = CSRF, json: unknown = {}) {
  return call("POST", "/auth/refresh", { env: e, headers: { ...headers, Cookie: `theme=dark; ${COOKIE}=${cookie}; other=1` }, json });
}

async function familiesOf(userId: string): Promise<number> {
  const row = await env.GENERAL_DB.prepare("SELECT COUNT(*) AS n FROM refresh_families WHERE user_id = ?1").bind(userId).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Sends through the Worker with any URL (the dev fallback depends on it). */
async function send(url: string, init: RequestInit & { headers?: Record<string, string> }, e: Env): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.body !== undefined && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  headers.set("CF-Connecting-IP", randomClientIp());
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(url, { ...init, headers }), e, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("cookie-mode login", () => {
  it("puts the refresh token in an HttpOnly, Secure, SameSite=Strict __Host- cookie for the refresh lifetime, and not in the body", async () => {
    const e = cookieEnv();
    const user = await registerUser(e);
    const { response, body } = await cookieLogin(e, user.email);
    expect(response.status).toBe(200);
    expect(body.token_type).toBe("jwt");
    expect(body.refresh).toBe("cookie");
    expect(body.refresh_token).toBeUndefined();
    const cookie = setCookieOf(response);
    expect(cookie?.name).toBe(COOKIE);
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie?.attributes.slice(0, 1)).toEqual(["Path=/"]);
    expect(cookie?.attributes).toEqual(expect.arrayContaining(["HttpOnly", "Secure", "SameSite=Strict"]));
    expect(cookie?.attributes.some((a) => a.startsWith("Domain"))).toBe(false);
    const maxAge = Number(cookie?.attributes.find((a) => a.startsWith("Max-Age="))?.slice(8));
    const remaining = (body.refresh_expires_at as number) - Math.floor(Date.now() / 1000);
    expect(Math.abs(maxAge - remaining)).toBeLessThanOrEqual(2);
    expect(maxAge).toBeGreaterThan(86_400);
    // The access token stays in the body, for the page's memory.
    expect((await call("GET", "/auth/me", { env: e, token: body.token })).status).toBe(200);
  });

  it("uses SameSite=Lax with REFRESH_COOKIE=lax", async () => {
    const e = jwtEnv({ REFRESH_COOKIE: "lax" });
    const user = await registerUser(e);
    const { response } = await cookieLogin(e, user.email);
    expect(setCookieOf(response)?.attributes).toContain("SameSite=Lax");
  });

  it("leaves bearer mode unchanged when cookie mode is on: no refresh field, no cookie, no CSRF header needed", async () => {
    const e = cookieEnv();
    const user = await registerUser(e);
    const login = await call("POST", "/auth/login", { env: e, json: { email: user.email, password: PASSWORD, refresh: "body" } });
    expect(login.status).toBe(200);
    expect(login.headers.getAll("Set-Cookie")).toEqual([]);
    const body = (await login.json()) as LoginBody;
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const refreshed = await call("POST", "/auth/refresh", { env: e, json: { refresh_token: body.refresh_token } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.getAll("Set-Cookie")).toEqual([]);
    expect(((await refreshed.json()) as LoginBody).refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("refuses a cookie login when cookie mode is off, before any credential work, and writes nothing", async () => {
    const e = jwtEnv();
    const user = await registerUser(e);
    const { response } = await cookieLogin(e, user.email);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("refresh_cookie_disabled");
    expect(response.headers.getAll("Set-Cookie")).toEqual([]);
    expect(await familiesOf(user.id)).toBe(0);
    // Even a wrong password gets the same answer: the mode is checked first.
    const wrong = await call("POST", "/auth/login", { env: e, headers: CSRF, json: { email: user.email, password: "wrong password!", refresh: "cookie" } });
    expect((await errorOf(wrong)).code).toBe("refresh_cookie_disabled");
  });

  it("refuses an unknown delivery with invalid_field", async () => {
    const e = cookieEnv();
    const response = await call("POST", "/auth/login", { env: e, headers: CSRF, json: { email: "a@b.example", password: PASSWORD, refresh: "localStorage" } });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("invalid_field");
  });

  it("holds a cookie login to the CSRF checks, and a refused one writes nothing", async () => {
    const e = cookieEnv();
    const user = await registerUser(e);
    const cases: [Record<string, string>, string][] = [
      [{ Origin: SELF }, "csrf_header_missing"],
      [{ Origin: SELF, "X-Requested-With": "XMLHttpRequest" }, "csrf_header_missing"],
      [{ Origin: "https://evil.example", "X-Requested-With": "hybrid-auth" }, "origin_not_allowed"],
      [{ Origin: "null", "X-Requested-With": "hybrid-auth" }, "origin_not_allowed"],
      [{ "Sec-Fetch-Site": "cross-site", "X-Requested-With": "hybrid-auth" }, "origin_not_allowed"],
      [{ "Sec-Fetch-Site": "same-site", "X-Requested-With": "hybrid-auth" }, "origin_not_allowed"],
    ];
    for (const [headers, code] of cases) {
      const { response } = await cookieLogin(e, user.email, headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect((await errorOf(response)).code, JSON.stringify(headers)).toBe(code);
      expect(response.headers.getAll("Set-Cookie")).toEqual([]);
    }
    expect(await familiesOf(user.id)).toBe(0);
    // Allowed: an allowlisted CORS origin; same-origin fetch metadata; a client that sends neither header.
    const allowed: Record<string, string>[] = [
      { Origin: APP, "Sec-Fetch-Site": "cross-site", "X-Requested-With": "hybrid-auth" },
      { "Sec-Fetch-Site": "same-origin", "X-Requested-With": "hybrid-auth" },
      { "X-Requested-With": "hybrid-auth" },
    ];
    for (const headers of allowed) {
      const { response } = await cookieLogin(e, user.email, headers);
      expect(response.status, JSON.stringify(headers)).toBe(200);
    }
    expect(await familiesOf(user.id)).toBe(3);
  });

  it("works for a passkey login too, and a refused one does not spend the challenge", async () => {
    const { SoftAuthenticator } = await import("./passkeyAuthenticator");
    const e = cookieEnv();
    const user = await registerUser(e);
    const first = await loginUser(e, user.email);
    const authenticator = await SoftAuthenticator.create("ES256");
    const regOptions = (await (await call("POST", "/auth/passkey/register/options", { env: e, token: first.token })).json()) as { options: never };
    const registered = await call("POST", "/auth/passkey/register/verify", { env: e, token: first.token, json: { response: await authenticator.register(regOptions.options) } });
    expect(registered.status).toBe(201);
    const loginOptions = (await (await call("POST", "/auth/passkey/login/options", { env: e })).json()) as { options: never };
    const assertion = await authenticator.assert(loginOptions.options);
    const refused = await call("POST", "/auth/passkey/login/verify", { env: e, headers: { Origin: SELF }, json: { response: assertion, refresh: "cookie" } });
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("csrf_header_missing");
    const ok = await call("POST", "/auth/passkey/login/verify", { env: e, headers: CSRF, json: { response: assertion, refresh: "cookie" } });
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(((await ok.json()) as CookieLogin).refresh).toBe("cookie");
    expect(setCookieOf(ok)?.name).toBe(COOKIE);
  });
});

describe("cookie-mode refresh", () => {
  it("reads the cookie, rotates it and sets the new one; the body carries only the access token", async () => {
    const { e, cookie } = await cookieSession();
    const response = await cookieRefresh(e, cookie);
    expect(response.status, await response.clone().text()).toBe(200);
    const body = (await response.json()) as CookieLogin;
    expect(body.refresh).toBe("cookie");
    expect(body.refresh_token).toBeUndefined();
    const next = setCookieOf(response);
    expect(next?.name).toBe(COOKIE);
    expect(next?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(next?.value).not.toBe(cookie);
    expect(next?.attributes).toEqual(expect.arrayContaining(["Path=/", "HttpOnly", "Secure", "SameSite=Strict"]));
    expect((await call("GET", "/auth/me", { env: e, token: body.token })).status).toBe(200);
    // The new cookie refreshes again; the old one is now retired.
    expect((await cookieRefresh(e, next?.value as string)).status).toBe(200);
  });

  it("answers two simultaneous refreshes of one cookie with one rotation and one 409 that leaves the cookie alone", async () => {
    const { e, cookie } = await cookieSession();
    const answers = await Promise.all([cookieRefresh(e, cookie), cookieRefresh(e, cookie)]);
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    const lost = answers.find((r) => r.status === 409) as Response;
    expect((await errorOf(lost)).code).toBe("refresh_token_rotated");
    expect(lost.headers.getAll("Set-Cookie")).toEqual([]);
    const won = answers.find((r) => r.status === 200) as Response;
    expect((await cookieRefresh(e, setCookieOf(won)?.value as string)).status).toBe(200);
  });

  it("applies the CSRF checks before anything else: a refused request rotates nothing", async () => {
    const { e, cookie } = await cookieSession();
    const cases: [Record<string, string>, string][] = [
      [{ Origin: SELF }, "csrf_header_missing"],
      [{}, "csrf_header_missing"],
      [{ Origin: "https://evil.example", "X-Requested-With": "hybrid-auth" }, "origin_not_allowed"],
      [{ Origin: "https://auth.test.evil.example", "X-Requested-With": "hybrid-auth" }, "origin_not_allowed"],
      [{ "Sec-Fetch-Site": "cross-site", "X-Requested-With": "hybrid-auth" }, "origin_not_allowed"],
    ];
    for (const [headers, code] of cases) {
      const response = await cookieRefresh(e, cookie, headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect((await errorOf(response)).code).toBe(code);
      expect(response.headers.getAll("Set-Cookie")).toEqual([]);
    }
    // A cross-site HTML form post (urlencoded body, no custom header) is refused by the CSRF check, not by the media type.
    const form = await call("POST", "/auth/refresh", {
      env: e,
      headers: { Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded", Cookie: `${COOKIE}=${cookie}` },
      body: "refresh=1",
    });
    expect(form.status).toBe(403);
    expect((await errorOf(form)).code).toBe("origin_not_allowed");
    // Nothing was rotated: the cookie still refreshes.
    expect((await cookieRefresh(e, cookie)).status).toBe(200);
  });

  it("accepts an allowlisted CORS origin", async () => {
    const { e, cookie } = await cookieSession();
    const response = await cookieRefresh(e, cookie, { Origin: APP, "X-Requested-With": "hybrid-auth" });
    expect(response.status).toBe(200);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(APP);
  });

  it("refuses a cookie together with a refresh_token in the body as ambiguous, and rotates neither", async () => {
    const e = cookieEnv();
    const { cookie, user } = await cookieSession(e);
    const bearer = await loginUser(e, user.email);
    const response = await cookieRefresh(e, cookie, CSRF, { refresh_token: bearer.refresh_token });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("refresh_token_ambiguous");
    expect((await cookieRefresh(e, cookie)).status).toBe(200);
    expect((await call("POST", "/auth/refresh", { env: e, json: { refresh_token: bearer.refresh_token } })).status).toBe(200);
  });

  it("refuses an oversized, malformed or duplicated cookie with invalid_cookie and clears it", async () => {
    const { e, cookie } = await cookieSession();
    const headers = (value: string) => ({ ...CSRF, Cookie: value });
    const cases = [
      `${COOKIE}=${"A".repeat(4000)}`, // oversized
      `${COOKIE}=${cookie.slice(0, 42)}`, // too short
      `${COOKIE}=${cookie.slice(0, 42)}!`, // not base64url
      `${COOKIE}="${cookie}"`, // quoted: not how we set it
      `${COOKIE}=${cookie}; ${COOKIE}=${cookie}`, // sent twice (a tossed cookie)
      `${COOKIE}=`, // empty
    ];
    for (const value of cases) {
      const response = await call("POST", "/auth/refresh", { env: e, headers: headers(value), json: {} });
      expect(response.status, value.slice(0, 80)).toBe(400);
      expect((await errorOf(response)).code).toBe("invalid_cookie");
      const cleared = setCookieOf(response);
      expect(cleared?.name).toBe(COOKIE);
      expect(cleared?.value).toBe("");
      expect(cleared?.attributes).toContain("Max-Age=0");
    }
    // None of this consumed the real token.
    expect((await cookieRefresh(e, cookie)).status).toBe(200);
  });

  it("clears the cookie when its token is unknown or reused, but not on the 409 of a concurrent tab", async () => {
    const { e, cookie } = await cookieSession();
    const unknown = await cookieRefresh(e, "A".repeat(42) + "A");
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).code).toBe("invalid_refresh_token");
    expect(setCookieOf(unknown)?.attributes).toContain("Max-Age=0");
    expect((await cookieRefresh(e, cookie)).status).toBe(200);
    const again = await cookieRefresh(e, cookie); // within the grace window: a concurrent tab
    expect(again.status).toBe(409);
    expect(again.headers.getAll("Set-Cookie")).toEqual([]);
    // Past the grace window (backdated as refresh.test.ts does): a replayed copy.
    await env.GENERAL_DB.prepare("UPDATE refresh_tokens SET used_at = used_at - 11 WHERE token_hash = ?1").bind(await sha256Hex(cookie)).run();
    const late = await cookieRefresh(e, cookie);
    expect(late.status).toBe(401);
    expect((await errorOf(late)).code).toBe("refresh_token_reused");
    expect(setCookieOf(late)?.attributes).toContain("Max-Age=0");
  });

  it("ignores cookies when cookie mode is off: a body-less refresh is still missing_field", async () => {
    const { cookie } = await cookieSession();
    const response = await cookieRefresh(jwtEnv(), cookie);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("missing_field");
  });
});

describe("logout in cookie mode", () => {
  it("logout clears the cookie and the cookie no longer refreshes", async () => {
    const { e, cookie, token } = await cookieSession();
    const response = await call("POST", "/auth/logout", { env: e, token });
    expect(response.status).toBe(200);
    const cleared = setCookieOf(response);
    expect(cleared?.name).toBe(COOKIE);
    expect(cleared?.value).toBe("");
    expect(cleared?.attributes).toEqual(expect.arrayContaining(["Max-Age=0", "Path=/", "HttpOnly", "Secure"]));
    const after = await cookieRefresh(e, cookie);
    expect(after.status).toBe(401);
    expect((await errorOf(after)).code).toBe("invalid_refresh_token");
  });

  it("logout-all clears the cookie too", async () => {
    const { e, cookie, token } = await cookieSession();
    const response = await call("POST", "/auth/logout-all", { env: e, token });
    expect(response.status).toBe(200);
    expect(setCookieOf(response)?.attributes).toContain("Max-Age=0");
    expect((await cookieRefresh(e, cookie)).status).toBe(401);
  });

  it("sends no Set-Cookie on logout when cookie mode is off", async () => {
    const e = jwtEnv();
    const user = await registerUser(e);
    const login = await loginUser(e, user.email);
    const response = await call("POST", "/auth/logout", { env: e, token: login.token });
    expect(response.status).toBe(200);
    expect(response.headers.getAll("Set-Cookie")).toEqual([]);
  });
});

describe("local development fallback", () => {
  it("on http://localhost and 127.0.0.1: an unprefixed cookie without Secure, read back by /refresh", async () => {
    const e = cookieEnv();
    const user = await registerUser(e);
    for (const origin of ["http://localhost:8787", "http://127.0.0.1:8787"]) {
      const headers = { Origin: origin, "X-Requested-With": "hybrid-auth" };
      const login = await send(`${origin}/auth/login`, { method: "POST", headers, body: JSON.stringify({ email: user.email, password: PASSWORD, refresh: "cookie" }) }, e);
      expect(login.status, await login.clone().text()).toBe(200);
      const cookie = setCookieOf(login);
      expect(cookie?.name).toBe("hybrid-auth-refresh");
      expect(cookie?.attributes).not.toContain("Secure");
      expect(cookie?.attributes).toEqual(expect.arrayContaining(["Path=/", "HttpOnly", "SameSite=Strict"]));
      const refreshed = await send(`${origin}/auth/refresh`, { method: "POST", headers: { ...headers, Cookie: `hybrid-auth-refresh=${cookie?.value}` }, body: "{}" }, e);
      expect(refreshed.status).toBe(200);
      expect(setCookieOf(refreshed)?.name).toBe("hybrid-auth-refresh");
    }
  });

  it("refuses cookie mode on plain http off loopback, and never reads the unprefixed name over https", async () => {
    const e = cookieEnv();
    const user = await registerUser(e);
    const plain = await send("http://auth.example.com/auth/login", {
      method: "POST",
      headers: { Origin: "http://auth.example.com", "X-Requested-With": "hybrid-auth" },
      body: JSON.stringify({ email: user.email, password: PASSWORD, refresh: "cookie" }),
    }, e);
    expect(plain.status).toBe(400);
    expect((await errorOf(plain)).code).toBe("refresh_cookie_disabled");
    const { cookie } = await cookieSession(e);
    const wrongName = await call("POST", "/auth/refresh", { env: e, headers: { ...CSRF, Cookie: `hybrid-auth-refresh=${cookie}` }, json: {} });
    expect(wrongName.status).toBe(400);
    expect((await errorOf(wrongName)).code).toBe("missing_field");
  });
});

describe("cookie-mode configuration", () => {
  it("refuses a bad REFRESH_COOKIE, and cookie mode without a JWT secret, as 503 misconfigured", async () => {
    for (const e of [jwtEnv({ REFRESH_COOKIE: "on" }), jwtEnv({ REFRESH_COOKIE: "none" }), sessionEnv({ REFRESH_COOKIE: "strict" })]) {
      const response = await call("POST", "/auth/login", { env: e, json: { email: "a@b.example", password: PASSWORD } });
      expect(response.status).toBe(503);
      expect((await errorOf(response)).code).toBe("misconfigured");
    }
  });
});

describe("csrfVerdict", () => {
  const base = { ownOrigin: SELF, allowedOrigins: [APP], customHeader: "hybrid-auth", origin: null, secFetchSite: null };
  it.each([
    [{ origin: SELF }, true],
    [{ origin: APP }, true],
    [{ origin: APP, secFetchSite: "cross-site" }, true],
    [{ origin: "https://evil.example" }, false],
    [{ origin: "https://evil.example", secFetchSite: "same-origin" }, false],
    [{ origin: "null" }, false],
    [{ secFetchSite: "same-origin" }, true],
    [{ secFetchSite: "none" }, true],
    [{ secFetchSite: "same-site" }, false],
    [{ secFetchSite: "cross-site" }, false],
    [{}, true],
    [{ origin: SELF, customHeader: null }, false],
    [{ origin: SELF, customHeader: "1" }, false],
    [{ customHeader: null }, false],
  ] as const)("%j → allowed %s", (input, ok) => {
    expect(csrfVerdict({ ...base, ...input }).ok).toBe(ok);
  });
});
