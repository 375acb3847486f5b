/**
 * Sign in with Apple's client secret: not a fixed string but a JWT the
 * developer signs with ES256 (their "Sign in with Apple" private key), as
 * Apple's "Creating a client secret" describes:
 *   header  {alg: "ES256", kid: <Key ID>}
 *   claims  {iss: <Team ID>, iat, exp (at most 6 months later), aud: "https://appleid.apple.com", sub: <Services ID>}
 * It is sent as `client_secret` (client_secret_post, by oauth4webapi).
 *
 * Made with WebCrypto (ECDSA P-256 with SHA-256, whose signature is already
 * the JWS r||s form), so no JWT library is bundled. One secret is kept per
 * provider and createAuth instance (SocialState) until RENEW_BEFORE seconds
 * before its exp; the key is imported once.
 */
import { decodeBase64, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { APPLE_ISSUER } from "./config";
import type { AppleProvider } from "./config";

/** A secret is replaced this long before its exp, so none expires in flight. */
const RENEW_BEFORE = 60;

export interface AppleSecrets {
  keys: Map<string, Promise<CryptoKey>>;
  secrets: Map<string, { jwt: string; exp: number }>;
}

export function createAppleSecrets(): AppleSecrets {
  return { keys: new Map(), secrets: new Map() };
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256" } as const;

function importKey(privateKey: string | JsonWebKey): Promise<CryptoKey> {
  if (typeof privateKey !== "string") return crypto.subtle.importKey("jwk", privateKey, ALGORITHM, false, ["sign"]);
  const body = privateKey.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  return crypto.subtle.importKey("pkcs8", decodeBase64(body), ALGORITHM, false, ["sign"]);
}

const part = (value: object) => encodeBase64urlNoPadding(new TextEncoder().encode(JSON.stringify(value)));

/** Signs a new client secret JWT valid from `now` for the provider's clientSecretTtl seconds. */
export async function signAppleClientSecret(key: CryptoKey, provider: AppleProvider, now: number): Promise<{ jwt: string; exp: number }> {
  const exp = now + provider.clientSecretTtl;
  const input = `${part({ alg: "ES256", kid: provider.keyId })}.${part({ iss: provider.teamId, iat: now, exp, aud: APPLE_ISSUER, sub: provider.clientId })}`;
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, new TextEncoder().encode(input)));
  return { jwt: `${input}.${encodeBase64urlNoPadding(signature)}`, exp };
}

/** The provider's current client secret: the cached one while it has more than RENEW_BEFORE seconds left, else a new one. */
export async function appleClientSecret(cache: AppleSecrets, provider: AppleProvider, now: number = Math.floor(Date.now() / 1000)): Promise<string> {
  const cached = cache.secrets.get(provider.id);
  if (cached && cached.exp - RENEW_BEFORE > now) return cached.jwt;
  let key = cache.keys.get(provider.id);
  if (!key) {
    key = importKey(provider.privateKey);
    cache.keys.set(provider.id, key);
    // A key that did not import is not kept (the error is the sign-in's, and the next one tries again).
    key.catch(() => cache.keys.delete(provider.id));
  }
  const made = await signAppleClientSecret(await key, provider, now);
  cache.secrets.set(provider.id, made);
  return made.jwt;
}
