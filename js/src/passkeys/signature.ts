import { bigIntBytes } from "@oslojs/binary";
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import {
  COSEKeyType,
  coseAlgorithmEdDSA,
  coseAlgorithmES256,
  coseAlgorithmRS256,
  coseEllipticCurveEd25519,
  coseEllipticCurveP256,
} from "@oslojs/webauthn";
import type { COSEPublicKey } from "@oslojs/webauthn";
import { derToP1363 } from "./ecdsaSignature";

/**
 * Signature checks for the three COSE algorithms the Worker offers
 * (OFFERED_ALGORITHMS in ./options.ts): ES256, RS256 and EdDSA (Ed25519). @oslojs/webauthn has
 * already parsed the COSE key; it is handed to WebCrypto as a JWK (RFC 7518 §6), and
 * WebCrypto checks it (an EC point must be on the curve) and does the arithmetic in
 * native code. JWK rather than SPKI: no ASN.1 encoder, and no @oslojs/crypto key
 * classes, in the bundle every cold isolate parses (bench/notes.md, "Start-up").
 */

/** P-256 coordinates and ES256 signature halves are 32 bytes. */
const P256_BYTES = 32;

interface ImportedKey {
  key: CryptoKey;
  verify: SubtleCryptoSignAlgorithm;
  /** WebAuthn sends ECDSA signatures as ASN.1 DER; WebCrypto wants r||s. */
  derSignature: boolean;
}

/**
 * Turns a credential's COSE key into a WebCrypto key, or throws with the
 * reason. The key's own `alg` decides the algorithm, and its type and curve
 * must agree with it, so a key cannot be used under another algorithm.
 */
export async function importCoseKey(cose: COSEPublicKey): Promise<ImportedKey> {
  const alg = cose.algorithm();
  const type = cose.type();
  if (alg === coseAlgorithmES256 && type === COSEKeyType.EC2) {
    const ec = cose.ec2();
    if (ec.curve !== coseEllipticCurveP256) throw new Error("ES256 key is not on P-256");
    const jwk = { kty: "EC", crv: "P-256", x: coordinate(ec.x), y: coordinate(ec.y) };
    // importKey checks that the point is on the curve.
    const key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    return { key, verify: { name: "ECDSA", hash: "SHA-256" }, derSignature: true };
  }
  if (alg === coseAlgorithmRS256 && type === COSEKeyType.RSA) {
    const rsa = cose.rsa();
    // JWK integers are unsigned big-endian with no leading zero bytes (RFC 7518 §6.3.1).
    const jwk = { kty: "RSA", n: encodeBase64urlNoPadding(bigIntBytes(rsa.n)), e: encodeBase64urlNoPadding(bigIntBytes(rsa.e)) };
    const key = await crypto.subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
    return { key, verify: { name: "RSASSA-PKCS1-v1_5" }, derSignature: false };
  }
  if (alg === coseAlgorithmEdDSA && type === COSEKeyType.OKP) {
    const okp = cose.okp();
    if (okp.curve !== coseEllipticCurveEd25519) throw new Error("EdDSA key is not on Ed25519");
    const key = await crypto.subtle.importKey("raw", okp.x, { name: "Ed25519" }, false, ["verify"]);
    return { key, verify: { name: "Ed25519" }, derSignature: false };
  }
  throw new Error(`unsupported public key algorithm ${alg}`);
}

/** Whether `signature` is the key's signature over `message`. Malformed input is simply false. */
export async function verifySignature(key: ImportedKey, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    const sig = key.derSignature ? derToP1363(signature, P256_BYTES) : signature;
    if (sig === null) return false;
    return await crypto.subtle.verify(key.verify, key.key, sig, message);
  } catch {
    return false;
  }
}

/** A P-256 coordinate as the fixed 32-byte base64url a JWK wants; too large a value throws. */
function coordinate(value: bigint): string {
  const bytes = bigIntBytes(value);
  if (bytes.length > P256_BYTES) throw new Error("EC coordinate is longer than 32 bytes");
  const fixed = new Uint8Array(P256_BYTES);
  fixed.set(bytes, P256_BYTES - bytes.length);
  return encodeBase64urlNoPadding(fixed);
}
