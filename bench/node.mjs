// HS256 verify/sign benchmark, one Node process, implementations interleaved.
//
//   node bench/node.mjs [--quick] [--rounds N]
//   import { runNodeBench } from "./node.mjs"; await runNodeBench({ rounds, quick })
//
// Every verifier gets the same token (from generateJWT: sub, email, name, iat, exp, jti);
// a second group verifies the same claims under a header this project did not write
// ({"typ":"JWT","alg":"HS256","kid":"x"}), so the general header parse is timed too.
// Peers run in each documented key mode: the secret (imported on every call) and a
// CryptoKey imported once; the headline ratios are against each peer's faster mode.
// Each round runs every implementation once for a fixed time slice, in a rotated order;
// the reported figure is the median over rounds. Ratios are computed from those medians,
// all from this one run. Results go to bench/results/node.json.
import { createHmac, timingSafeEqual, randomUUID } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants as zc } from "node:zlib";
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import os from "node:os";

import { generateJWT, verifyJWT, deriveKid, KeyRing } from "hybrid-auth";
import { SignJWT, jwtVerify } from "jose";
import { sign as honoSign, verify as honoVerify } from "hono/jwt";
import tsndr from "@tsndr/cloudflare-worker-jwt";
import { createSigner, createVerifier } from "fast-jwt";

const ROOT = new URL("../", import.meta.url);
const WASM = new URL("pkg/web/hybrid_auth_bg.wasm", ROOT);
const ENTRY = new URL("entry/node.js", ROOT);
const RESULTS = new URL("bench/results/node.json", ROOT);

const SECRET = "bench-secret-0123456789abcdef-0123456789abcdef"; // 46 bytes
const KEY_BYTES = new TextEncoder().encode(SECRET);
const LIFETIME = 3600;

// ---------------------------------------------------------------------------------
// The node:crypto baseline: a real, complete verifier (and signer).

const HEADER_B64 = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url");

function nodeCryptoVerify(token, secret) {
  if (typeof token !== "string" || token.length > 8192) return null;
  const d1 = token.indexOf(".");
  const d2 = token.indexOf(".", d1 + 1);
  if (d1 <= 0 || d2 < 0 || token.indexOf(".", d2 + 1) !== -1) return null;
  const mac = createHmac("sha256", secret).update(token.slice(0, d2)).digest();
  const sig = Buffer.from(token.slice(d2 + 1), "base64url");
  if (sig.length !== mac.length || !timingSafeEqual(mac, sig)) return null;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, d1), "base64url").toString("utf8"));
    if (header === null || header.alg !== "HS256" || header.crit !== undefined) return null;
    const claims = JSON.parse(Buffer.from(token.slice(d1 + 1, d2), "base64url").toString("utf8"));
    if (claims === null || typeof claims.sub !== "string") return null;
    if (typeof claims.exp !== "number" || !(Date.now() / 1000 < claims.exp)) return null;
    return claims;
  } catch {
    return null;
  }
}

function nodeCryptoSign(sub, email, name, secret, lifetime) {
  const iat = Math.floor(Date.now() / 1000);
  const payload = JSON.stringify({ sub, email, name, iat, exp: iat + lifetime, jti: randomUUID() });
  const input = `${HEADER_B64}.${Buffer.from(payload).toString("base64url")}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

// ---------------------------------------------------------------------------------
// Implementations. `sync: true` ones are called in a plain loop, the others awaited.

const FOREIGN_HEADER = '{"typ":"JWT","alg":"HS256","kid":"x"}';

/** The same payload under FOREIGN_HEADER, signed with the same secret. */
function foreignToken(token) {
  const input = `${Buffer.from(FOREIGN_HEADER).toString("base64url")}.${token.split(".")[1]}`;
  return `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
}

