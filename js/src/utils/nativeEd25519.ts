/**
 * EdDSA access tokens checked with the runtime's native Ed25519 (WebCrypto), the rest
 * by the key ring (issue 24). Why: in workerd the native check is about 2.8x the wasm
 * one and a whole verification about 2x (bench/notes.md, "EdDSA"); in Node they are level.
 * The ring parses the token, selects the key, refuses what `verify_strict` refuses and
 * native verifiers accept (a small-order `R`), then checks the claims
 * (`verifyWithEd25519Verdict`). Only the Ed25519 build's ring (`hybrid-auth/eddsa`) has
 * these methods; with another ring, or where WebCrypto has no Ed25519, the ring's own
 * `verify` does everything.
 *
 * The same steps as createJwksVerifier's (entry/jwksVerifier.js): that file ships as
 * plain JS beside the wasm entries and this one is bundled into dist/, so each has its copy.
 */
import type { KeyRing, VerifyResult } from "hybrid-auth";

interface Ed25519Request {
  kid: string;
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

/** The two methods of the Ed25519 build's KeyRing (absent from the HS256 build's types). */
interface NativeEd25519Ring {
  ed25519Request(token: string): Ed25519Request | { ok: false; reason: string } | null;
  verifyWithEd25519Verdict(token: string, valid: boolean): VerifyResult;
}

const hasNativePath = (ring: KeyRing): ring is KeyRing & NativeEd25519Ring =>
  typeof (ring as Partial<NativeEd25519Ring>).ed25519Request === "function" && typeof crypto !== "undefined" && typeof crypto.subtle?.verify === "function";

/** `verify` for this ring, with the Ed25519 equation checked natively where possible. */
export function nativeEd25519Verify(ring: KeyRing): (token: string) => Promise<VerifyResult> {
  if (!hasNativePath(ring)) return async (token) => ring.verify(token);
  let native = true;
  const keys = new Map<string, Promise<CryptoKey | null>>();
  const keyOf = (request: Ed25519Request) => {
    let key = keys.get(request.kid);
    if (key === undefined) {
      key = crypto.subtle.importKey("raw", request.publicKey, { name: "Ed25519" }, false, ["verify"]).catch(() => null);
      keys.set(request.kid, key);
    }
    return key;
  };
  return async (token) => {
    if (native) {
      const request = ring.ed25519Request(token);
      if (request === null) return ring.verify(token);
      if ("ok" in request) return request as VerifyResult;
      const key = await keyOf(request);
      if (key !== null) {
        try {
          return ring.verifyWithEd25519Verdict(token, await crypto.subtle.verify({ name: "Ed25519" }, key, request.signature, request.message));
        } catch {
          // fall through to the wasm check
        }
      }
      // No Ed25519 in this runtime's WebCrypto: the wasm check from now on.
      native = false;
    }
    return ring.verify(token);
  };
}
