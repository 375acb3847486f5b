// EdDSA verify benchmark (issue 24), one Node process, implementations interleaved.
//
//   node bench/eddsa.mjs [--rounds N] [--slice-ms M]
//   node bench/eddsa.mjs --workerd [--rounds N]   (the same three verifiers inside workerd)
//
// Every verifier gets the same EdDSA access token (typ at+jwt, kid, iss, aud, exp, jti)
// and checks signature, issuer, audience and expiry:
//   - ours: KeyRing built once from the JWKS (what createJwksVerifier holds), sync;
//   - jose: jwtVerify with the CryptoKey imported once (its best mode), async;
//   - WebCrypto: crypto.subtle.verify with a cached CryptoKey, then JSON.parse and the
//     claim checks by hand (the least a correct verifier does), async;
//   - node:crypto.verify with a KeyObject, same hand checks (a sync reference).
// HS256 through our KeyRing is listed for scale. Each round runs every implementation
// for a fixed slice in a rotated order; the figure is the median over rounds, and the
// ratios are from those medians of this one run. Results: bench/results/eddsa.json.
import { generateKeyPairSync, verify as nodeVerify, webcrypto } from "node:crypto";
import { writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import { KeyRing, createJwksVerifier } from "hybrid-auth/eddsa";
import { jwtVerify, importJWK } from "jose";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg("--rounds", 15);
if (process.argv.includes("--workerd")) {
  await workerdBench();
  process.exit(0);
}
const SLICE_MS = arg("--slice-ms", 200);
const ISS = "https://auth.example";
const AUD = "api";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const jwk = { ...privateKey.export({ format: "jwk" }), kid: "k1" };
const publicJwk = { kty: "OKP", crv: "Ed25519", x: jwk.x, kid: "k1" };
const ringOptions = { issuer: ISS, audience: AUD, tokenType: "at+jwt" };
const signer = new KeyRing({ keys: [{ jwk }], signWith: "k1", ...ringOptions });
const claims = { sub: "user-123", email: "ada@example.com", name: "Ada", iat_ms: Date.now() };
const token = signer.sign(claims, 3600);
const hsRing = new KeyRing({ keys: [{ kid: "h", secret: "bench-secret-0123456789abcdef-0123456789abcdef" }], signWith: "h", ...ringOptions });
const hsToken = hsRing.sign(claims, 3600);

const ours = new KeyRing({ jwks: JSON.stringify({ keys: [publicJwk] }), ...ringOptions });
// createJwksVerifier as a service uses it, the set from a stub fetch: its default checks
// Ed25519 through WebCrypto (the rest in the ring).
const jwksText = JSON.stringify({ keys: [publicJwk] });
const verifier = createJwksVerifier({ jwksUrl: "https://auth.example/jwks.json", ...ringOptions, cache: false, fetch: async () => new Response(jwksText) });
const joseKey = await importJWK({ ...publicJwk, alg: "EdDSA" }, "EdDSA");
const wcKey = await webcrypto.subtle.importKey("jwk", publicJwk, { name: "Ed25519" }, false, ["verify"]);
const dot1 = token.indexOf(".");
const dot2 = token.lastIndexOf(".");
const enc = new TextEncoder();

/** The claim checks a hand-written verifier must do after the signature. */
function claimsOk(payloadB64) {
  const c = JSON.parse(Buffer.from(payloadB64, "base64url").toString("utf8"));
  return c.iss === ISS && (c.aud === AUD || (Array.isArray(c.aud) && c.aud.includes(AUD))) && typeof c.exp === "number" && Date.now() / 1000 < c.exp ? c : null;
}

const impls = [
  { name: "hybrid-auth KeyRing (EdDSA, from JWKS)", sync: true, run: () => ours.verify(token).ok },
  { name: "hybrid-auth createJwksVerifier (WebCrypto Ed25519, ring policy)", run: async () => (await verifier.verify(token)).ok },
  { name: "jose jwtVerify (CryptoKey imported once)", run: async () => (await jwtVerify(token, joseKey, { issuer: ISS, audience: AUD, algorithms: ["EdDSA"], typ: "at+jwt" })).payload !== null },
  {
    name: "WebCrypto verify (cached CryptoKey) + claims",
    run: async () => {
      const ok = await webcrypto.subtle.verify("Ed25519", wcKey, Buffer.from(token.slice(dot2 + 1), "base64url"), enc.encode(token.slice(0, dot2)));
      return ok && claimsOk(token.slice(dot1 + 1, dot2)) !== null;
    },
  },
  { name: "node:crypto.verify (KeyObject) + claims", sync: true, run: () => nodeVerify(null, Buffer.from(token.slice(0, dot2)), publicKey, Buffer.from(token.slice(dot2 + 1), "base64url")) && claimsOk(token.slice(dot1 + 1, dot2)) !== null },
  { name: "hybrid-auth KeyRing (HS256, for scale)", sync: true, run: () => hsRing.verify(hsToken).ok },
];

for (const impl of impls) if ((await impl.run()) !== true) throw new Error(`${impl.name} did not verify the token`);
// And each refuses a forged signature (so the loop times real verification).
const forged = token.slice(0, -2) + (token.endsWith("AA") ? "BA" : "AA");
if (ours.verify(forged).ok) throw new Error("ours accepted a forged token");
if ((await verifier.verify(forged)).ok) throw new Error("createJwksVerifier accepted a forged token");
await jwtVerify(forged, joseKey, { algorithms: ["EdDSA"] }).then(
  () => {
    throw new Error("jose accepted a forged token");
  },
  () => {},
);

async function slice(impl) {
  const end = process.hrtime.bigint() + BigInt(SLICE_MS * 1e6);
  let n = 0;
  const t0 = process.hrtime.bigint();
  let t = t0;
  while (t < end) {
    for (let i = 0; i < 16; i++) impl.sync ? impl.run() : await impl.run();
    n += 16;
    t = process.hrtime.bigint();
  }
  return Number(t - t0) / 1e3 / n; // µs per verification
}

const samples = impls.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < impls.length; k++) {
    const i = (k + r) % impls.length;
    samples[i].push(await slice(impls[i]));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = impls.map((impl, i) => ({ name: impl.name, median_us: median(samples[i]), min_us: Math.min(...samples[i]), max_us: Math.max(...samples[i]) }));
const oursUs = rows[0].median_us;
console.log(`EdDSA verify, Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), ${ROUNDS} rounds × ${SLICE_MS} ms, medians:`);
for (const row of rows) {
  // > 1: ours is that many times faster than this row; < 1: this row is faster.
  console.log(`  ${row.name.padEnd(64)} ${row.median_us.toFixed(1).padStart(8)} µs  (${(1e6 / row.median_us).toFixed(0).padStart(6)}/s)  ours vs this: ${(row.median_us / oursUs).toFixed(2)}x`);
}
mkdirSync(new URL("results/", import.meta.url), { recursive: true });
writeFileSync(
  new URL("results/eddsa.json", import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rounds: ROUNDS, slice_ms: SLICE_MS, rows }, null, 2) + "\n",
);

