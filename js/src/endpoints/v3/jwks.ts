import { issuerOf, scopeOf } from "../../scope";
import type { AppContext } from "../../types";

/**
 * How long a JWKS may be cached (seconds). Rotation relies on it: a new key is
 * published at least this long before it signs, so every verifier that
 * fetched the set has it by then (SECURITY.md, "Key rotation").
 */
export const JWKS_MAX_AGE_SECONDS = 300;

/** With HS256 only there is nothing to publish: secrets never leave the server. */
const EMPTY_JWKS = '{"keys":[]}';

/**
 * GET /.well-known/jwks.json → the public keys of EdDSA access tokens (RFC
 * 7517 §5), for other services to verify them. The text is built once per
 * key ring (JwtIssuer.jwks); it is public, so it may be cached anywhere.
 */
export function jwks(c: AppContext): Response {
  const { config } = scopeOf(c);
  const body = config.mode === "jwt" ? issuerOf(scopeOf(c)).jwks : EMPTY_JWKS;
  return new Response(body, {
    headers: {
      "Content-Type": "application/json",
      "Cache-Control": `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
    },
  });
}
