// Node, ES modules: `hybrid-auth/eddsa` from the installed package, as an EdDSA adopter
// imports it. Signs with a fresh Ed25519 key, checks the signature with node:crypto, verifies
// with a verify-only ring from the public JWKS, and asks `hybrid-auth`'s own KeyRing (the
// HS256 build) to take the same key. Prints one JSON line.
import { generateKeyPairSync, verify } from "node:crypto";
import { fileURLToPath } from "node:url";
import { KeyRing, createJwksVerifier } from "hybrid-auth/eddsa";
import { KeyRing as CoreKeyRing } from "hybrid-auth";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const jwk = privateKey.export({ format: "jwk" });
const signer = new KeyRing({ keys: [{ kid: "ed1", jwk }], signWith: "ed1" });
const token = signer.sign({ sub: "u1" }, 60);
const [h, p, s] = token.split(".");
const checked = new KeyRing({ jwks: signer.publicJwks() }).verify(token);
let coreRefusal = null;
try {
  new CoreKeyRing({ keys: [{ kid: "ed1", jwk }], signWith: "ed1" });
} catch (error) {
  coreRefusal = String(error.message);
}
console.log(
  JSON.stringify({
    resolved: fileURLToPath(import.meta.resolve("hybrid-auth/eddsa")),
    header: JSON.parse(Buffer.from(h, "base64url")),
    nodeCryptoVerifies: verify(null, Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, "base64url")),
    verified: checked.ok ? { ok: true, sub: checked.claims.sub } : checked,
    verifierType: typeof createJwksVerifier,
    coreRefusal,
  }),
);
