/**
 * Issue 19 §9: the refresh cookie's name by origin (browser/cookies.ts):
 * `__Host-hybrid-auth-refresh` (Secure) on https, the fallback
 * `hybrid-auth-refresh` without Secure on loopback http, which includes the
 * IPv6 loopback http://[::1] (LOOPBACK_HOSTS); any other plain-http host
 * cannot use cookie mode. Each login is read back by /refresh under the
 * same name. (Max-Age is another test's business.)
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../demo/worker";
import type { Env } from "../demo/worker";
import { PASSWORD, errorOf, jwtEnv, randomClientIp, registerUser } from "./helpers";

const cookieEnv = () => jwtEnv({ REFRESH_COOKIE: "strict" });

async function send(url: string, init: { method: string; headers: Record<string, string>; body: string }, e: Env): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json");
  headers.set("CF-Connecting-IP", randomClientIp());
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(url, { method: init.method, headers, body: init.body }), e, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

function setCookieOf(response: Response): { name: string; value: string; attributes: string[] } {
  const all = response.headers.getAll("Set-Cookie");
  expect(all).toHaveLength(1);
  const [pair, ...attributes] = (all[0] as string).split(/;\s*/);
  const eq = (pair as string).indexOf("=");
  return { name: (pair as string).slice(0, eq), value: (pair as string).slice(eq + 1), attributes };
}

describe("refresh cookie name by origin", () => {
  it.each([
    ["http://[::1]:8787", "hybrid-auth-refresh", false],
    ["http://[::1]", "hybrid-auth-refresh", false],
    ["https://[::1]:8443", "__Host-hybrid-auth-refresh", true],
    ["https://auth.example.com", "__Host-hybrid-auth-refresh", true],
  ] as const)("%s: login sets %s (Secure: %s), and /refresh reads it back", async (origin, name, secure) => {
    const e = cookieEnv();
    const user = await registerUser(e);
    const headers = { Origin: origin, "X-Requested-With": "hybrid-auth" };
    const login = await send(`${origin}/auth/login`, { method: "POST", headers, body: JSON.stringify({ email: user.email, password: PASSWORD, refresh: "cookie" }) }, e);
    expect(login.status, await login.clone().text()).toBe(200);
    const cookie = setCookieOf(login);
    expect(cookie.name).toBe(name);
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes.includes("Secure")).toBe(secure);
    expect(cookie.attributes).toEqual(expect.arrayContaining(["Path=/", "HttpOnly", "SameSite=Strict"]));
    expect(cookie.attributes.some((a) => a.startsWith("Domain"))).toBe(false);
    const refreshed = await send(`${origin}/auth/refresh`, { method: "POST", headers: { ...headers, Cookie: `${name}=${cookie.value}` }, body: "{}" }, e);
    expect(refreshed.status, await refreshed.clone().text()).toBe(200);
    const next = setCookieOf(refreshed);
    expect(next.name).toBe(name);
    expect(next.value).not.toBe(cookie.value);
  });

  it.each(["http://[::2]:8787", "http://localhost.example.com:8787", "http://10.0.0.1:8787"])(
    "plain http on %s (not loopback): 400 refresh_cookie_disabled, no cookie",
    async (origin) => {
      const e = cookieEnv();
      const user = await registerUser(e);
      const login = await send(`${origin}/auth/login`, {
        method: "POST",
        headers: { Origin: origin, "X-Requested-With": "hybrid-auth" },
        body: JSON.stringify({ email: user.email, password: PASSWORD, refresh: "cookie" }),
      }, e);
      expect(login.status).toBe(400);
      expect((await errorOf(login)).code).toBe("refresh_cookie_disabled");
      expect(login.headers.getAll("Set-Cookie")).toEqual([]);
    },
  );
});
