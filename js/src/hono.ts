/**
 * `hybrid-auth/hono`: the v3 auth for an existing Hono Worker.
 *
 *   import { createAuth } from "hybrid-auth/hono";
 *   const auth = createAuth({ database: (env) => env.DB, secret: env.JWT_SECRET, ... });
 *   app.route("/auth", auth.app);
 *   app.get("/api/me", auth.requireAuth, (c) => c.json(c.get("principal").user));
 *   export default { fetch: app.fetch, scheduled: auth.scheduled };
 *
 * Features are plugins, each from its own entry, so what an adopter does not
 * mount is not in its bundle (issue 20):
 *
 *   import { passkeys } from "hybrid-auth/passkeys";
 *   import { email } from "hybrid-auth/email";
 *   createAuth({ ..., plugins: [passkeys({ rpId, rpName, origins }), email({ send, appUrl })] });
 *
 * The JWT core (generateJWT, verifyJWT, isJWT, KeyRing) is the package's
 * main entry, `hybrid-auth`. The D1 migrations ship in the package's
 * `migrations/` folder (point wrangler's `migrations_dir` at it).
 */
export { createAuth, handleError } from "./auth";
export type { Auth, AuthVariables, MountOptions, PluginIds } from "./auth";
// The plugin contract, for plugins of your own (the ones this package ships are written against it).
export type { AuthPlugin, FirstFactorLogin, PluginHooks, PluginOptionsInput, RefreshDelivery, UsageEvent } from "./plugin";
// A plugin that held a login back (PluginHooks.secondFactor) finishes it with this, as the core would.
export { completeLogin } from "./lifecycle/completeLogin";
export type { LoginCompletion } from "./lifecycle/completeLogin";
export { defineRoute } from "./routes";
export { optionsFromEnv } from "./envOptions";
export type { AuthEnvVars, EnvBase } from "./envOptions";
export type { AccessTokenSigningOptions, EdDSAKeyRing } from "./accessTokenSigning";
export { AuthConfigError } from "./options";
export type { AuthHooks, AuthOptions, ClientIpSource, LoginMethod, PasswordHashingOptions, RateLimitOptions, RateRule, RevocationMode, SessionAuthMode } from "./options";
export type { CookieOptions, CorsOptions, RefreshCookieSameSite } from "./options";
// Browser apps (issue 15): the header cookie-mode requests must carry, and the refresh cookie's names.
export { CSRF_HEADER, CSRF_HEADER_VALUE } from "./browser/csrf";
export { REFRESH_COOKIE_NAME, SECURE_REFRESH_COOKIE_NAME } from "./browser/cookies";
export type { AuthFailure, AuthOutcome } from "./middleware/auth";
export type { ErrorBody, ErrorCode } from "./errors";
export type { Principal, PublicUser, TokenType } from "./types";
export type { CleanupReport } from "./lifecycle/cleanup";
export type { Guard, RouteDeclaration } from "./routes";
