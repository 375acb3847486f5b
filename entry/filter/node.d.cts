// CommonJS consumers of `hybrid-auth/filter` get the same declarations as ES module consumers.
import type * as api from "./index.js";
declare const filter: {
  RevocationFilterBuilder: typeof api.RevocationFilterBuilder;
  RevocationFilter: typeof api.RevocationFilter;
  createRevocationFilterBuilder: typeof api.createRevocationFilterBuilder;
  parseRevocationFilter: typeof api.parseRevocationFilter;
  REVOCATION_KINDS: typeof api.REVOCATION_KINDS;
};
export = filter;
