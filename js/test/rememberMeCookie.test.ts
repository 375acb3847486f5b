/**
 * "Don't remember me" in cookie mode (issue 19 §5). A `remember: false`
 * login that asks for the refresh cookie gets a SESSION cookie (no Max-Age,
 * no Expires), which the browser drops when it closes; the server still ends
 * the login after SHORT_REFRESH_TOKEN_TTL. The refresh family keeps the
 * choice (refresh_families.remember, migration 0006), so every rotation sets
 * a session cookie again. A remembered login keeps Max-Age = the refresh
 * token's remaining lifetime.
 */
import { describe, expect, it } from "vitest";
import type { Env } from "../demo/worker";
import { PASSWORD, call, env, errorOf, jwtEnv, loginUser, registerUser } from "./helpers";

const SELF = "https://auth.test"; // the origin of call()'s requests
const COOKIE = "__Host-hybrid-auth-refresh";
const CSRF = { Origin: SELF, "X-Requested-With": "hybrid-auth" };
/** A short lifetime no default uses (the default is 86400), so the cap seen below is this one. */
const SHORT_TTL = 5_400;
const cookieEnv = (extra: Partial<Env> = {}) => jwtEnv({ REFRESH_COOKIE: "strict", SHORT_REFRESH_TOKEN_TTL: String(SHORT_TTL), ...extra });
const now = () => Math.floor(Date.now() / 1000);

interface CookieAnswer {
  token: string;
  refresh?: "cookie";
  refresh_token?: string;
  refresh_expires_at: number;
}

/** The one Set-Cookie of a response: its value and attributes (names compared case-insensitively by the callers). */
function setCookieOf(response: Response): { name: string; value: string; attributes: string[] } {
  const all = response.headers.getAll("Set-Cookie");
  expect(all).toHaveLength(1);
  const [pair, ...attributes] = (all[0] as string).split("; ");
  const eq = (pair as string).indexOf("=");
  return { name: (pair as string).slice(0, eq), value: (pair as string).slice(eq + 1), attributes };
}

const hasAttribute = (attributes: string[], name: string) => attributes.some((a) => a.toLowerCase().startsWith(`${name.toLowerCase()}=`));
const maxAgeOf = (attributes: string[]) => Number(attributes.find((a) => a.startsWith("Max-Age="))?.slice("Max-Age=".length));

/** A session cookie: what the browser forgets on close. The security attributes are unchanged. */
function expectSessionCookie(response: Response): string {
  const cookie = setCookieOf(response);
  expect(cookie.name).toBe(COOKIE);
  expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(hasAttribute(cookie.attributes, "Max-Age"), cookie.attributes.join("; ")).toBe(false);
  expect(hasAttribute(cookie.attributes, "Expires"), cookie.attributes.join("; ")).toBe(false);
  expect(cookie.attributes).toEqual(expect.arrayContaining(["Path=/", "HttpOnly", "Secure", "SameSite=Strict"]));
  return cookie.value;
}

/** A persistent cookie whose Max-Age is the refresh token's remaining lifetime. */
function expectPersistentCookie(response: Response, body: CookieAnswer): string {
  const cookie = setCookieOf(response);
  expect(cookie.name).toBe(COOKIE);
  expect(hasAttribute(cookie.attributes, "Expires")).toBe(false);
  const maxAge = maxAgeOf(cookie.attributes);
  expect(Math.abs(maxAge - (body.refresh_expires_at - now()))).toBeLessThanOrEqual(2);
  return cookie.value;
}

function cookieLogin(e: Env, email: string, remember?: boolean) {
  const json = remember === undefined ? { email, password: PASSWORD, refresh: "cookie" } : { email, password: PASSWORD, remember, refresh: "cookie" };
  return call("POST", "/auth/login", { env: e, headers: CSRF, json });
}

function cookieRefresh(e: Env, cookie: string) {
  return call("POST", "/auth/refresh", { env: e, headers: { ...CSRF, Cookie: `${COOKIE}=${cookie}` }, json: {} });
}

