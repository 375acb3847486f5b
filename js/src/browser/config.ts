/**
 * The browser-app settings (issue 15), checked once with the rest of the
 * options (config.ts calls these): the CORS allowlist and the refresh-cookie
 * mode. Wrong values are configuration errors (503 `misconfigured`), never a
 * silent fallback: a typo in an origin must not quietly allow nothing, and
 * "*" must never be read as "everyone, with credentials".
 */
import { checkInteger, integerVar } from "../config";
import type { NumericSetting } from "../config";
import { AuthConfigError } from "../options";
import type { CookieOptions, CorsOptions, RefreshCookieSameSite } from "../options";
import { isLoopbackHost } from "../http/loopback";

export interface CorsConfig {
  /** Exact origins (scheme://host[:port]) allowed to call the auth routes with credentials. Empty: none. */
  origins: readonly string[];
  /** Access-Control-Max-Age of a preflight answer, in seconds. */
  maxAge: number;
}

/** The options of the browserApps plugin (`browserApps({...})`, hybrid-auth/browser). */
export interface BrowserAppsOptions {
  /** Browser apps on other origins. Default: none allowed. */
  cors?: CorsOptions;
  /** The refresh-token cookie. Default: off. */
  cookies?: CookieOptions;
}

export interface CookieConfig {
  /** "on": a login may ask for its refresh token in an HttpOnly cookie. */
  mode: "off" | "on";
  sameSite: RefreshCookieSameSite;
}


const CORS_KEYS = new Set(["origins", "maxAge"]);
/** A day is the longest any browser honours (Chromium caps at 2 hours). */
export const CORS_MAX_AGE: NumericSetting = { path: "cors.maxAge", env: "CORS_MAX_AGE", min: 0, max: 86_400, fallback: 600 };
const COOKIE_KEYS = new Set(["mode", "sameSite"]);

/**
 * The CORS allowlist. Every entry must be a bare origin exactly as browsers
 * send it in `Origin` (lower-case host, no default port, no path or trailing
 * slash), because matching is by string equality: the same check as
 * passkeys.origins. https only, except on loopback for local development.
 * `maxAge` was already checked against its NUMERIC_SETTINGS row.
 */
export function resolveCorsOptions(options: CorsOptions | undefined): CorsConfig {
  if (options === undefined || options === null) return { origins: [], maxAge: CORS_MAX_AGE.fallback };
  if (typeof options !== "object") throw new AuthConfigError("cors must be an object {origins, maxAge}");
  for (const key of Object.keys(options)) {
    if (!CORS_KEYS.has(key)) throw new AuthConfigError(`unknown cors option ${JSON.stringify(key)}`);
  }
  const maxAge = checkInteger("cors.maxAge", options.maxAge, CORS_MAX_AGE);
  const raw = options.origins ?? [];
  if (!Array.isArray(raw)) throw new AuthConfigError("cors.origins must be an array of origins");
  const origins: string[] = [];
  for (const entry of raw as unknown[]) {
    const origin = checkOrigin(entry);
    if (!origins.includes(origin)) origins.push(origin);
  }
  return { origins, maxAge };
}

function checkOrigin(entry: unknown): string {
  if (typeof entry !== "string") throw new AuthConfigError(`cors.origins entries must be strings, got ${JSON.stringify(entry)}`);
  if (entry === "*") throw new AuthConfigError('cors.origins may not be "*": credentials need exact origins');
  if (entry === "null") throw new AuthConfigError('cors.origins may not be "null" (sandboxed frames and file: pages share it)');
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new AuthConfigError(`cors.origins entry ${JSON.stringify(entry)} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new AuthConfigError(`cors.origins entry ${JSON.stringify(entry)} must be an http(s) origin`);
  }
  if (url.origin !== entry) throw new AuthConfigError(`cors.origins entry ${JSON.stringify(entry)} must be a bare origin like ${url.origin}`);
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw new AuthConfigError(`cors.origins entry ${entry} must be https (http is only allowed for localhost and 127.0.0.1)`);
  }
  return entry;
}

/** The refresh-cookie mode. It needs JWT mode: only JWT logins have refresh tokens (checked by the caller). */
export function resolveCookieOptions(options: CookieOptions | undefined): CookieConfig {
  if (options === undefined || options === null) return { mode: "off", sameSite: "Strict" };
  if (typeof options !== "object") throw new AuthConfigError('cookies must be an object {mode, sameSite}');
  for (const key of Object.keys(options)) {
    if (!COOKIE_KEYS.has(key)) throw new AuthConfigError(`unknown cookies option ${JSON.stringify(key)}`);
  }
  const mode = options.mode ?? "off";
  if (mode !== "off" && mode !== "on") throw new AuthConfigError(`cookies.mode must be "off" or "on", got ${JSON.stringify(mode)}`);
  const sameSite = options.sameSite ?? "Strict";
  // "None" is not offered: a refresh cookie sent on cross-site requests would
  // rest on the CSRF checks alone, and browsers are phasing such cookies out.
  if (sameSite !== "Strict" && sameSite !== "Lax") throw new AuthConfigError(`cookies.sameSite must be "Strict" or "Lax", got ${JSON.stringify(sameSite)}`);
  return { mode, sameSite };
}

/**
 * CORS_ORIGINS (comma-separated) and REFRESH_COOKIE ("off" | "strict" | "lax")
 * and CORS_MAX_AGE (seconds) as the browserApps plugin's options:
 * `browserApps(browserOptionsFromEnv)`. Only the text is parsed here; the
 * checks above name the option.
 */
export function browserOptionsFromEnv(env: object): BrowserAppsOptions {
  const vars = env as Record<string, unknown>;
  const result: BrowserAppsOptions = {};
  const origins = vars.CORS_ORIGINS;
  if (origins !== undefined && origins !== "") {
    if (typeof origins !== "string") throw new AuthConfigError("CORS_ORIGINS must be a comma-separated list of origins");
    result.cors = {
      origins: origins
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== ""),
    };
  }
  const maxAge = integerVar(vars, CORS_MAX_AGE);
  if (maxAge !== undefined) result.cors = { ...(result.cors ?? { origins: [] }), maxAge };
  const cookie = vars.REFRESH_COOKIE;
  if (cookie !== undefined && cookie !== "") {
    if (cookie === "off") result.cookies = { mode: "off" };
    else if (cookie === "strict") result.cookies = { mode: "on", sameSite: "Strict" };
    else if (cookie === "lax") result.cookies = { mode: "on", sameSite: "Lax" };
    else throw new AuthConfigError(`REFRESH_COOKIE must be one of off | strict | lax, got ${JSON.stringify(String(cookie))}`);
  }
  return result;
}
