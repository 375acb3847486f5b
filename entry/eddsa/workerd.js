// `hybrid-auth/eddsa` for Cloudflare Workers: the same API as `hybrid-auth`, from the build
// with Ed25519 (issue 24), plus createJwksVerifier. A subpath of its own so that a Worker
// that only uses HS256 neither bundles nor compiles the curve arithmetic (about 68 KB of
// wasm; src/ed25519_absent.rs). The runtime compiles the imported .wasm.
import wasmModule from "../../pkg/eddsa/hybrid_auth_bg.wasm";
import { initSync, KeyRing } from "../../pkg/eddsa/hybrid_auth.js";
import { jwksVerifierWith } from "../jwksVerifier.js";

initSync({ module: wasmModule });

export { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "../../pkg/eddsa/hybrid_auth.js";
export const createJwksVerifier = jwksVerifierWith(KeyRing);
