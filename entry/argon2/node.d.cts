// CommonJS consumers of `hybrid-auth/argon2` get the same declarations as ES module consumers.
import type * as api from "./index.js";
declare const argon2: {
  hashPassword: typeof api.hashPassword;
  verifyPassword: typeof api.verifyPassword;
  argon2idOwaspCosts: typeof api.argon2idOwaspCosts;
};
export = argon2;
