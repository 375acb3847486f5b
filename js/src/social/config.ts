/**
 * The social() plugin's options (issue 22): its providers and where the
 * browser may go after a sign-in. Checked once per env; nothing here talks to
 * a provider. Every provider URL can be replaced (tests point them at
 * 127.0.0.1); plain http is accepted for loopback hosts only.
 */
import { checkRule } from "../config";
import { isLoopbackHost } from "../http/loopback";
import { AuthConfigError } from "../options";
import type { RateRule } from "../options";

/** A provider that speaks OpenID Connect: its endpoints come from discovery (`<issuer>/.well-known/openid-configuration`). */
export interface OidcProvider {
  kind: "oidc";
  /** In URLs and the sessions list ("google"): lower-case letters, digits and '-'. */
  id: string;
  /** On buttons ("Google"). */
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
  /** The only ID-token signature algorithm accepted (the provider's documented one): RS256 or ES256. */
  idTokenAlg: "RS256" | "ES256";
  /** Replaces `fetch` for this provider's requests (discovery, token, JWKS): a provider served in-process (the demo's dev provider). */
  fetch?: ProviderFetch;
}

/** The shape of `fetch` a provider's requests go through. */
export type ProviderFetch = (url: string, init: RequestInit) => Promise<Response>;

/** GitHub: OAuth 2.0 without OIDC; the identity comes from its API (/user, /user/emails with the verified flag). */
export interface GitHubProvider {
  kind: "github";
  id: string;
  name: string;
  clientId: string;
  clientSecret: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  apiUrl: string;
}

/**
 * Sign in with Apple: OpenID Connect at fixed endpoints (Apple's documented ones; each can be replaced, as tests do),
 * answering by `response_mode=form_post` (Apple POSTs code, state and, on the first sign-in, `user` to the callback).
 * There is no fixed client secret: each token request presents a JWT signed with ES256 by the developer's key
 * (social/appleSecret.ts), kept per instance until shortly before it expires.
 */
