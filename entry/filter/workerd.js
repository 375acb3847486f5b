// `hybrid-auth/filter` for Cloudflare Workers (wrangler/workerd): a subpath of its own, so a
// Worker that only imports the core `hybrid-auth` bundles and compiles no filter .wasm
// (issue 20, "pay only for what you use"). The runtime compiles the imported .wasm; it is
// instantiated on first use.
import filterModule from "../../pkg/filter/hybrid_auth_filter_bg.wasm";
import { initSync } from "../../pkg/filter/hybrid_auth_filter.js";
import { filterApi } from "./api.js";

export { REVOCATION_KINDS } from "./api.js";
export const { RevocationFilterBuilder, RevocationFilter, createRevocationFilterBuilder, parseRevocationFilter } = filterApi(() =>
  initSync({ module: filterModule }),
);