async function implementations() {
  // The kid deployment rings use (and the one verifyJWT's internal ring has).
  const kid = deriveKid(SECRET);
  const ring = new KeyRing({ keys: [{ kid, secret: SECRET }], signWith: kid });
  // A ring refuses a kid it does not hold (by design): the foreign token's is "x".
  const ringX = new KeyRing({ keys: [{ kid: "x", secret: SECRET }], signWith: "x" });
  const cryptoKey = await crypto.subtle.importKey("raw", KEY_BYTES, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  const fastVerify = createVerifier({ key: SECRET, algorithms: ["HS256"] }); // no token cache
  const fastSign = createSigner({ key: SECRET, algorithm: "HS256", expiresIn: LIFETIME * 1000 });
  const user = { sub: "user-1234", email: "ada@example.com", name: "Ada Lovelace" };
  const token = generateJWT(user.sub, user.email, user.name, SECRET, LIFETIME);
  const tokenKid = foreignToken(token);
  const now = () => Math.floor(Date.now() / 1000);
  const SECRET_MODE = "secret: key imported on every call";
  const KEY_MODE = "CryptoKey imported once";

  // `peer` groups one library's modes (the headline takes its faster one); `mode` says how
  // the key is given. Ours and the node:crypto baseline have no peer.
  const verifiersFor = (t, { kidRing }) => [
    { name: "verifyJWT (wasm)", ours: true, mode: "secret string per call (prepared key cached inside)", sync: true, fn: () => verifyJWT(t, SECRET) },
    { name: "KeyRing.verify (wasm)", ours: true, mode: kidRing ? 'KeyRing built once, key kid "x"' : "KeyRing built once", sync: true, fn: kidRing ? () => ringX.verify(t) : () => ring.verify(t) },
    { name: "node:crypto (baseline)", mode: "createHmac with the secret per call", sync: true, fn: () => nodeCryptoVerify(t, SECRET) },
    { name: "jose (secret bytes)", peer: "jose", mode: `Uint8Array ${SECRET_MODE}`, fn: () => jwtVerify(t, KEY_BYTES, { algorithms: ["HS256"] }) },
    { name: "jose (CryptoKey)", peer: "jose", mode: KEY_MODE, fn: () => jwtVerify(t, cryptoKey, { algorithms: ["HS256"] }) },
    { name: "hono/jwt (secret)", peer: "hono/jwt", mode: `string ${SECRET_MODE}`, fn: () => honoVerify(t, SECRET, "HS256") },
    { name: "hono/jwt (CryptoKey)", peer: "hono/jwt", mode: KEY_MODE, fn: () => honoVerify(t, cryptoKey, "HS256") },
    { name: "@tsndr/cloudflare-worker-jwt (secret)", peer: "@tsndr/cloudflare-worker-jwt", mode: `string ${SECRET_MODE}`, fn: () => tsndr.verify(t, SECRET, { algorithm: "HS256" }) },
    { name: "@tsndr/cloudflare-worker-jwt (CryptoKey)", peer: "@tsndr/cloudflare-worker-jwt", mode: KEY_MODE, fn: () => tsndr.verify(t, cryptoKey, { algorithm: "HS256" }) },
    { name: "fast-jwt", peer: "fast-jwt", mode: "createVerifier once (key prepared), no token cache", sync: true, fn: () => fastVerify(t) },
  ];
  const verify = verifiersFor(token, { kidRing: false });
  // verifyJWT keys its internal ring by a kid derived from the secret: a token naming
  // another kid is refused (checked below), and then has no verifyJWT row here.
  const verifyKid = verifiersFor(tokenKid, { kidRing: true }).filter((v) => !(v.name.startsWith("verifyJWT") && verifyJWT(tokenKid, SECRET) === null));
  const joseSign = (key) =>
    new SignJWT({ email: user.email, name: user.name })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(user.sub)
      .setIssuedAt()
      .setExpirationTime(now() + LIFETIME)
      .setJti(randomUUID())
      .sign(key);
  const claims = () => ({ ...user, iat: now(), exp: now() + LIFETIME, jti: randomUUID() });
  const sign = [
    { name: "generateJWT (wasm)", ours: true, mode: "secret string per call", sync: true, fn: () => generateJWT(user.sub, user.email, user.name, SECRET, LIFETIME) },
    { name: "KeyRing.sign (wasm)", ours: true, mode: "KeyRing built once", sync: true, fn: () => ring.sign({ ...user }, LIFETIME) },
    { name: "node:crypto (baseline)", mode: "createHmac with the secret per call", sync: true, fn: () => nodeCryptoSign(user.sub, user.email, user.name, SECRET, LIFETIME) },
    { name: "jose (secret bytes)", peer: "jose", mode: `Uint8Array ${SECRET_MODE}`, fn: () => joseSign(KEY_BYTES) },
    { name: "jose (CryptoKey)", peer: "jose", mode: KEY_MODE, fn: () => joseSign(cryptoKey) },
    { name: "hono/jwt (secret)", peer: "hono/jwt", mode: `string ${SECRET_MODE}`, fn: () => honoSign(claims(), SECRET, "HS256") },
    { name: "hono/jwt (CryptoKey)", peer: "hono/jwt", mode: KEY_MODE, fn: () => honoSign(claims(), cryptoKey, "HS256") },
    { name: "@tsndr/cloudflare-worker-jwt (secret)", peer: "@tsndr/cloudflare-worker-jwt", mode: `string ${SECRET_MODE}`, fn: () => tsndr.sign(claims(), SECRET, { algorithm: "HS256" }) },
    { name: "@tsndr/cloudflare-worker-jwt (CryptoKey)", peer: "@tsndr/cloudflare-worker-jwt", mode: KEY_MODE, fn: () => tsndr.sign(claims(), cryptoKey, { algorithm: "HS256" }) },
    { name: "fast-jwt", peer: "fast-jwt", mode: "createSigner once", sync: true, fn: () => fastSign({ ...user, jti: randomUUID() }) },
  ];
  return { token, tokenKid, ring, cryptoKey, verify, verifyKid, sign };
}

/** Every implementation must do the real work: accept the token, refuse a forgery,
 * and every signer's token must verify with verifyJWT. */
async function sanityCheck({ token, verify, verifyKid, sign, cryptoKey }) {
  const [h, p, s] = token.split(".");
  const forged = `${h}.${p}.${s.slice(0, -2)}${s.at(-2) === "A" ? "B" : "A"}${s.at(-1)}`;
  for (const v of [...verify, ...verifyKid]) {
    const r = await v.fn();
    if (!r || r.ok === false) throw new Error(`${v.name} did not accept the benchmark token`);
  }
  // The same configurations must refuse a forged signature.
  const ring = new KeyRing({ keys: [{ kid: "k1", secret: SECRET }], signWith: "k1" });
  const refuses = [
    verifyJWT(forged, SECRET) === null,
    ring.verify(forged).ok === false,
    nodeCryptoVerify(forged, SECRET) === null,
    await jwtVerify(forged, KEY_BYTES).then(() => false, () => true),
    await jwtVerify(forged, cryptoKey).then(() => false, () => true),
    await honoVerify(forged, SECRET, "HS256").then(() => false, () => true),
    await honoVerify(forged, cryptoKey, "HS256").then(() => false, () => true),
    (await tsndr.verify(forged, SECRET, { algorithm: "HS256" })) === undefined,
    (await tsndr.verify(forged, cryptoKey, { algorithm: "HS256" })) === undefined,
    (() => {
      try {
        createVerifier({ key: SECRET, algorithms: ["HS256"] })(forged);
        return false;
      } catch {
        return true;
      }
    })(),
  ];
  if (!refuses.every(Boolean)) throw new Error(`a verifier accepted a forged token: ${refuses}`);
  for (const g of sign) {
    const t = await g.fn();
    const u = verifyJWT(t, SECRET);
    if (!u || u.id !== "user-1234" || u.name !== "Ada Lovelace" || typeof u.jti !== "string" || u.exp - u.iat !== LIFETIME) {
      throw new Error(`${g.name} produced a token verifyJWT does not accept as the seed's: ${t}`);
    }
  }
}

// ---------------------------------------------------------------------------------
// Timing.

let sink = 0;

/** Runs `impl` for about `ms` milliseconds; returns { ops, ns }. */
async function slice(impl, ms) {
  const budget = BigInt(Math.round(ms * 1e6));
  const t0 = process.hrtime.bigint();
  let ops = 0;
  let t = t0;
  if (impl.sync) {
    const fn = impl.fn;
    do {
      for (let i = 0; i < 64; i++) sink ^= fn() ? 1 : 0;
      ops += 64;
      t = process.hrtime.bigint();
    } while (t - t0 < budget);
  } else {
    const fn = impl.fn;
    do {
      for (let i = 0; i < 8; i++) sink ^= (await fn()) ? 1 : 0;
      ops += 8;
      t = process.hrtime.bigint();
    } while (t - t0 < budget);
  }
  return { ops, ns: Number(t - t0) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function measureGroup(impls, { rounds, sliceMs, warmupMs }) {
  for (const impl of impls) await slice(impl, warmupMs);
  const perRound = impls.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // Rotate the order every round so no implementation always runs first or last.
    for (let k = 0; k < impls.length; k++) {
      const i = (k + r) % impls.length;
      const { ops, ns } = await slice(impls[i], sliceMs);
      perRound[i].push((ops * 1e9) / ns);
    }
  }
  return impls.map((impl, i) => {
    const ops = median(perRound[i]);
    return {
      name: impl.name,
      opsPerSec: Math.round(ops),
      usPerOp: +(1e6 / ops).toFixed(3),
      rounds: perRound[i].map(Math.round),
      spreadPct: +((100 * (Math.max(...perRound[i]) - Math.min(...perRound[i]))) / ops).toFixed(1),
    };
  });
}

// ---------------------------------------------------------------------------------
// The .wasm: size and start-up.

function wasmStats({ quick }) {
  const bytes = readFileSync(WASM);
  const gzip = gzipSync(bytes, { level: 9 }).length;
  const brotli = brotliCompressSync(bytes, { params: { [zc.BROTLI_PARAM_QUALITY]: 11 } }).length;

  // Compile + instantiate, 20 times each. Imports are stubbed (the glue's imports are
  // only called later, by exported functions), so this times exactly what initSync does
  // to the module: `new WebAssembly.Module` then `new WebAssembly.Instance`.
  const stubImports = (mod) => {
    const imports = {};
    for (const { module, name, kind } of WebAssembly.Module.imports(mod)) {
      imports[module] ??= {};
      if (kind === "function") imports[module][name] = () => {};
      else if (kind === "memory") imports[module][name] = new WebAssembly.Memory({ initial: 17 });
      else if (kind === "table") imports[module][name] = new WebAssembly.Table({ initial: 128, element: "externref" });
      else if (kind === "global") imports[module][name] = new WebAssembly.Global({ value: "i32", mutable: false }, 0);
    }
    return imports;
  };
  // Each copy gets a unique custom section, so V8's module cache (keyed by the bytes)
  // cannot turn later iterations into cache hits; custom sections change nothing else.
  const uniqueCopy = (i) => {
    const name = Buffer.from(`bench-${i}-${Math.random()}`);
    return Buffer.concat([bytes, Buffer.from([0, name.length + 1, name.length]), name]);
  };
  const compile = [];
  const instantiate = [];
  for (let i = 0; i < 20; i++) {
    const copy = uniqueCopy(i);
    const t0 = performance.now();
    const mod = new WebAssembly.Module(copy);
    const t1 = performance.now();
    new WebAssembly.Instance(mod, stubImports(mod));
    const t2 = performance.now();
    compile.push(t1 - t0);
    instantiate.push(t2 - t1);
  }

  // Cold start in fresh Node processes, timed inside the child:
  //  (a) the wasm-bindgen glue's path: compile, initSync (instantiate + start), and the
  //      first generateJWT + verifyJWT (V8 compiles wasm functions lazily on first call);
  //  (b) what a user sees: `import()` of entry/node.js (read, compile, instantiate).
  const children = quick ? 3 : 7;
  const glue = pathToFileURL(fileURLToPath(new URL("pkg/web/hybrid_auth.js", ROOT))).href;
  const scriptA = `
    import { readFileSync } from "node:fs";
    const g = await import(${JSON.stringify(glue)});
    const bytes = readFileSync(new URL(${JSON.stringify(WASM.href)}));
    const t0 = performance.now();
    const module = new WebAssembly.Module(bytes);
    const t1 = performance.now();
    g.initSync({ module });
    const t2 = performance.now();
    const s = "x".repeat(32);
    g.verifyJWT(g.generateJWT("u", "e", "n", s, 60), s);
    const t3 = performance.now();
    console.log(JSON.stringify([t1 - t0, t2 - t1, t3 - t2]));`;
  const scriptB = `
    const t0 = performance.now();
    const m = await import(${JSON.stringify(pathToFileURL(fileURLToPath(ENTRY)).href)});
    const t1 = performance.now();
    m.isJWT("a.b.c");
    console.log(JSON.stringify([t1 - t0]));`;
  const run = (script) => {
    try {
      return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }));
    } catch {
      return [NaN, NaN, NaN];
    }
  };
  const cold = { compile: [], init: [], firstCall: [], importEntry: [] };
  for (let i = 0; i < children; i++) {
    const [c, n, f] = run(scriptA);
    cold.compile.push(c);
    cold.init.push(n);
    cold.firstCall.push(f);
    cold.importEntry.push(run(scriptB)[0]);
  }
  const r3 = (x) => +x.toFixed(3);
  return {
    path: "pkg/web/hybrid_auth_bg.wasm",
    rawBytes: bytes.length,
    gzipBytes: gzip,
    brotliBytes: brotli,
    limitBytes: 80 * 1024,
    withinLimit: bytes.length <= 80 * 1024,
    compileMsMedian: r3(median(compile)),
    instantiateMsMedian: r3(median(instantiate)),
    compilePlusInstantiateMsMedian: r3(median(compile.map((c, i) => c + instantiate[i]))),
    coldProcess: {
      runs: children,
      compileMsMedian: r3(median(cold.compile)),
      initSyncMsMedian: r3(median(cold.init)),
      firstSignAndVerifyMsMedian: r3(median(cold.firstCall)),
      importEntryMsMedian: r3(median(cold.importEntry)),
    },
  };
}

