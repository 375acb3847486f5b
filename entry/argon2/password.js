// Argon2id password hashing (issue 21) is its own .wasm (pkg/argon2), instantiated on
// the first call, so a Worker or process that never hashes a password never instantiates
// it and the JWT module keeps its size and start-up (bench/notes.md, "Argon2id placement").
// Each entry passes `init`, which instantiates the module synchronously (or nothing,
// when the entry already awaited it).
import { hashPassword as hash, verifyPassword as verify, argon2idOwaspCosts as costs } from "../../pkg/argon2/hybrid_auth_argon2.js";

export function passwordApi(init) {
  let ready = false;
  const load = () => {
    if (!ready) {
      init();
      ready = true;
    }
  };
  return {
    hashPassword(password, options) {
      load();
      return hash(password, options);
    },
    verifyPassword(password, storedHash, options) {
      load();
      return verify(password, storedHash, options);
    },
    argon2idOwaspCosts() {
      load();
      return costs();
    },
  };
}
