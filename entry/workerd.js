// Cloudflare Workers (wrangler/workerd): a `.wasm` import arrives as a compiled
// WebAssembly.Module, so the instance is created synchronously at module scope and
// users write only `import { verifyJWT } from "hybrid-auth"`.
import wasmModule from "../pkg/web/hybrid_auth_bg.wasm";
import { initSync } from "../pkg/web/hybrid_auth.js";

initSync({ module: wasmModule });

export { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "../pkg/web/hybrid_auth.js";