// ---------------------------------------------------------------------------------

/** Median over rounds of the per-round speed ratio: within a round the two ran back to
 * back, so this is less sensitive to load changes on a shared machine than a ratio of
 * medians. */
function ratios(results, subject, baseline) {
  const a = results.find((r) => r.name === subject).rounds;
  const b = results.find((r) => r.name === baseline).rounds;
  return +median(a.map((x, i) => x / b[i])).toFixed(2);
}

/** Each peer's faster mode in `rows` (highest median ops/s): { peer: row name }. */
function bestModes(rows) {
  const best = {};
  for (const r of rows) {
    if (!r.peer) continue;
    if (!best[r.peer] || r.opsPerSec > rows.find((x) => x.name === best[r.peer]).opsPerSec) best[r.peer] = r.name;
  }
  return best;
}

function table(title, rows, { baseline, jose }) {

  const head = ["implementation", "ops/s", "µs/op", "× node:crypto", "× jose", "range"];
  const body = rows.map((r) => [
    r.name,
    r.opsPerSec.toLocaleString("en-US"),
    r.usPerOp.toFixed(2),
    ratios(rows, r.name, baseline).toFixed(2),
    ratios(rows, r.name, jose).toFixed(1),
    `±${(r.spreadPct / 2).toFixed(0)}%`,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(" | ")} |`;
  return [
    `\n${title}`,
    line(head),
    `|${w.map((n, i) => (i === 0 ? "-".repeat(n + 2) : `${"-".repeat(n + 1)}:`)).join("|")}|`,
    ...body.map(line),
  ].join("\n");
}

export async function runNodeBench({ rounds, quick = false } = {}) {
  rounds = Math.max(5, rounds ?? (quick ? 5 : 15));
  const sliceMs = quick ? 60 : 100;
  const warmupMs = quick ? 100 : 300;
  const impls = await implementations();
  await sanityCheck(impls);

  const t0 = performance.now();
  const tag = (rows, list) => rows.map((r, i) => ({ ...r, ...(list[i].ours ? { ours: true } : {}), ...(list[i].peer ? { peer: list[i].peer } : {}), mode: list[i].mode }));
  const verify = tag(await measureGroup(impls.verify, { rounds, sliceMs, warmupMs }), impls.verify);
  const verifyKid = tag(await measureGroup(impls.verifyKid, { rounds, sliceMs, warmupMs }), impls.verifyKid);
  const sign = tag(await measureGroup(impls.sign, { rounds, sliceMs, warmupMs }), impls.sign);
  const best = { verify: bestModes(verify), verify_kid: bestModes(verifyKid), sign: bestModes(sign) };
  const wasm = wasmStats({ quick });

  const B = "node:crypto (baseline)";
  const result = {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cpus: os.cpus().length,
    date: new Date().toISOString(),
    method: `median of ${rounds} rounds (ratios: median of per-round ratios); each round runs every implementation for ${sliceMs} ms in rotated order, after a ${warmupMs} ms warm-up; async implementations awaited per op`,
    token: { bytes: impls.token.length, claims: ["sub", "email", "name", "iat", "exp", "jti"] },
    token_kid: { bytes: impls.tokenKid.length, header: FOREIGN_HEADER, verifyJWT_accepts: impls.verifyKid.some((v) => v.name.startsWith("verifyJWT")) },
    verify,
    verify_kid: verifyKid,
    sign,
    best_mode: best,
    ratios: {
      verifyJWT_vs_nodeCrypto: ratios(verify, "verifyJWT (wasm)", B),
      verifyJWT_vs_jose: ratios(verify, "verifyJWT (wasm)", best.verify.jose),
      keyRingVerify_vs_nodeCrypto: ratios(verify, "KeyRing.verify (wasm)", B),
      keyRingVerify_vs_jose: ratios(verify, "KeyRing.verify (wasm)", best.verify.jose),
      generateJWT_vs_nodeCrypto: ratios(sign, "generateJWT (wasm)", B),
      generateJWT_vs_jose: ratios(sign, "generateJWT (wasm)", best.sign.jose),
    },
    wasm,
    durationSeconds: +((performance.now() - t0) / 1000).toFixed(1),
  };
  result.targets = {
    verifyJWT_at_least_1_2x_nodeCrypto: result.ratios.verifyJWT_vs_nodeCrypto >= 1.2,
    verifyJWT_at_least_25x_jose: result.ratios.verifyJWT_vs_jose >= 25,
    wasm_at_most_80KiB: wasm.withinLimit,
  };
  mkdirSync(new URL("./", RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  if (sink === 0.5) console.log(sink); // keep the results observable
  return result;
}

export function formatNodeBench(r) {
  const opts = { baseline: "node:crypto (baseline)", jose: r.best_mode.verify.jose };
  const w = r.wasm;
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  return [
    `Node ${r.node} (V8 ${r.v8}), ${r.cpu} x${r.cpus}; ${r.method}.`,
    `Token: ${r.token.bytes} bytes (${r.token.claims.join(", ")}).`,
    table("Verify (same token for every implementation)", r.verify, opts),
    table(`Verify, foreign header ${r.token_kid.header}`, r.verify_kid, { ...opts, jose: r.best_mode.verify_kid.jose }),
    table("Sign (sub, email, name, iat, exp, jti)", r.sign, { ...opts, jose: r.best_mode.sign.jose }),
    `(× jose = against jose's faster mode: verify ${r.best_mode.verify.jose}, sign ${r.best_mode.sign.jose})`,
    "",
    `verifyJWT: ${r.ratios.verifyJWT_vs_nodeCrypto}× node:crypto (target ≥ 1.2: ${r.targets.verifyJWT_at_least_1_2x_nodeCrypto ? "met" : "NOT met"}), ` +
      `${r.ratios.verifyJWT_vs_jose}× jose (target ≥ 25: ${r.targets.verifyJWT_at_least_25x_jose ? "met" : "NOT met"})`,
    `KeyRing.verify: ${r.ratios.keyRingVerify_vs_nodeCrypto}× node:crypto, ${r.ratios.keyRingVerify_vs_jose}× jose; ` +
      `generateJWT: ${r.ratios.generateJWT_vs_nodeCrypto}× node:crypto, ${r.ratios.generateJWT_vs_jose}× jose`,
    "",
    `wasm ${w.path}: ${w.rawBytes} B raw (${kib(w.rawBytes)}; limit 80 KiB: ${w.withinLimit ? "within" : "OVER"}), ` +
      `${w.gzipBytes} B gzip, ${w.brotliBytes} B brotli`,
    `in-process, median of 20: compile ${w.compileMsMedian} ms + instantiate ${w.instantiateMsMedian} ms`,
    `fresh process, median of ${w.coldProcess.runs}: compile ${w.coldProcess.compileMsMedian} ms, initSync ${w.coldProcess.initSyncMsMedian} ms, ` +
      `first generateJWT+verifyJWT ${w.coldProcess.firstSignAndVerifyMsMedian} ms; import("entry/node.js") ${w.coldProcess.importEntryMsMedian} ms`,
    `(${r.durationSeconds} s; results in bench/results/node.json)`,
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const i = args.indexOf("--rounds");
  const rounds = i >= 0 ? Number(args[i + 1]) : undefined;
  const r = await runNodeBench({ rounds, quick });
  console.log(formatNodeBench(r));
}
