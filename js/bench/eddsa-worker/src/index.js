// EdDSA bench Worker: GET /?impl=<name>&n=<N> verifies one EdDSA access token N times with
// one implementation (async ones awaited one by one) and answers {impl, n, ok}. n=0 does
// all the per-request work except the loop; bench/eddsa.mjs --workerd subtracts it (timed
// from outside: inside a request the clock does not advance during CPU work).
// The key pair is fixed per isolate (generated at first request: no randomness at module
// scope in Workers); each verifier prepares its key once.
import { KeyRing, createJwksVerifier } from "hybrid-auth/eddsa";
import { jwtVerify, importJWK } from "jose";

const ISS = "https://auth.example";
const AUD = "api";
let state = null;

async function setup() {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const jwk = { ...(await crypto.subtle.exportKey("jwk", pair.privateKey)), kid: "k1" };
  const publicJwk = { kty: "OKP", crv: "Ed25519", x: jwk.x, kid: "k1" };
  const opts = { issuer: ISS, audience: AUD, tokenType: "at+jwt" };
  const token = new KeyRing({ keys: [{ jwk: { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d, kid: "k1" } }], signWith: "k1", ...opts }).sign({ sub: "user-123", email: "ada@example.com", name: "Ada" }, 3600);
  const ours = new KeyRing({ jwks: JSON.stringify({ keys: [publicJwk] }), ...opts });
  // createJwksVerifier as a service uses it, its set served by a stub fetch (no network):
  // Ed25519 natively through WebCrypto (the default), and the wasm-only check.
  const jwksText = JSON.stringify({ keys: [publicJwk] });
  const verifierOpts = { jwksUrl: "https://auth.example/jwks.json", ...opts, cache: false, fetch: async () => new Response(jwksText) };
  const verifier = createJwksVerifier(verifierOpts);
  const verifierWasm = createJwksVerifier({ ...verifierOpts, nativeEd25519: false });
  const joseKey = await importJWK({ ...publicJwk, alg: "EdDSA" }, "EdDSA");
  const wcKey = await crypto.subtle.importKey("jwk", publicJwk, { name: "Ed25519" }, false, ["verify"]);
  const d1 = token.indexOf(".");
  const d2 = token.lastIndexOf(".");
  const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const input = new TextEncoder().encode(token.slice(0, d2));
  const claimsOk = () => {
    const c = JSON.parse(new TextDecoder().decode(b64(token.slice(d1 + 1, d2))));
    return c.iss === ISS && c.aud === AUD && Date.now() / 1000 < c.exp;
  };
  return {
    keyring: () => ours.verify(token).ok,
    verifier: async () => (await verifier.verify(token)).ok,
    verifier_wasm: async () => (await verifierWasm.verify(token)).ok,
    jose_key: async () => (await jwtVerify(token, joseKey, { issuer: ISS, audience: AUD, algorithms: ["EdDSA"], typ: "at+jwt" })).payload.sub === "user-123",
    webcrypto: async () => (await crypto.subtle.verify("Ed25519", wcKey, b64(token.slice(d2 + 1)), input)) && claimsOk(),
  };
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    state ??= await setup();
    if (url.pathname === "/health") return Response.json({ ok: true });
    const impl = state[url.searchParams.get("impl")];
    if (!impl) return new Response("unknown impl", { status: 404 });
    const n = Number(url.searchParams.get("n") ?? "0");
    let ok = true;
    for (let i = 0; i < n; i++) ok = (await impl()) && ok;
    if (!ok) return new Response("verification failed", { status: 500 });
    return Response.json({ impl: url.searchParams.get("impl"), n, ok });
  },
};
