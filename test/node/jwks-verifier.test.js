// createJwksVerifier (issue 24) against a JWKS served by a local HTTP server on
// 127.0.0.1: caching, the refetch on an unknown kid and its rate cap, failing closed,
// and the issuer/audience binding. The clock is injected; no test waits on time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { generateKeyPairSync } from "node:crypto";
import { KeyRing, createJwksVerifier } from "hybrid-auth/eddsa";

const ISS = "https://auth.example";
const AUD = "api";

const key = (kid) => ({ kid, ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }) });
const publicOf = ({ kty, crv, x, kid }) => ({ kty, crv, x, kid });
const signer = (jwk, clock) => new KeyRing({ keys: [{ jwk }], signWith: jwk.kid, issuer: ISS, audience: AUD, tokenType: "at+jwt", now: clock });

/** A JWKS server whose answer the test changes; counts requests. */
async function jwksServer() {
  const state = { body: JSON.stringify({ keys: [] }), status: 200, requests: 0 };
  const server = createServer((req, res) => {
    state.requests += 1;
    if (req.url !== "/.well-known/jwks.json") return res.writeHead(404).end();
    res.writeHead(state.status, { "content-type": "application/json" }).end(state.body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    state,
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    publish: (...keys) => (state.body = JSON.stringify({ keys: keys.map(publicOf) })),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function setup(t, server, extra = {}) {
  const clock = { t: 1_800_000_000 };
  const now = () => clock.t;
  const verifier = createJwksVerifier({ jwksUrl: server.url, issuer: ISS, audience: AUD, tokenType: "at+jwt", cache: false, now, ...extra });
  t.after(server.close);
  return { clock, now, verifier };
}

test("verifies a token with the served key, and fetches the set once while it is fresh", async (t) => {
  const server = await jwksServer();
  const { now, verifier } = setup(t, server);
  const k1 = key("k1");
  server.publish(k1);
  const token = signer(k1, now).sign({ sub: "u1" }, 60);
  for (let i = 0; i < 5; i++) {
    const res = await verifier.verify(token);
    assert.equal(res.ok, true);
    assert.equal(res.claims.sub, "u1");
  }
  assert.equal(server.state.requests, 1, "one fetch for five verifications");
  assert.equal(verifier.fetches, 1);
  // A token for another audience or issuer, signed by the same key, is refused.
  const other = new KeyRing({ keys: [{ jwk: k1 }], signWith: "k1", issuer: ISS, audience: "other", tokenType: "at+jwt", now });
  assert.deepEqual(await verifier.verify(other.sign({ sub: "u1" }, 60)), { ok: false, reason: "wrong_audience" });
});

test("after cacheSeconds the set is fetched again, so a removed key stops verifying", async (t) => {
  const server = await jwksServer();
  const { clock, now, verifier } = setup(t, server, { cacheSeconds: 300 });
  const [k1, k2] = [key("k1"), key("k2")];
  server.publish(k1, k2);
  const token = signer(k1, now).sign({ sub: "u" }, 3600);
  assert.equal((await verifier.verify(token)).ok, true);
  server.publish(k2);
  clock.t += 299;
  assert.equal((await verifier.verify(token)).ok, true, "still the cached set");
  assert.equal(server.state.requests, 1);
  clock.t += 1;
  assert.deepEqual(await verifier.verify(token), { ok: false, reason: "unknown_kid" });
  assert.equal(server.state.requests, 2);
});

test("an unknown kid refetches once (a rotation), and at most once per minRefetchSeconds", async (t) => {
  const server = await jwksServer();
  const { clock, now, verifier } = setup(t, server, { minRefetchSeconds: 30 });
  const [k1, k2] = [key("k1"), key("k2")];
  server.publish(k1);
  assert.equal((await verifier.verify(signer(k1, now).sign({ sub: "u" }, 60))).ok, true);
  clock.t += 31;
  // The issuer rotates to k2: the first k2 token triggers one refetch and verifies.
  server.publish(k2, k1);
  const k2Token = signer(k2, now).sign({ sub: "u" }, 60);
  assert.equal((await verifier.verify(k2Token)).ok, true);
  assert.equal(server.state.requests, 2);
  // A flood of tokens with made-up kids costs no more fetches within the window.
  const forged = signer(key("zz"), now).sign({ sub: "u" }, 60);
  for (let i = 0; i < 20; i++) assert.deepEqual(await verifier.verify(forged), { ok: false, reason: "unknown_kid" });
  assert.equal(server.state.requests, 2, "no refetch within 30 s of the last");
  clock.t += 30;
  await verifier.verify(forged);
  assert.equal(server.state.requests, 3, "one more once the window has passed");
});

test("fails closed: no set, an error answer or a refused set means every token is refused", async (t) => {
  const server = await jwksServer();
  const { clock, now, verifier } = setup(t, server, { minRefetchSeconds: 30 });
  const k1 = key("k1");
  const token = signer(k1, now).sign({ sub: "u" }, 3600);
  server.state.status = 500;
  server.publish(k1);
  assert.deepEqual(await verifier.verify(token), { ok: false, reason: "jwks_unavailable" });
  // A failure is rate-capped too.
  await verifier.verify(token);
  assert.equal(server.state.requests, 1);
  // A set that is not acceptable (a duplicate kid; a private key) is no set.
  clock.t += 30;
  server.state.status = 200;
  server.state.body = JSON.stringify({ keys: [publicOf(k1), publicOf(k1)] });
  assert.deepEqual(await verifier.verify(token), { ok: false, reason: "jwks_unavailable" });
  clock.t += 30;
  server.state.body = JSON.stringify({ keys: [k1] });
  assert.deepEqual(await verifier.verify(token), { ok: false, reason: "jwks_unavailable" });
  clock.t += 30;
  server.publish(k1);
  assert.equal((await verifier.verify(token)).ok, true, "recovers when the set is good again");
});

test("a set kept through failing refetches is used for maxStaleSeconds past cacheSeconds, then nothing is", async (t) => {
  const server = await jwksServer();
  const { clock, now, verifier } = setup(t, server, { cacheSeconds: 300, maxStaleSeconds: 3600 });
  const k1 = key("k1");
  server.publish(k1);
  const token = signer(k1, now).sign({ sub: "u" }, 86_400);
  assert.equal((await verifier.verify(token)).ok, true);
  server.state.status = 503;
  clock.t += 300 + 3599;
  assert.equal((await verifier.verify(token)).ok, true, "stale but within maxStaleSeconds");
  assert.equal(server.state.requests, 2, "a refetch was tried and failed");
  clock.t += 1;
  assert.deepEqual(await verifier.verify(token), { ok: false, reason: "jwks_unavailable" });
  clock.t += 30;
  server.state.status = 200;
  assert.equal((await verifier.verify(token)).ok, true, "a good fetch restores it");
});

test("uses a Cache API cache when given one, so a second verifier does not refetch", async (t) => {
  const server = await jwksServer();
  const store = new Map();
  const cache = { match: async (url) => store.get(url)?.clone(), put: async (url, res) => void store.set(url, res) };
  const { now } = setup(t, server, {});
  const k1 = key("k1");
  server.publish(k1);
  const token = signer(k1, now).sign({ sub: "u" }, 60);
  const make = () => createJwksVerifier({ jwksUrl: server.url, issuer: ISS, audience: AUD, tokenType: "at+jwt", cache, now });
  assert.equal((await make().verify(token)).ok, true);
  assert.equal((await make().verify(token)).ok, true);
  assert.equal(server.state.requests, 1, "the second isolate read the shared cache");
  assert.match(store.get(server.url).headers.get("cache-control"), /^max-age=300$/);
});

test("refuses options that would verify too little", () => {
  const ok = { jwksUrl: "https://auth.example/.well-known/jwks.json", issuer: ISS, audience: AUD };
  assert.throws(() => createJwksVerifier({ ...ok, issuer: undefined }), /issuer is required/);
  assert.throws(() => createJwksVerifier({ ...ok, audience: "" }), /audience is required/);
  assert.throws(() => createJwksVerifier({ ...ok, jwksUrl: "http://auth.example/jwks" }), /https/);
  assert.throws(() => createJwksVerifier({ ...ok, jwksUrl: "jwks.json" }), /absolute URL/);
  assert.ok(createJwksVerifier(ok));
});

/** Counts WebCrypto Ed25519 verifications while `fn` runs (the native path's own call). */
async function countingNativeVerifies(fn) {
  const proto = Object.getPrototypeOf(globalThis.crypto.subtle);
  const original = proto.verify;
  let calls = 0;
  proto.verify = function (algorithm, ...rest) {
    if ((algorithm?.name ?? algorithm) === "Ed25519") calls += 1;
    return original.call(this, algorithm, ...rest);
  };
  try {
    return { result: await fn(), calls };
  } finally {
    proto.verify = original;
  }
}

test("the Ed25519 check runs in WebCrypto (native), and every answer equals the wasm-only verifier's", async (t) => {
  const server = await jwksServer();
  const { now } = setup(t, server);
  const [k1, k2] = [key("k1"), key("k2")];
  server.publish(k1, k2);
  const options = { jwksUrl: server.url, issuer: ISS, audience: AUD, tokenType: "at+jwt", cache: false, now };
  const native = createJwksVerifier(options);
  const wasmOnly = createJwksVerifier({ ...options, nativeEd25519: false });
  const good = signer(k1, now).sign({ sub: "u1" }, 60);
  const [h, p, s] = good.split(".");
  const tamperedPayload = `${h}.${Buffer.from(JSON.stringify({ sub: "admin", iss: ISS, aud: AUD, exp: now() + 60 })).toString("base64url")}.${s}`;
  const flipped = Buffer.from(s, "base64url");
  // A bit of S (bytes 32..63), well below its top: the form stays valid (S < L, and R is
  // untouched, still a curve point), so only the equation can refuse it.
  flipped[40] ^= 1;
  const cases = {
    good,
    tamperedPayload,
    tamperedSignature: `${h}.${p}.${flipped.toString("base64url")}`,
    otherKeysSignature: `${h}.${p}.${signer(k2, now).sign({ sub: "u1" }, 60).split(".")[2]}`,
    expired: signer(k1, () => now() - 3600).sign({ sub: "u1" }, 60),
    otherAudience: new KeyRing({ keys: [{ jwk: k2 }], signWith: "k2", issuer: ISS, audience: "other", tokenType: "at+jwt", now }).sign({ sub: "u1" }, 60),
    unknownKid: signer(key("k9"), now).sign({ sub: "u1" }, 60),
    malformed: "a.b",
  };
  await wasmOnly.verify(good); // fetch both sets before counting
  await native.verify(good);
  for (const [name, token] of Object.entries(cases)) {
    const viaNative = await countingNativeVerifies(() => native.verify(token));
    const viaWasm = await countingNativeVerifies(() => wasmOnly.verify(token));
    assert.deepEqual(viaNative.result, viaWasm.result, name);
    assert.equal(viaWasm.calls, 0, `${name}: the wasm-only verifier never calls WebCrypto`);
    // Refused before the signature: no native check. Claims (expiry, audience) come after it.
    const signatureChecked = !["malformed", "unknownKid"].includes(name);
    assert.equal(viaNative.calls, signatureChecked ? 1 : 0, `${name}: native Ed25519 checks`);
  }
  assert.equal((await native.verify(good)).ok, true);
  assert.equal((await native.verify(cases.tamperedSignature)).reason, "bad_signature");
  assert.equal((await native.verify(cases.otherKeysSignature)).reason, "bad_signature");
  assert.equal((await native.verify(cases.expired)).reason, "expired");
  assert.equal((await native.verify(cases.otherAudience)).reason, "wrong_audience");
});

test("a signature with a small-order R, which node:crypto's Ed25519 accepts, is refused on the native path as by the wasm one", async (t) => {
  const { createHash, createPrivateKey, createPublicKey, verify } = await import("node:crypto");
  const server = await jwksServer();
  const { now } = setup(t, server);
  const k1 = key("k1");
  server.publish(k1);
  // RFC 8032 §5.1.5 by hand (BigInt): a = clamp(SHA-512(seed)[0..32]); with R the identity,
  // S = k·a mod L satisfies the cofactorless equation [S]B = R + [k]A.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const le = (bytes) => bytes.reduceRight((n, b) => (n << 8n) | BigInt(b), 0n);
  const toLe = (n) => Buffer.from(Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn)));
  const h = createHash("sha512").update(Buffer.from(k1.d, "base64url")).digest();
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
  const a = le(h.subarray(0, 32));
  const R = Buffer.alloc(32);
  R[0] = 1;
  const A = Buffer.from(k1.x, "base64url");
  const input = `${Buffer.from(JSON.stringify({ alg: "EdDSA", typ: "at+jwt", kid: "k1" })).toString("base64url")}.${Buffer.from(JSON.stringify({ sub: "u1", iss: ISS, aud: AUD, exp: now() + 60 })).toString("base64url")}`;
  const k = le(createHash("sha512").update(R).update(A).update(input).digest()) % L;
  const sig = Buffer.concat([R, toLe((k * a) % L)]);
  const publicKey = createPublicKey(createPrivateKey({ key: k1, format: "jwk" }));
  assert.equal(verify(null, Buffer.from(input), publicKey, sig), true, "control: a standard Ed25519 verifier accepts it");
  const token = `${input}.${sig.toString("base64url")}`;
  const options = { jwksUrl: server.url, issuer: ISS, audience: AUD, tokenType: "at+jwt", cache: false, now };
  const viaNative = await countingNativeVerifies(() => createJwksVerifier(options).verify(token));
  assert.deepEqual(viaNative.result, { ok: false, reason: "bad_signature" });
  assert.equal(viaNative.calls, 0, "refused on its form, before any native check");
  assert.deepEqual(await createJwksVerifier({ ...options, nativeEd25519: false }).verify(token), { ok: false, reason: "bad_signature" });
});
