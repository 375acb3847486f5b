// The revocation filter (issue 23) is its own .wasm (pkg/filter, crates/revocation-filter),
// instantiated on first use, so a Worker or process that never builds or reads a filter
// never instantiates it and the JWT module keeps its size and start-up. Each entry passes
// `init`, which instantiates the module synchronously (or nothing, when the entry already
// awaited it). Every way in initializes first: the two helpers, `new
// RevocationFilterBuilder(key)` (a subclass whose constructor loads before calling the
// glue's) and `RevocationFilter.parse` (wrapped in place).
import { RevocationFilterBuilder as GlueBuilder, RevocationFilter } from "../../pkg/filter/hybrid_auth_filter.js";

/** The kinds of revoked subjects: the first byte of every entry's key. */
export const REVOCATION_KINDS = Object.freeze({ jti: 0, sid: 1, user: 2 });

export function filterApi(init) {
  let ready = false;
  const load = () => {
    if (!ready) {
      init();
      ready = true;
    }
  };

  class RevocationFilterBuilder extends GlueBuilder {
    constructor(key) {
      load();
      super(key);
    }
  }

  const glueParse = RevocationFilter.parse;
  Object.defineProperty(RevocationFilter, "parse", {
    value: function parse(bytes) {
      load();
      return glueParse.call(RevocationFilter, bytes);
    },
    writable: true,
    configurable: true,
  });

  return {
    RevocationFilterBuilder,
    RevocationFilter,
    createRevocationFilterBuilder(key) {
      return new RevocationFilterBuilder(key);
    },
    parseRevocationFilter(bytes) {
      return RevocationFilter.parse(bytes);
    },
  };
}
