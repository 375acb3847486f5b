// `hybrid-auth/eddsa` for Node.js, ES modules: the Ed25519 build, read beside the glue and
// instantiated synchronously (see workerd.js for why it is its own subpath).
import { readFileSync } from "node:fs";
import { initSync, KeyRing } from "../../pkg/eddsa/hybrid_auth.js";
import { jwksVerifierWith } from "../jwksVerifier.js";

initSync({ module: readFileSync(new URL("../../pkg/eddsa/hybrid_auth_bg.wasm", import.meta.url)) });

export { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "../../pkg/eddsa/hybrid_auth.js";
export const createJwksVerifier = jwksVerifierWith(KeyRing);
