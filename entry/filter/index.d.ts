// Public types of `hybrid-auth/filter` (issue 23): the wasm-bindgen declarations of pkg/filter
// and the helpers of entry/filter/api.js.
import type { RevocationFilterBuilder, RevocationFilter } from "../../pkg/filter/hybrid_auth_filter.js";
export { RevocationFilterBuilder, RevocationFilter } from "../../pkg/filter/hybrid_auth_filter.js";

/** The kinds of revoked subjects: 0 = jti (a denied token), 1 = sid (a refresh family), 2 = user (a stamp). */
export declare const REVOCATION_KINDS: { readonly jti: 0; readonly sid: 1; readonly user: 2 };
export type RevocationKind = (typeof REVOCATION_KINDS)[keyof typeof REVOCATION_KINDS];

/** `new RevocationFilterBuilder(key)` after the module is loaded. `key`: 16 random bytes. */
export declare function createRevocationFilterBuilder(key: Uint8Array): RevocationFilterBuilder;
/** `RevocationFilter.parse(bytes)` after the module is loaded. Throws an Error with a stable `code`. */
export declare function parseRevocationFilter(bytes: Uint8Array): RevocationFilter;
