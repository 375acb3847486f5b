// Browsers and bundlers: fetch the .wasm beside the glue (bundlers rewrite the URL),
// with top-level await so importers get a ready module.
import init from "../pkg/web/hybrid_auth.js";

await init({ module_or_path: new URL("../pkg/web/hybrid_auth_bg.wasm", import.meta.url) });

export { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "../pkg/web/hybrid_auth.js";
