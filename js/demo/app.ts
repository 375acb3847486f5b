/**
 * The demo Worker's app, as a factory: an adopter of hybrid-auth like any other. It
 * imports only the package's public entry points (the core and every plugin), keeps the
 * seed's binding name (GENERAL_DB) and configures everything from wrangler vars and
 * secrets (JWT_SECRET, ACCESS_TOKEN_TTL, REVOCATION, RP_*, ... see js/README.md).
 * The page at `/` is served by Workers static assets (public/).
 *
 * A factory so that EdDSA is the caller's import: demo/worker.ts (what `npm start`
 * serves) signs HS256 and does not load the Ed25519 build of the core; the Worker tests
 * (js/test/worker.ts) pass `eddsaKeyRing` to cover JWT_SIGNING_JWK.
 */
import { Hono } from "hono";
import { createAuth, handleError, optionsFromEnv } from "hybrid-auth/hono";
import type { AuthEnvVars } from "hybrid-auth/hono";
import { email, emailOptionsFromEnv } from "hybrid-auth/email";
import { passkeyOptionsFromEnv, passkeys } from "hybrid-auth/passkeys";
import { sessions } from "hybrid-auth/sessions";
import { usage } from "hybrid-auth/usage";
import { browserApps, browserOptionsFromEnv } from "hybrid-auth/browser";
import { totp, totpOptionsFromEnv } from "hybrid-auth/totp";
import { social } from "hybrid-auth/social";
import type { AuthPlugin, EdDSAKeyRing } from "hybrid-auth/hono";
import { demoSocialOptions, devProvider } from "./devProvider";
import type { DevProviderEnv } from "./devProvider";

export interface Env extends AuthEnvVars, DevProviderEnv {
  GENERAL_DB: D1Database;
  /** The label authenticator apps show for this site's TOTP entries (default "hybrid-auth"). */
  TOTP_ISSUER?: string;
}


export interface DemoOptions {
  /** `KeyRing` from "hybrid-auth/eddsa": EdDSA access tokens when JWT_SIGNING_JWK is set (issue 24). */
  eddsaKeyRing?: EdDSAKeyRing;
  /** Mounted after the demo's own (js/bench/loadFilter: the load test with `revocationFilter()`). */
  plugins?: readonly AuthPlugin[];
}

/** The auth instance and the Hono app of one demo (the Worker's handlers are its module's default export). */
export function demoWorker(options: DemoOptions = {}) {
  // Every plugin is mounted (the demo shows them all); each reads its own variables (RP_*, email, CORS_*, REFRESH_COOKIE, TOTP_ISSUER).
  const auth = createAuth((env: Env) => optionsFromEnv(env, { database: (e) => e.GENERAL_DB, ...(options.eddsaKeyRing ? { eddsaKeyRing: options.eddsaKeyRing } : {}) }), {
    plugins: [passkeys(passkeyOptionsFromEnv), email(emailOptionsFromEnv), sessions(), usage(), browserApps(browserOptionsFromEnv), totp(totpOptionsFromEnv), social(demoSocialOptions), ...(options.plugins ?? [])],
  });

  const app = new Hono<{ Bindings: Env }>();
  // Nothing this Worker answers may be cached (tokens, personal data, errors),
  // save what declares itself public: the JWKS (/auth/.well-known/jwks.json).
  app.use("*", async (c, next) => {
    await next();
    if (!c.res.headers.get("Cache-Control")?.startsWith("public")) c.header("Cache-Control", "no-store");
    c.header("X-Content-Type-Options", "nosniff");
  });
  /** Liveness for scripts and load balancers; touches neither config nor D1. */
  app.get("/health", (c) => c.json({ ok: true }));
  app.route("/auth", auth.app);
  // `npm start`'s local OIDC provider (the "Sign in with Dev" button): 404 unless DEV_SOCIAL_ISSUER is set and the host is loopback.
  app.route("/dev-oidc", devProvider);
  app.notFound((c) => c.json({ error: { code: "not_found", message: "no such route" } }, 404));
  app.onError(handleError);

  return { auth, app };
}
