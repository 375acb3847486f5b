/**
 * `browserApps(options)`: browser apps on other origins and cookie mode
 * (issue 15): the CORS allowlist for the auth routes (and, through
 * `auth.cors()`, for the adopter's own), and the refresh token in an
 * HttpOnly `__Host-` cookie with the CSRF checks that go with it.
 *
 * Options: { cors?: { origins, maxAge? }, cookies?: { mode, sameSite? } }, or
 * a function of the env such as `browserOptionsFromEnv` (CORS_ORIGINS,
 * CORS_MAX_AGE, REFRESH_COOKIE). Cookie mode needs JWT mode (a secret): only
 * JWT logins have refresh tokens.
 */
import { resolveCookieOptions, resolveCorsOptions } from "../browser/config";
import type { BrowserAppsOptions, CookieConfig, CorsConfig } from "../browser/config";
import { COOKIE_TRANSPORT } from "../browser/cookies";
import { corsMiddleware } from "../browser/cors";
import { AuthConfigError } from "../options";
import type { AuthPlugin, PluginOptionsInput } from "../plugin";
import { optionsFor } from "../plugin";
import type { AppEnv } from "../types";

export { browserOptionsFromEnv } from "../browser/config";
export type { BrowserAppsOptions };
export type { CookieOptions, CorsOptions, RefreshCookieSameSite } from "../options";
// The header cookie-mode requests must carry, and the refresh cookie's names.
export { CSRF_HEADER, CSRF_HEADER_VALUE } from "../browser/csrf";
export { REFRESH_COOKIE_NAME, SECURE_REFRESH_COOKIE_NAME } from "../browser/cookies";

function resolve(options: BrowserAppsOptions): { cors: CorsConfig; cookies: CookieConfig } {
  if (options === null || typeof options !== "object") throw new AuthConfigError("browserApps() needs an options object {cors?, cookies?}");
  for (const key of Object.keys(options)) if (key !== "cors" && key !== "cookies") throw new AuthConfigError(`unknown browserApps option ${JSON.stringify(key)}`);
  return { cors: resolveCorsOptions(options.cors), cookies: resolveCookieOptions(options.cookies) };
}

export function browserApps(options: PluginOptionsInput<BrowserAppsOptions> = {}): AuthPlugin<"browser"> {
  // A static object is checked now, so a mistake throws where the plugin is made.
  const fixed = typeof options === "function" ? null : resolve(options);
  return {
    id: "browser",
    tables: [],
    routes: [],
    configure(env, core) {
      const slots = fixed ?? resolve(optionsFor(options, env));
      if (slots.cookies.mode === "on" && core.mode !== "jwt") throw new AuthConfigError('cookies.mode "on" needs a secret: only JWT logins have refresh tokens');
      return slots;
    },
    describe: (config) => ({ corsOrigins: config.cors.origins.length, cookieMode: config.cookies.mode }),
    hooks: {
      // CORS: preflights for any path under the mount point are answered here, from the config alone.
      middleware: (mounted) =>
        corsMiddleware<AppEnv>(
          mounted.map((route) => route.method),
          (c) => c.get("config").cors,
        ),
      adopterCors: (methods, configOf) => corsMiddleware(methods, (c) => configOf(c).cors),
      refreshTransport: COOKIE_TRANSPORT,
    },
  };
}
