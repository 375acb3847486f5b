/**
 * createAuth's `accessTokenSigning` option (issue 24): sign access tokens with
 * EdDSA (Ed25519) instead of HS256, and publish the public keys as a JWKS so
 * other services can verify tokens without holding anything that can mint one.
 *
 * Checked once, here: the keys are read by the same strict JWK reader that
 * will sign (a trial KeyRing), so a key that would fail later fails now, with
 * the reader's message, and the request path never sees an unchecked key.
 *
 * The KeyRing comes with the option, from `hybrid-auth/eddsa`: the core module
 * `hybrid-auth` is built without Ed25519 (about 68 KB of wasm that every Worker
 * would otherwise compile at each cold start), so only a Worker that imports
 * EdDSA loads it.
 */
import type { Ed25519Jwk, KeyRing } from "hybrid-auth";
import { AuthConfigError } from "./options";

export interface AccessTokenSigningOptions {
  /** The algorithm of access tokens. Only "EdDSA" here; without this option they are HS256. */
  alg: "EdDSA";
  /** The private Ed25519 JWK (with `d` and a `kid`) that signs, as an object or JSON text. */
  key: Ed25519Jwk | string;
  /**
   * Other keys to publish in the JWKS and to accept, public or private (only
   * public halves are ever published): the next key, published before it signs,
   * and previous keys, kept until the last token they signed has expired.
   */
  publishedKeys?: readonly (Ed25519Jwk | string)[];
  /**
   * The KeyRing class of the Ed25519 build: `import { KeyRing } from "hybrid-auth/eddsa"`.
   * Required: `hybrid-auth`'s own KeyRing is HS256 only.
   */
  keyRing: EdDSAKeyRing;
}

/** The KeyRing class of `hybrid-auth/eddsa` (the same API as `hybrid-auth`'s). */
export type EdDSAKeyRing = typeof KeyRing;

/** The checked option: JWK texts, and the kid that signs. */
export interface AccessTokenSigning {
  alg: "EdDSA";
  kid: string;
  key: string;
  published: readonly string[];
  /** The Ed25519 build's KeyRing, which signs and verifies access tokens. */
  keyRing: EdDSAKeyRing;
}

/** Why the KeyRing is an option, in the error a missing one gets. */
export const EDDSA_KEY_RING_NEEDED =
  'EdDSA needs the Ed25519 build: import { KeyRing } from "hybrid-auth/eddsa" and pass it as accessTokenSigning.keyRing (or to optionsFromEnv as eddsaKeyRing); "hybrid-auth" itself is HS256 only, so Workers that do not sign EdDSA never load Ed25519';

const asText = (label: string, value: unknown): string => {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  throw new AuthConfigError(`${label} must be an Ed25519 JWK (object or JSON text)`);
};

/** The signing key's `kid`: required, so that rotation can name keys. */
function kidOf(text: string): string {
  let kid: unknown;
  try {
    kid = (JSON.parse(text) as { kid?: unknown }).kid;
  } catch {
    throw new AuthConfigError("accessTokenSigning.key is not valid JSON");
  }
  if (typeof kid !== "string" || kid === "") throw new AuthConfigError("accessTokenSigning.key needs a kid (it names the key in the JWKS and in token headers)");
  return kid;
}

export function checkAccessTokenSigning(value: unknown): AccessTokenSigning | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "object") throw new AuthConfigError("accessTokenSigning must be { alg: \"EdDSA\", key, publishedKeys?, keyRing }");
  const option = value as Partial<AccessTokenSigningOptions>;
  for (const name of Object.keys(option)) {
    if (!["alg", "key", "publishedKeys", "keyRing"].includes(name)) throw new AuthConfigError(`unknown accessTokenSigning option ${JSON.stringify(name)}`);
  }
  if (option.alg !== "EdDSA") throw new AuthConfigError('accessTokenSigning.alg must be "EdDSA" (HS256 is the default without this option)');
  const keyRing = option.keyRing;
  if (typeof keyRing !== "function") throw new AuthConfigError(`accessTokenSigning.keyRing is missing: ${EDDSA_KEY_RING_NEEDED}`);
  const key = asText("accessTokenSigning.key", option.key);
  const kid = kidOf(key);
  if (option.publishedKeys !== undefined && !Array.isArray(option.publishedKeys)) throw new AuthConfigError("accessTokenSigning.publishedKeys must be an array of JWKs");
  const published = (option.publishedKeys ?? []).map((jwk, i) => asText(`accessTokenSigning.publishedKeys[${i}]`, jwk));
  try {
    // The trial ring: every JWK rule, duplicate kids, and that the signing key has its private half.
    new keyRing({ keys: [key, ...published].map((jwk) => ({ jwk })), signWith: kid }).free();
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^hybrid-auth: /, "") : String(error);
    throw new AuthConfigError(`accessTokenSigning: ${message}`);
  }
  return { alg: "EdDSA", kid, key, published, keyRing };
}
