// `hybrid-auth/eddsa` for browsers and bundlers: fetch the Ed25519 build's .wasm beside the
// glue, with top-level await so importers get a ready module.
import init, { KeyRing } from "../../pkg/eddsa/hybrid_auth.js";
import { jwksVerifierWith } from "../jwksVerifier.js";

await init({ module_or_path: new URL("../../pkg/eddsa/hybrid_auth_bg.wasm", import.meta.url) });

export { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "../../pkg/eddsa/hybrid_auth.js";
export const createJwksVerifier = jwksVerifierWith(KeyRing);