export interface AppleProvider {
  kind: "apple";
  id: string;
  name: string;
  /** The Services ID (the ID token's audience and the client secret's `sub`). */
  clientId: string;
  /** The Apple developer Team ID (the client secret's `iss`). */
  teamId: string;
  /** The Key ID of the Sign in with Apple private key (the client secret's header `kid`). */
  keyId: string;
  /** That key: PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----", as Apple's .p8 file) or a private JWK of an EC P-256 key. */
  privateKey: string | JsonWebKey;
  /** Seconds each client secret JWT is valid (default 3600, 300 to 15777000: Apple's limit is 6 months). */
  clientSecretTtl: number;
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** Default ["name", "email"] (Apple's only scopes; both need form_post). */
  scopes: readonly string[];
}

export type SocialProvider = OidcProvider | GitHubProvider | AppleProvider;

/** Apple's fixed OpenID Connect issuer and the audience of its client secret JWTs. */
export const APPLE_ISSUER = "https://appleid.apple.com";

export interface AppleProviderOptions {
  id?: string;
  name?: string;
  clientId: string;
  teamId: string;
  keyId: string;
  privateKey: string | JsonWebKey;
  clientSecretTtl?: number;
  scopes?: readonly string[];
  /** The endpoints, default Apple's (https://appleid.apple.com/auth/authorize, /auth/token, /auth/keys); tests replace them. */
  issuer?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  jwksUri?: string;
}

/** Sign in with Apple (form_post, ES256 client secret JWT). */
export function apple(options: AppleProviderOptions): AppleProvider {
  return {
    kind: "apple",
    id: options.id ?? "apple",
    name: options.name ?? "Apple",
    clientId: options.clientId,
    teamId: options.teamId,
    keyId: options.keyId,
    privateKey: options.privateKey,
    clientSecretTtl: options.clientSecretTtl ?? 3600,
    scopes: options.scopes ?? ["name", "email"],
    issuer: options.issuer ?? APPLE_ISSUER,
    authorizationEndpoint: options.authorizationEndpoint ?? `${APPLE_ISSUER}/auth/authorize`,
    tokenEndpoint: options.tokenEndpoint ?? `${APPLE_ISSUER}/auth/token`,
    jwksUri: options.jwksUri ?? `${APPLE_ISSUER}/auth/keys`,
  };
}

/** Whether the provider answers the callback by POST (response_mode=form_post) rather than a GET with a query. */
export function usesFormPost(provider: SocialProvider): boolean {
  return provider.kind === "apple";
}

export interface OidcProviderOptions {
  id: string;
  name?: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Default ["openid", "email", "profile"]. */
  scopes?: readonly string[];
  /** Default "RS256" (Google's and Microsoft's). */
  idTokenAlg?: "RS256" | "ES256";
  /** Replaces `fetch` for this provider (an in-process provider; default: the platform's). */
  fetch?: ProviderFetch;
}

/** Any OpenID Connect provider, by discovery. */
export function oidc(options: OidcProviderOptions): OidcProvider {
  return {
    kind: "oidc",
    id: options.id,
    name: options.name ?? options.id,
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scopes: options.scopes ?? ["openid", "email", "profile"],
    idTokenAlg: options.idTokenAlg ?? "RS256",
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
}

type PresetOptions = Omit<OidcProviderOptions, "id" | "issuer"> & { id?: string; issuer?: string };

/** Google: OIDC at https://accounts.google.com. */
export function google(options: PresetOptions): OidcProvider {
  return oidc({ name: "Google", ...options, id: options.id ?? "google", issuer: options.issuer ?? "https://accounts.google.com" });
}

/**
 * Microsoft Entra ID: OIDC at https://login.microsoftonline.com/<tenant>/v2.0.
 * A tenant id (or "consumers") is required: the multi-tenant "common"
 * endpoint's issuer is a template that no fixed issuer check can match.
 */
export function microsoft(options: PresetOptions & { tenant: string }): OidcProvider {
  const { tenant, ...rest } = options;
  return oidc({ name: "Microsoft", ...rest, id: options.id ?? "microsoft", issuer: options.issuer ?? `https://login.microsoftonline.com/${encodeURIComponent(tenant)}/v2.0` });
}

export interface GitHubProviderOptions {
  id?: string;
  name?: string;
  clientId: string;
  clientSecret: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  apiUrl?: string;
}

export function github(options: GitHubProviderOptions): GitHubProvider {
  return {
    kind: "github",
    id: options.id ?? "github",
    name: options.name ?? "GitHub",
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    authorizationEndpoint: options.authorizationEndpoint ?? "https://github.com/login/oauth/authorize",
    tokenEndpoint: options.tokenEndpoint ?? "https://github.com/login/oauth/access_token",
    apiUrl: options.apiUrl ?? "https://api.github.com",
  };
}

export interface SocialOptions {
  providers: readonly SocialProvider[];
  /**
   * Where the browser may be sent after a sign-in or a link: absolute URLs. A
   * `redirect_to` must have one's origin and path exactly (any query); absent,
   * the first is used. No open redirect: nothing else is ever a Location.
   */
  redirectAllowlist: readonly string[];
  /** Seconds a sign-in may take at the provider (default 600, 60 to 1800). */
  stateTtl?: number;
  /** Seconds the page has to collect a finished sign-in's tokens (default 120, 10 to 600). */
  ticketTtl?: number;
  /** Sign-ins and links started per client IP (each writes a D1 row before anyone is proven): default 30 per 600 s; null: off. */
  startPerIp?: RateRule | null;
}

export interface SocialConfig {
  providers: ReadonlyMap<string, SocialProvider>;
  redirectAllowlist: readonly URL[];
  stateTtl: number;
  ticketTtl: number;
  startPerIp: RateRule | null;
}

const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** An endpoint URL: https, or http on a loopback host (a test or the dev provider). */
function checkEndpoint(name: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AuthConfigError(`${name} must be an absolute URL`);
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname))) return;
  throw new AuthConfigError(`${name} must be https (plain http only on localhost / 127.0.0.1)`);
}

