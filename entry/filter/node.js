// `hybrid-auth/filter` for Node.js, ES modules: the .wasm beside the glue is read and
// instantiated synchronously on first use, so importing costs nothing.
import { readFileSync } from "node:fs";
import { initSync } from "../../pkg/filter/hybrid_auth_filter.js";
import { filterApi } from "./api.js";

export { REVOCATION_KINDS } from "./api.js";
export const { RevocationFilterBuilder, RevocationFilter, createRevocationFilterBuilder, parseRevocationFilter } = filterApi(() =>
  initSync({ module: readFileSync(new URL("../../pkg/filter/hybrid_auth_filter_bg.wasm", import.meta.url)) }),
);
