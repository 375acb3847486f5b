// CommonJS consumers get the same declarations as ES module consumers.
import type * as api from "./index.js";
declare const hybridAuth: {
  generateJWT: typeof api.generateJWT;
  verifyJWT: typeof api.verifyJWT;
  isJWT: typeof api.isJWT;
  deriveKid: typeof api.deriveKid;
  KeyRing: typeof api.KeyRing;
};
export = hybridAuth;
