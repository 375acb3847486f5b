/**
 * The protocol side of a social sign-in, all of it done by oauth4webapi
 * (panva): discovery, the authorization URL with PKCE S256, state and nonce,
 * the code exchange, the ID token's claims (iss, aud, exp, nonce, azp) and its
 * signature against the provider's JWKS with WebCrypto. Nothing is parsed or
 * verified by hand here: this file picks the library's calls and turns their
 * failures into our errors.
 *
 * JWKS caching is the library's: keys are kept per AuthorizationServer object
 * for 5 minutes, and a token whose `kid` is not in the set refetches it only
 * when the set is at least 60 s old, so a stream of unknown kids costs at most
 * one fetch a minute. That is why the discovered AuthorizationServer objects
 * are kept per createAuth instance (SocialState) and reused.
 */
import * as oauth from "oauth4webapi";
import { HttpError } from "../errors";
import { isLoopbackHost } from "../http/loopback";
import { appleClientSecret, createAppleSecrets } from "./appleSecret";
import type { AppleSecrets } from "./appleSecret";
import type { AppleProvider, GitHubProvider, OidcProvider, SocialProvider } from "./config";

/** What a provider said about the user, after every check. */
export interface ProviderIdentity {
  subject: string;
  email: string | null;
  /** The provider asserts the address is the user's (OIDC `email_verified: true`, GitHub's `verified`). */
  emailVerified: boolean;
  name: string | null;
}

/** Per createAuth instance (AuthPlugin.createState): discovered metadata, which also keys the library's JWKS cache. */
export interface SocialState {
  servers: Map<string, Promise<oauth.AuthorizationServer>>;
  /** Apple's client secret JWTs and their keys (social/appleSecret.ts). */
  apple: AppleSecrets;
}

export function createSocialState(): SocialState {
  return { servers: new Map(), apple: createAppleSecrets() };
}

/**
 * The library's request options for a provider: plain http only when we ask, and we ask only
 * for loopback URLs (config.ts checked the rest are https); its own `fetch` when it has one.
 */
function requestOptions(provider: SocialProvider): { [oauth.allowInsecureRequests]?: boolean; [oauth.customFetch]?: OidcProvider["fetch"] } {
  // Every endpoint of a provider was checked alike (config.ts): one of them tells for all.
  const parsed = new URL(provider.kind === "oidc" ? provider.issuer : provider.tokenEndpoint);
  return {
    ...(parsed.protocol === "http:" && isLoopbackHost(parsed.hostname) ? { [oauth.allowInsecureRequests]: true } : {}),
    ...(provider.kind === "oidc" && provider.fetch ? { [oauth.customFetch]: provider.fetch } : {}),
  };
}

export function providerUnavailable(provider: SocialProvider, cause: unknown): HttpError {
  console.error(`[hybrid-auth] social provider ${provider.id} unreachable`, cause);
  return new HttpError(502, "provider_unavailable", `the provider ${provider.id} could not be reached; try again`);
}

function refused(provider: SocialProvider, what: string): HttpError {
  return new HttpError(401, "social_login_failed", `the sign-in with ${provider.id} was refused: ${what}`);
}

async function discover(provider: OidcProvider): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(provider.issuer);
  const response = await oauth.discoveryRequest(issuer, { algorithm: "oidc", ...requestOptions(provider) });
  return oauth.processDiscoveryResponse(issuer, response);
}

/**
 * The provider's metadata: discovered once per instance for OIDC (a failure is not kept), fixed for GitHub and
 * Apple (Apple's documented endpoints; kept per instance too, since the object keys the library's JWKS cache).
 */
function serverOf(state: SocialState, provider: SocialProvider): Promise<oauth.AuthorizationServer> {
  if (provider.kind === "github") {
    return Promise.resolve({ issuer: new URL(provider.authorizationEndpoint).origin, authorization_endpoint: provider.authorizationEndpoint, token_endpoint: provider.tokenEndpoint });
  }
  let found = state.servers.get(provider.id);
  if (!found) {
    found =
      provider.kind === "apple"
        ? Promise.resolve({ issuer: provider.issuer, authorization_endpoint: provider.authorizationEndpoint, token_endpoint: provider.tokenEndpoint, jwks_uri: provider.jwksUri })
        : discover(provider);
    state.servers.set(provider.id, found);
    found.catch(() => state.servers.delete(provider.id));
  }
  return found;
}

function clientOf(provider: SocialProvider): oauth.Client {
  // The ID token's algorithm is pinned per provider: `none`, HS256 (e.g. keyed with the provider's public key)
  // or any other algorithm is refused before a key is even looked for.
  // Apple signs its ID tokens with RS256 only.
  if (provider.kind === "apple") return { client_id: provider.clientId, id_token_signed_response_alg: "RS256" };
  return provider.kind === "oidc" ? { client_id: provider.clientId, id_token_signed_response_alg: provider.idTokenAlg } : { client_id: provider.clientId };
}

/** Runs a library call; its refusals become 401 social_login_failed, a network failure 502. */
async function checked<T>(provider: SocialProvider, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    if (err instanceof oauth.ResponseBodyError) throw refused(provider, `${err.error}${err.error_description ? ` (${err.error_description})` : ""}`);
    if (err instanceof oauth.AuthorizationResponseError) throw refused(provider, err.error);
    if (err instanceof oauth.OperationProcessingError || err instanceof oauth.UnsupportedOperationError) throw refused(provider, err.message);
    throw providerUnavailable(provider, err);
  }
}

export interface Flow {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export function newFlow(): Flow {
  return { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), codeVerifier: oauth.generateRandomCodeVerifier() };
}

