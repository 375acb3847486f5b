/**
 * Cookie mode (issue 15): the refresh token in an HttpOnly cookie that page
 * scripts cannot read, while the access token stays in the page's memory
 * (the JSON body). A login opts in per request with `"refresh": "cookie"`,
 * and only when the configuration allows it (cookies.mode / REFRESH_COOKIE).
 *
 * The name and scope, per the cookie prefixes of RFC 6265bis §4.1.3:
 * `__Host-hybrid-auth-refresh` with `Path=/`, Secure and no Domain. The
 * `__Host-` prefix REQUIRES Path=/, so it cannot be combined with a path
 * scoped to <prefix>/refresh; `__Secure-` could, but then any sibling
 * subdomain may plant a same-named cookie with Domain=<parent> and a more
 * specific Path ("cookie tossing": a login CSRF, or a shadowed refresh
 * cookie), which only `__Host-` forbids. Path was never an isolation boundary
 * (RFC 6265 §8.5), so we keep the integrity guarantee and scope the cookie's
 * USE instead: only POST <prefix>/refresh reads it (after the CSRF checks),
 * and logout / logout-all clear it. The value is 43 opaque characters;
 * every other route ignores it.
 *
 * Local development fallback: browsers refuse `__Host-` (which needs Secure)
 * over plain http, so on http://localhost, 127.0.0.1 or [::1] ONLY, the
 * cookie is `hybrid-auth-refresh` without Secure (same Path, HttpOnly and
 * SameSite). Any other plain-http request cannot use cookie mode at all
 * (400 refresh_cookie_disabled). Behind Cloudflare request URLs are https.
 */
import { HttpError } from "../errors";
import { isRefreshTokenShape } from "../lifecycle/refreshTokens";
import type { LoginResponse } from "../lifecycle/loginTokens";
import type { AppContext } from "../types";
import { isLoopbackHost } from "../http/loopback";
import type { RefreshCookieSameSite } from "../options";
import { requireCsrfChecks } from "./csrf";
import type { RefreshDelivery } from "./delivery";
import type { RefreshTransport } from "../plugin";

export const REFRESH_COOKIE_NAME = "hybrid-auth-refresh";
export const SECURE_REFRESH_COOKIE_NAME = `__Host-${REFRESH_COOKIE_NAME}`;
/** Ours are 43 characters; a longer value is not ours, and is refused before any other work. */
export const MAX_REFRESH_COOKIE_LENGTH = 256;

export type { RefreshDelivery };

/** The answer of a cookie-mode login or refresh: no refresh_token in the body. */
export type CookieLoginResponse = Omit<LoginResponse, "refresh_token"> & { refresh: "cookie" };

export interface CookieSite {
  name: string;
  secure: boolean;
}

/** The cookie this request's URL can hold: `__Host-` on https, the dev fallback on loopback http, else none. */
export function cookieSiteOf(url: string): CookieSite | null {
  const parsed = new URL(url);
  if (parsed.protocol === "https:") return { name: SECURE_REFRESH_COOKIE_NAME, secure: true };
  if (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname)) return { name: REFRESH_COOKIE_NAME, secure: false };
  return null;
}

/**
 * A Set-Cookie value. `value` is a refresh token (base64url) or "" to clear.
 * `maxAge` null makes a session cookie (no Max-Age, no Expires): the browser
 * drops it when it closes (issue 19 §5, a `remember: false` login).
 */
export function serializeRefreshCookie(site: CookieSite, value: string, maxAge: number | null, sameSite: RefreshCookieSameSite): string {
  const lifetime = maxAge === null ? "" : ` Max-Age=${Math.max(0, Math.floor(maxAge))};`;
  return `${site.name}=${value}; Path=/;${lifetime} HttpOnly;${site.secure ? " Secure;" : ""} SameSite=${sameSite}`;
}

export type CookieRead = { kind: "absent" } | { kind: "present"; token: string } | { kind: "invalid"; message: string };

/**
 * Our cookie in a Cookie header, parsed strictly: absent, exactly once with
 * a refresh-token-shaped value, or invalid (sent twice, oversized, or not a
 * token of ours). Other cookies are skipped without being decoded.
 */
export function readRefreshCookie(header: string | null, name: string): CookieRead {
  if (header === null || header === "") return { kind: "absent" };
  const values: string[] = [];
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    values.push(pair.slice(eq + 1).trim());
  }
  if (values.length === 0) return { kind: "absent" };
  if (values.length > 1) return { kind: "invalid", message: `the ${name} cookie was sent ${values.length} times` };
  const value = values[0] as string;
  if (value.length > MAX_REFRESH_COOKIE_LENGTH) return { kind: "invalid", message: `the ${name} cookie is longer than ${MAX_REFRESH_COOKIE_LENGTH} characters` };
  if (!isRefreshTokenShape(value)) return { kind: "invalid", message: `the ${name} cookie is not a refresh token` };
  return { kind: "present", token: value };
}