async function answerOf(response: Response): Promise<CookieAnswer> {
  expect(response.status, await response.clone().text()).toBe(200);
  const body = (await response.json()) as CookieAnswer;
  expect(body.refresh).toBe("cookie");
  expect(body.refresh_token).toBeUndefined();
  return body;
}

describe("remember: false in cookie mode", () => {
  it("a password login gets a session cookie (no Max-Age, no Expires), and the server still caps it at SHORT_REFRESH_TOKEN_TTL", async () => {
    const e = cookieEnv();
    const user = await registerUser(e);
    const before = now();
    const response = await cookieLogin(e, user.email, false);
    const body = await answerOf(response);
    expectSessionCookie(response);
    // The server's cap is the short one, not the 30-day default.
    expect(body.refresh_expires_at).toBeGreaterThanOrEqual(before + SHORT_TTL);
    expect(body.refresh_expires_at).toBeLessThanOrEqual(now() + SHORT_TTL);
    const family = await env.GENERAL_DB.prepare("SELECT remember, expires_at FROM refresh_families WHERE user_id = ?1")
      .bind(user.id)
      .first<{ remember: number; expires_at: number }>();
    expect(family).toEqual({ remember: 0, expires_at: body.refresh_expires_at });
    // The access token of that login works.
    expect((await call("GET", "/auth/me", { env: e, token: body.token })).status).toBe(200);
  });

  it("every refresh of such a login sets a session cookie again, and the server's short cap still ends it", async () => {
    const e = cookieEnv();
    const user = await registerUser(e);
    const login = await cookieLogin(e, user.email, false);
    await answerOf(login);
    let cookie = expectSessionCookie(login);
    for (let round = 0; round < 2; round++) {
      const before = now();
      const refreshed = await cookieRefresh(e, cookie);
      const body = await answerOf(refreshed);
      const next = expectSessionCookie(refreshed);
      expect(next).not.toBe(cookie);
      cookie = next;
      expect(body.refresh_expires_at).toBeGreaterThanOrEqual(before + SHORT_TTL);
      expect(body.refresh_expires_at).toBeLessThanOrEqual(now() + SHORT_TTL);
    }
    // A browser that stays open past the server's cap is refused: the session
    // cookie never lengthens the login. (The expiry is moved, not waited for.)
    await env.GENERAL_DB.prepare("UPDATE refresh_tokens SET expires_at = ?2 WHERE user_id = ?1").bind(user.id, now() - 1).run();
    const late = await cookieRefresh(e, cookie);
    expect(late.status).toBe(401);
    expect((await errorOf(late)).code).toBe("invalid_refresh_token");
    expect(setCookieOf(late).attributes).toContain("Max-Age=0");
  });

  it("a passkey login with remember: false gets a session cookie too", async () => {
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
    const response = await call("POST", "/auth/passkey/login/verify", { env: e, headers: CSRF, json: { response: assertion, remember: false, refresh: "cookie" } });
    await answerOf(response);
    const cookie = expectSessionCookie(response);
    expectSessionCookie(await cookieRefresh(e, cookie));
    // The first passkey verify in an isolate loads the WebAuthn code; the machine may be busy.
  }, 30_000);
});

describe("remember: true (or absent) in cookie mode", () => {
  for (const remember of [true, undefined]) {
    it(`keeps a persistent cookie (Max-Age = the refresh lifetime left) at login and after each refresh (remember ${String(remember)})`, async () => {
      const e = cookieEnv();
      const user = await registerUser(e);
      const login = await cookieLogin(e, user.email, remember);
      const body = await answerOf(login);
      let cookie = expectPersistentCookie(login, body);
      // The long lifetime (REFRESH_TOKEN_TTL, 30 days), far above the short one.
      expect(maxAgeOf(setCookieOf(login).attributes)).toBeGreaterThan(SHORT_TTL * 100);
      for (let round = 0; round < 2; round++) {
        const refreshed = await cookieRefresh(e, cookie);
        cookie = expectPersistentCookie(refreshed, await answerOf(refreshed));
      }
    });
  }
});