/**
 * Inside workerd (js/bench/eddsa-worker under `wrangler dev` on 127.0.0.1): a request runs N
 * verifications of one implementation; its time is measured from outside (inside a request
 * the clock does not advance during CPU work), minus the time of an n=0 request. Per round
 * and implementation, each side is the fastest of 3 samples (interference only adds time);
 * reported: the median over rounds. Results: bench/results/eddsa-workerd.json.
 */
async function workerdBench() {
  const { startWranglerDev } = await import("../scripts/lib/wrangler-dev.mjs");
  const { fileURLToPath } = await import("node:url");
  const server = await startWranglerDev({ cwd: fileURLToPath(new URL("../js/bench/eddsa-worker/", import.meta.url)) });
  // keyring: the ring's sync verify (wasm Ed25519); verifier: createJwksVerifier's default
  // (Ed25519 through WebCrypto, the rest in the ring); verifier_wasm: the same, wasm only.
  const IMPLS = ["keyring", "verifier", "verifier_wasm", "jose_key", "webcrypto"];
  const N = 200;
  const time = async (impl, n) => {
    const t0 = performance.now();
    const res = await fetch(`${server.base}/?impl=${impl}&n=${n}`);
    if (!res.ok) throw new Error(`${impl}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    return performance.now() - t0;
  };
  try {
    for (const impl of IMPLS) await time(impl, 50); // warm-up (and a correctness check: 500 on failure)
    const samples = Object.fromEntries(IMPLS.map((i) => [i, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < IMPLS.length; k++) {
        const impl = IMPLS[(k + r) % IMPLS.length];
        const best = async (n) => Math.min(await time(impl, n), await time(impl, n), await time(impl, n));
        samples[impl].push(((await best(N)) - (await best(0))) * 1000 / N);
      }
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const rows = IMPLS.map((impl) => ({ name: impl, median_us: median(samples[impl]), min_us: Math.min(...samples[impl]), max_us: Math.max(...samples[impl]) }));
    const ours = rows.find((r) => r.name === "verifier").median_us;
    console.log(`EdDSA verify inside workerd (wrangler dev), ${ROUNDS} rounds × N=${N}, medians:`);
    for (const row of rows) console.log(`  ${row.name.padEnd(10)} ${row.median_us.toFixed(1).padStart(8)} µs  (min ${row.min_us.toFixed(1)}, max ${row.max_us.toFixed(1)})  this ÷ verifier: ${(row.median_us / ours).toFixed(2)}x`);
    mkdirSync(new URL("results/", import.meta.url), { recursive: true });
    writeFileSync(new URL("results/eddsa-workerd.json", import.meta.url), JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, n: N, rows }, null, 2) + "\n");
  } finally {
    await server.stop();
  }
}
