// `hybrid-auth/filter` for browsers and bundlers: fetch the .wasm beside the glue (bundlers
// rewrite the URL), with top-level await, so importers get a ready module.
import init from "../../pkg/filter/hybrid_auth_filter.js";
import { filterApi } from "./api.js";

await init({ module_or_path: new URL("../../pkg/filter/hybrid_auth_filter_bg.wasm", import.meta.url) });

export { REVOCATION_KINDS } from "./api.js";
export const { RevocationFilterBuilder, RevocationFilter, createRevocationFilterBuilder, parseRevocationFilter } = filterApi(() => {});