/** The refresh cookie of this request, or absent when cookie mode is off (cookies are then ignored). */
export function refreshCookieOf(c: AppContext): CookieRead {
  if (c.get("config").cookies.mode !== "on") return { kind: "absent" };
  const site = cookieSiteOf(c.req.url);
  if (site === null) return { kind: "absent" };
  return readRefreshCookie(c.req.header("Cookie") ?? null, site.name);
}

/** The Set-Cookie that deletes the refresh cookie, or null when cookie mode is off. */
export function clearingCookie(c: AppContext): string | null {
  const cookies = c.get("config").cookies;
  const site = cookieSiteOf(c.req.url);
  if (cookies.mode !== "on" || site === null) return null;
  return serializeRefreshCookie(site, "", 0, cookies.sameSite);
}

/** Adds the clearing Set-Cookie to the response being built (logout, logout-all). */
export function clearRefreshCookie(c: AppContext): void {
  const clearing = clearingCookie(c);
  if (clearing !== null) c.header("Set-Cookie", clearing, { append: true });
}

/** The same error, with the clearing Set-Cookie (the cookie is useless: stop sending it). */
export function withClearedCookie(c: AppContext, error: HttpError): HttpError {
  const clearing = clearingCookie(c);
  if (clearing === null) return error;
  return new HttpError(error.status, error.code, error.message, { ...error.headers, "Set-Cookie": clearing });
}

/**
 * Accepts the `refresh` field of a login body (parsed by REFRESH_DELIVERY_FIELD):
 * "body" (bearer mode, as before) passes; for "cookie", cookie mode is checked
 * here, before any credential work: it must be on, the request must be able
 * to hold the cookie, and the request must pass the CSRF checks (a page of
 * another origin must not plant a login in the victim's browser).
 */
export function checkRefreshDelivery(c: AppContext, delivery: RefreshDelivery): RefreshDelivery {
  if (delivery === "body") return "body";
  const config = c.get("config");
  if (config.mode !== "jwt" || config.cookies.mode !== "on") {
    throw new HttpError(400, "refresh_cookie_disabled", "cookie mode is off on this server (REFRESH_COOKIE); omit refresh to get the refresh token in the body");
  }
  if (cookieSiteOf(c.req.url) === null) {
    throw new HttpError(400, "refresh_cookie_disabled", "cookie mode needs https (plain http only on localhost)");
  }
  requireCsrfChecks(c);
  return "cookie";
}

/**
 * The answer of a login or refresh: the body as is in bearer mode; in cookie
 * mode the refresh token moves to the Set-Cookie and the body says
 * `"refresh": "cookie"`. The cookie's lifetime follows the login's "remember
 * me" choice (`remember`: the login's, or its family's on a refresh): a
 * remembered login gets Max-Age = the token's remaining lifetime; a
 * `remember: false` one a session cookie, gone when the browser closes,
 * while the server still ends it after SHORT_REFRESH_TOKEN_TTL (issue 19 §5).
 */
export function loginAnswer(c: AppContext, response: LoginResponse, delivery: RefreshDelivery, remember: boolean): Response {
  if (delivery === "body" || response.refresh_token === undefined) return c.json(response);
  const site = cookieSiteOf(c.req.url);
  if (site === null) throw new Error("cookie delivery was accepted for a request that cannot hold the cookie");
  const { refresh_token: token, ...rest } = response;
  const maxAge = remember ? (response.refresh_expires_at ?? 0) - Math.floor(Date.now() / 1000) : null;
  c.header("Set-Cookie", serializeRefreshCookie(site, token, maxAge, c.get("config").cookies.sameSite), { append: true });
  const body: CookieLoginResponse = { ...rest, refresh: "cookie" };
  return c.json(body);
}

/** Cookie mode as the core's refresh transport (the browserApps plugin mounts it). */
export const COOKIE_TRANSPORT: RefreshTransport = {
  accept: checkRefreshDelivery,
  read(c) {
    const cookie = refreshCookieOf(c);
    // The CSRF checks come first, so a page of another origin learns nothing
    // about the cookie and cannot make us clear it.
    if (cookie.kind !== "absent") requireCsrfChecks(c);
    return cookie;
  },
  answer: loginAnswer,
  clear: clearRefreshCookie,
  refuse: withClearedCookie,
};
