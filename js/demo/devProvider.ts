/**
 * A development-only OpenID Connect provider, so that `npm start` can show
 * "Sign in with Dev" with no internet and no provider account (issue 22).
 *
 * How it is kept local: it exists only when DEV_SOCIAL_ISSUER is set, which
 * only `npm start` does (a `wrangler dev --var`, never in wrangler.jsonc, so
 * `wrangler deploy` never has it), and only to an http://127.0.0.1 or
 * localhost URL; its routes answer 404 to any request whose host is not
 * loopback, whatever the variable says. The Worker reaches it in-process
 * (the provider's `fetch` option), not over the network.
 *
 * It is a provider, not a client: it signs ID tokens (ES256, a key made per
 * isolate, with jose) and checks what a provider checks (single-use codes,
 * redirect_uri, PKCE S256). It asks nothing: /authorize signs in the one dev
 * user (dev@example.com, verified) at once.
 *
 * It has two registered clients, shown as two providers, "Dev (local)" and
 * "Dev 2 (local)", each with its own subject for the dev user: so the demo can
 * show linking a second provider to an account (and, since both assert the
 * same verified address, automatic linking).
 */
import { Hono } from "hono";
import type { MiddlewareHandler } from "hono";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import type { CryptoKey, JWK } from "jose";
import { oidc } from "hybrid-auth/social";
import type { SocialOptions } from "hybrid-auth/social";

const DEV_USER = { email: "dev@example.com", name: "Dev User" };
/** The registered clients: id → its secret and the dev user's subject there. */
const CLIENTS: Record<string, { secret: string; sub: string }> = {
  dev: { secret: "dev-secret", sub: "dev-user" },
  dev2: { secret: "dev2-secret", sub: "dev-user-2" },
};
const clientOf = (id: unknown) => (typeof id === "string" && Object.hasOwn(CLIENTS, id) ? CLIENTS[id] : undefined);
const LOOPBACK = ["localhost", "127.0.0.1", "[::1]"];

export interface DevProviderEnv {
  /** e.g. http://127.0.0.1:8787/dev-oidc: set by `npm start` only. */
  DEV_SOCIAL_ISSUER?: string;
}

/** The issuer, when the variable names one on a loopback host; null: no dev provider. */
export function devIssuer(env: DevProviderEnv): URL | null {
  if (!env.DEV_SOCIAL_ISSUER) return null;
  const url = new URL(env.DEV_SOCIAL_ISSUER);
  return url.protocol === "http:" && LOOPBACK.includes(url.hostname) ? url : null;
}

interface Grant {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | null;
}

let keys: Promise<{ privateKey: CryptoKey; jwk: JWK }> | null = null;
const grants = new Map<string, Grant>();

function signingKey() {
  keys ??= generateKeyPair("ES256").then(async ({ privateKey, publicKey }) => ({ privateKey, jwk: { ...(await exportJWK(publicKey)), kid: "dev-1", alg: "ES256", use: "sig" } }));
  return keys;
}

const random = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(24)))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** 404 unless the dev provider is configured and the request came to a loopback host. */
const localOnly: MiddlewareHandler<{ Bindings: DevProviderEnv }> = async (c, next) => {
  if (!devIssuer(c.env) || !LOOPBACK.includes(new URL(c.req.url).hostname)) return c.json({ error: { code: "not_found", message: "no such route" } }, 404);
  await next();
};

export const devProvider = new Hono<{ Bindings: DevProviderEnv }>();
devProvider.use("*", localOnly);
devProvider.get("/.well-known/openid-configuration", (c) => {
  const issuer = (devIssuer(c.env) as URL).toString().replace(/\/$/, "");
  return c.json({
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ["code"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["ES256"],
    code_challenge_methods_supported: ["S256"],
  });
});
devProvider.get("/jwks", async (c) => c.json({ keys: [(await signingKey()).jwk] }));
devProvider.get("/authorize", (c) => {
  const redirectUri = c.req.query("redirect_uri");
  const challenge = c.req.query("code_challenge");
  const clientId = c.req.query("client_id") ?? "";
  if (!clientOf(clientId) || !redirectUri || !challenge || c.req.query("code_challenge_method") !== "S256") return c.json({ error: "invalid_request" }, 400);
  const code = random();
  grants.set(code, { clientId, redirectUri, challenge, nonce: c.req.query("nonce") ?? null });
  const back = new URL(redirectUri);
  back.searchParams.set("code", code);
  back.searchParams.set("state", c.req.query("state") ?? "");
  return c.redirect(back.toString(), 302);
});
devProvider.post("/token", async (c) => {
  const form = await c.req.parseBody();
  const code = String(form["code"] ?? "");
  const grant = grants.get(code);
  grants.delete(code);
  const client = clientOf(form["client_id"]);
  if (!client || form["client_secret"] !== client.secret) return c.json({ error: "invalid_client" }, 401);
  if (!grant || grant.clientId !== form["client_id"] || form["redirect_uri"] !== grant.redirectUri || (await s256(String(form["code_verifier"] ?? ""))) !== grant.challenge) return c.json({ error: "invalid_grant" }, 400);
  const issuer = (devIssuer(c.env) as URL).toString().replace(/\/$/, "");
  const { privateKey } = await signingKey();
  const idToken = await new SignJWT({ email: DEV_USER.email, email_verified: true, name: DEV_USER.name, ...(grant.nonce ? { nonce: grant.nonce } : {}) })
    .setProtectedHeader({ alg: "ES256", kid: "dev-1", typ: "JWT" })
    .setIssuer(issuer)
    .setAudience(grant.clientId)
    .setSubject(client.sub)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(privateKey);
  return c.json({ access_token: random(), token_type: "Bearer", expires_in: 300, id_token: idToken });
});

/** The social() options of the demo: the dev provider under `npm start`, else no provider (no button). */
export function demoSocialOptions(env: DevProviderEnv): SocialOptions {
  const issuer = devIssuer(env);
  if (!issuer) return { providers: [], redirectAllowlist: [] };
  const port = issuer.port ? `:${issuer.port}` : "";
  const provider = (id: string, name: string) =>
    oidc({
      id,
      name,
      issuer: issuer.toString().replace(/\/$/, ""),
      clientId: id,
      clientSecret: (CLIENTS[id] as { secret: string }).secret,
      idTokenAlg: "ES256",
      // In-process: the Worker asks its own dev routes without a network round trip.
      fetch: (url, init) => Promise.resolve(devProvider.request(new URL(url).pathname.replace(/^.*?\/dev-oidc/, ""), init, env)),
    });
  return {
    providers: [provider("dev", "Dev (local)"), provider("dev2", "Dev 2 (local)")],
    // The demo page, under either loopback name (passkeys need localhost).
    redirectAllowlist: [`http://localhost${port}/`, `http://127.0.0.1${port}/`],
  };
}
