import { p256, decodePKIXECDSASignature, ECDSAPublicKey } from "@oslojs/crypto/ecdsa";
import { RSAPublicKey } from "@oslojs/crypto/rsa";
import {
  COSEKeyType,
  coseAlgorithmEdDSA,
  coseAlgorithmES256,
  coseAlgorithmRS256,
  coseEllipticCurveEd25519,
  coseEllipticCurveP256,
} from "@oslojs/webauthn";
import type { COSEPublicKey } from "@oslojs/webauthn";

/**
 * Signature checks for the three COSE algorithms the Worker offers
 * (OFFERED_ALGORITHMS in ./options.ts): ES256, RS256 and EdDSA (Ed25519). @oslojs/webauthn has
 * already parsed the COSE key; @oslojs/crypto re-encodes it in a form
 * WebCrypto imports, and WebCrypto does the arithmetic (native code, and no
 * big-integer maths in JavaScript on the login path).
 */

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
    const raw = new ECDSAPublicKey(p256, ec.x, ec.y).encodeSEC1Uncompressed();
    // importKey checks that the point is on the curve.
    const key = await crypto.subtle.importKey("raw", raw, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    return { key, verify: { name: "ECDSA", hash: "SHA-256" }, derSignature: true };
  }
  if (alg === coseAlgorithmRS256 && type === COSEKeyType.RSA) {
    const rsa = cose.rsa();
    const spki = new RSAPublicKey(rsa.n, rsa.e).encodePKIX();
    const key = await crypto.subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
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
    const sig = key.derSignature ? decodePKIXECDSASignature(signature).encodeIEEEP1363(p256) : signature;
    return await crypto.subtle.verify(key.verify, key.key, sig, message);
  } catch {
    return false;
  }
}