function checkProvider(provider: SocialProvider): void {
  const at = `social.providers["${String(provider.id)}"]`;
  if (typeof provider.id !== "string" || !PROVIDER_ID.test(provider.id)) throw new AuthConfigError(`${at}.id must be 1-32 of a-z, 0-9 and '-'`);
  if (provider.kind === "apple") {
    if (!provider.clientId || !provider.teamId || !provider.keyId) throw new AuthConfigError(`${at} needs clientId, teamId and keyId`);
    const key = provider.privateKey;
    const pem = typeof key === "string" && /-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----/.test(key);
    const jwk = typeof key === "object" && key !== null && key.kty === "EC" && key.crv === "P-256" && typeof key.d === "string";
    if (!pem && !jwk) throw new AuthConfigError(`${at}.privateKey must be a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") or a private JWK of an EC P-256 key`);
    if (!Number.isInteger(provider.clientSecretTtl) || provider.clientSecretTtl < 300 || provider.clientSecretTtl > 15_777_000) throw new AuthConfigError(`${at}.clientSecretTtl must be a whole number of seconds from 300 to 15777000 (6 months)`);
    checkEndpoint(`${at}.issuer`, provider.issuer);
    checkEndpoint(`${at}.authorizationEndpoint`, provider.authorizationEndpoint);
    checkEndpoint(`${at}.tokenEndpoint`, provider.tokenEndpoint);
    checkEndpoint(`${at}.jwksUri`, provider.jwksUri);
    return;
  }
  if (!provider.clientId || !provider.clientSecret) throw new AuthConfigError(`${at} needs clientId and clientSecret`);
  if (provider.kind === "oidc") {
    checkEndpoint(`${at}.issuer`, provider.issuer);
    if (!provider.scopes.includes("openid")) throw new AuthConfigError(`${at}.scopes must include "openid"`);
    if (provider.idTokenAlg !== "RS256" && provider.idTokenAlg !== "ES256") throw new AuthConfigError(`${at}.idTokenAlg must be RS256 or ES256`);
    return;
  }
  checkEndpoint(`${at}.authorizationEndpoint`, provider.authorizationEndpoint);
  checkEndpoint(`${at}.tokenEndpoint`, provider.tokenEndpoint);
  checkEndpoint(`${at}.apiUrl`, provider.apiUrl);
}

function seconds(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen < min || chosen > max) throw new AuthConfigError(`${name} must be a whole number of seconds from ${min} to ${max}`);
  return chosen;
}

/** Checks the options once per env; throws AuthConfigError naming the option. */
export function resolveSocialOptions(options: SocialOptions): SocialConfig {
  // An empty list is allowed (no buttons): an env without provider settings must not take the other routes down.
  if (!Array.isArray(options.providers)) throw new AuthConfigError("social.providers must be a list of providers");
  const providers = new Map<string, SocialProvider>();
  for (const provider of options.providers) {
    checkProvider(provider);
    if (providers.has(provider.id)) throw new AuthConfigError(`social.providers: two providers have the id "${provider.id}"`);
    providers.set(provider.id, provider);
  }
  if (!Array.isArray(options.redirectAllowlist) || (providers.size > 0 && options.redirectAllowlist.length === 0)) throw new AuthConfigError("social.redirectAllowlist must list at least one URL");
  const redirectAllowlist = options.redirectAllowlist.map((entry, i) => {
    checkEndpoint(`social.redirectAllowlist[${i}]`, entry);
    const url = new URL(entry);
    if (url.username || url.password || url.hash) throw new AuthConfigError(`social.redirectAllowlist[${i}] must have no credentials and no fragment`);
    return url;
  });
  return {
    providers,
    redirectAllowlist,
    stateTtl: seconds("social.stateTtl", options.stateTtl, 600, 60, 1800),
    ticketTtl: seconds("social.ticketTtl", options.ticketTtl, 120, 10, 600),
    startPerIp: checkRule("social.startPerIp", options.startPerIp, { max: 30, windowSeconds: 600 }),
  };
}

/**
 * The allowlisted URL `requested` names (same origin and path as an entry;
 * its query kept), or the first entry when absent; null: not allowed.
 */
export function allowedRedirect(config: SocialConfig, requested: string | undefined): URL | null {
  const first = config.redirectAllowlist[0];
  if (requested === undefined || requested === "") return first ? new URL(first) : null;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  const entry = config.redirectAllowlist.find((allowed) => allowed.origin === url.origin && allowed.pathname === url.pathname);
  if (!entry) return null;
  url.hash = "";
  return url;
}