/** Where to send the browser: the provider's authorization endpoint with PKCE S256, state and (OIDC) nonce. */
export async function authorizationUrl(state: SocialState, provider: SocialProvider, flow: Flow, redirectUri: string): Promise<URL> {
  const server = await checked(provider, () => serverOf(state, provider));
  if (!server.authorization_endpoint) throw refused(provider, "the provider's metadata has no authorization_endpoint");
  const url = new URL(server.authorization_endpoint);
  url.searchParams.set("client_id", provider.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("state", flow.state);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(flow.codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  if (provider.kind === "oidc" || provider.kind === "apple") {
    url.searchParams.set("scope", provider.scopes.join(" "));
    url.searchParams.set("nonce", flow.nonce);
  }
  // Apple answers by POSTing a form to the callback (needed for its name and email scopes).
  // It documents no PKCE; the parameters are sent anyway (an unknown one is ignored, RFC 6749 §3.1), and the nonce binds the code.
  if (provider.kind === "apple") url.searchParams.set("response_mode", "form_post");
  if (provider.kind === "github") {
    url.searchParams.set("scope", "read:user user:email");
  }
  return url;
}

/** The client authentication of the token request: the fixed secret, or Apple's ES256 client secret JWT. */
async function clientAuth(state: SocialState, provider: SocialProvider): Promise<oauth.ClientAuth> {
  if (provider.kind !== "apple") return oauth.ClientSecretPost(provider.clientSecret);
  try {
    return oauth.ClientSecretPost(await appleClientSecret(state.apple, provider));
  } catch (err) {
    // The key did not import or sign: our configuration, not the provider's answer.
    console.error(`[hybrid-auth] social provider ${provider.id}: the client secret JWT could not be signed (privateKey)`, err);
    throw new HttpError(503, "misconfigured", `the provider ${provider.id} is misconfigured; see the Worker's log`);
  }
}

/** Apple's `user` form field (first sign-in only; unsigned, so only its name is used, for a new account's display name). */
function appleName(params: URLSearchParams): string | null {
  const raw = params.get("user");
  if (!raw || raw.length > 4096) return null;
  try {
    const user = JSON.parse(raw) as { name?: { firstName?: unknown; lastName?: unknown } };
    const name = [user.name?.firstName, user.name?.lastName].filter((part): part is string => typeof part === "string" && part.trim() !== "").join(" ").trim();
    return name || null;
  } catch {
    return null;
  }
}

/** `email_verified` as the provider sends it: a boolean, or for Apple also the string "true". */
function emailVerifiedClaim(provider: SocialProvider, value: unknown): boolean {
  return value === true || (provider.kind === "apple" && value === "true");
}

/**
 * The callback's work once our state row was spent: the authorization
 * response checked (its state is the one we sent, no error), the code
 * exchanged with the PKCE verifier, and the identity read: the ID token's
 * claims and signature (OIDC, Apple), or GitHub's API. `params`: the
 * callback's query, or for a form_post provider its form.
 */
export async function identityFromCallback(state: SocialState, provider: SocialProvider, params: URLSearchParams, flow: Flow, redirectUri: string): Promise<ProviderIdentity> {
  return checked(provider, async () => {
    const server = await serverOf(state, provider);
    const client = clientOf(provider);
    const options = requestOptions(provider);
    const checkedParams = oauth.validateAuthResponse(server, client, params, flow.state);
    const response = await oauth.authorizationCodeGrantRequest(server, client, await clientAuth(state, provider), checkedParams, redirectUri, flow.codeVerifier, options);
    if (provider.kind === "github") {
      const tokens = await oauth.processAuthorizationCodeResponse(server, client, response);
      return gitHubIdentity(provider, tokens.access_token);
    }
    const tokens = await oauth.processAuthorizationCodeResponse(server, client, response, { expectedNonce: flow.nonce, requireIdToken: true });
    // The library checks the ID token's claims above; its signature (against the JWKS) is this separate call.
    await oauth.validateApplicationLevelSignature(server, response, options);
    const claims = oauth.getValidatedIdTokenClaims(tokens);
    if (!claims) throw refused(provider, "no ID token");
    return {
      subject: claims.sub,
      email: typeof claims["email"] === "string" ? claims["email"].trim().toLowerCase() : null,
      emailVerified: emailVerifiedClaim(provider, claims["email_verified"]),
      name: provider.kind === "apple" ? appleName(params) : typeof claims["name"] === "string" ? claims["name"] : null,
    };
  });
}

interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
}

interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

async function gitHubJson<T>(provider: GitHubProvider, accessToken: string, path: string): Promise<T> {
  const response = await fetch(`${provider.apiUrl}${path}`, {
    headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/vnd.github+json", "User-Agent": "hybrid-auth" },
  });
  if (!response.ok) throw refused(provider, `GET ${path} answered ${response.status}`);
  return (await response.json()) as T;
}

/** GitHub's user: its numeric id is the subject (a login can be renamed); the email is the primary one, with GitHub's verified flag. */
async function gitHubIdentity(provider: GitHubProvider, accessToken: string): Promise<ProviderIdentity> {
  const user = await gitHubJson<GitHubUser>(provider, accessToken, "/user");
  if (typeof user.id !== "number") throw refused(provider, "GET /user has no numeric id");
  const emails = await gitHubJson<GitHubEmail[]>(provider, accessToken, "/user/emails");
  const primary = Array.isArray(emails) ? emails.find((entry) => entry.primary === true && typeof entry.email === "string") : undefined;
  return {
    subject: String(user.id),
    email: primary ? primary.email.trim().toLowerCase() : null,
    emailVerified: primary?.verified === true,
    name: typeof user.name === "string" && user.name ? user.name : typeof user.login === "string" ? user.login : null,
  };
}
