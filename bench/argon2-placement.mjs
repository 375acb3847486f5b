#!/usr/bin/env node
// Issue 21: where Argon2id lives. Measures, for the record in bench/notes.md
// ("Argon2id placement (issue 21)"):
//   1. size     each .wasm, raw and gzip
//   2. start    compile (new WebAssembly.Module) + instantiate (the glue's initSync) in fresh
//               Node processes, the variants alternating; median of BENCH_START_RUNS (default 21)
//   3. verify   verifyJWT ops/s of the JWT module with and without Argon2 inside, one process,
//               rounds interleaved; median of the per-round ratios
//   4. hash     Argon2id ms per OWASP row (each placement) against node:crypto PBKDF2-SHA256
//               at 100,000 and 600,000 iterations; median of BENCH_HASH_RUNS (default 7)
//   5. memory   the password module's WebAssembly.Memory size after init, 1 and 100 hashes
//
//   node bench/argon2-placement.mjs [--embedded=DIR]
// DIR: a pkg/web built with the password API inside the JWT crate (variant (a); how it was
// built is in bench/notes.md). Without it, only the separate module (variant (b)) is measured.
// Writes bench/results/argon2-placement.json.
import { spawnSync } from "node:child_process";
import { pbkdf2Sync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const embeddedDir = arg("embedded") ? resolve(arg("embedded")) : null;
const START_RUNS = Number(process.env.BENCH_START_RUNS ?? 21);
const HASH_RUNS = Number(process.env.BENCH_HASH_RUNS ?? 7);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const r2 = (x) => Math.round(x * 100) / 100;
const log = (m) => console.log(`[argon2-placement] ${m}`);

const variants = {
  jwt: { glue: join(root, "pkg/web/hybrid_auth.js"), wasm: join(root, "pkg/web/hybrid_auth_bg.wasm") },
  argon2: { glue: join(root, "pkg/argon2/hybrid_auth_argon2.js"), wasm: join(root, "pkg/argon2/hybrid_auth_argon2_bg.wasm") },
};
if (embeddedDir) variants.embedded = { glue: join(embeddedDir, "hybrid_auth.js"), wasm: join(embeddedDir, "hybrid_auth_bg.wasm") };

// ---- 1. size
const size = {};
for (const [name, v] of Object.entries(variants)) {
  const bytes = readFileSync(v.wasm);
  size[name] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
log(`size ${JSON.stringify(size)}`);

// ---- 2. start-up, fresh processes, alternating
function fresh(v) {
  const script = `
    import { readFileSync } from "node:fs";
    const glue = await import(${JSON.stringify(pathToFileURL(v.glue).href)});
    const bytes = readFileSync(${JSON.stringify(v.wasm)});
    const t0 = performance.now();
    const mod = new WebAssembly.Module(bytes);
    const t1 = performance.now();
    glue.initSync({ module: mod });
    const t2 = performance.now();
    console.log(JSON.stringify({ compile: t1 - t0, instantiate: t2 - t1 }));`;
  const env = { ...process.env };
  delete env.NODE_COMPILE_CACHE;
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`fresh process failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}
const startSamples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let i = 0; i < START_RUNS; i++) for (const [name, v] of Object.entries(variants)) startSamples[name].push(fresh(v));
const start = {};
for (const [name, xs] of Object.entries(startSamples)) {
  start[name] = {
    compile_ms: r2(median(xs.map((x) => x.compile))),
    instantiate_ms: r2(median(xs.map((x) => x.instantiate))),
    total_ms: r2(median(xs.map((x) => x.compile + x.instantiate))),
    runs: xs.length,
  };
}
log(`start ${JSON.stringify(start)}`);

// ---- 3. verifyJWT speed, one process, interleaved
const SECRET = "argon2-placement-bench-secret-0123456789";
async function loadGlue(v) {
  const glue = await import(pathToFileURL(v.glue).href);
  const exports = glue.initSync({ module: readFileSync(v.wasm) });
  return { glue, exports };
}
const jwt = await loadGlue(variants.jwt);
const embedded = embeddedDir ? await loadGlue(variants.embedded) : null;
const argon2 = await loadGlue(variants.argon2);
const memoryAfterInit = argon2.exports.memory.buffer.byteLength;
let verify = null;
if (embedded) {
  const token = jwt.glue.generateJWT("user-1", "a@example.com", "A", SECRET, 3600);
  const rate = (fn, ms) => {
    const end = performance.now() + ms;
    let n = 0;
    while (performance.now() < end) for (let i = 0; i < 200; i++, n++) if (fn() === null) throw new Error("verify failed");
    return n / (ms / 1000);
  };
  const a = () => jwt.glue.verifyJWT(token, SECRET);
  const b = () => embedded.glue.verifyJWT(token, SECRET);
  rate(a, 300);
  rate(b, 300);
  const ratios = [];
  const base = [];
  const emb = [];
  for (let round = 0; round < 15; round++) {
    const [x, y] = round % 2 ? [rate(b, 200), rate(a, 200)].reverse() : [rate(a, 200), rate(b, 200)];
    base.push(x);
    emb.push(y);
    ratios.push(y / x);
  }
  verify = { separate_ops_s: Math.round(median(base)), embedded_ops_s: Math.round(median(emb)), embedded_over_separate: r2(median(ratios)), rounds: 15 };
  log(`verify ${JSON.stringify(verify)}`);
}

// ---- 4. hash time per OWASP row, and PBKDF2
const rows = argon2.glue.argon2idOwaspCosts();
const time = (fn, runs) => {
  fn();
  const xs = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    xs.push(performance.now() - t0);
  }
  return r2(median(xs));
};
const hash = [];
for (const row of rows) {
  const entry = { row: `m=${row.memoryKiB},t=${row.timeCost},p=${row.parallelism}` };
  entry.separate_ms = time(() => argon2.glue.hashPassword("correct horse battery staple", row), HASH_RUNS);
  if (embedded) entry.embedded_ms = time(() => embedded.glue.hashPassword("correct horse battery staple", row), HASH_RUNS);
  hash.push(entry);
  log(`hash ${JSON.stringify(entry)}`);
}
const salt = Buffer.alloc(16, 7);
const pbkdf2 = {
  "100000_ms": time(() => pbkdf2Sync("correct horse battery staple", salt, 100_000, 32, "sha256"), HASH_RUNS),
  "600000_ms": time(() => pbkdf2Sync("correct horse battery staple", salt, 600_000, 32, "sha256"), 3),
};
log(`pbkdf2 ${JSON.stringify(pbkdf2)}`);

// ---- 5. memory of the password module (the rows above already ran, largest 47104 KiB)
// A fresh instance of it for the 100-hash count at the default cost.
const fresh2 = await import(`${pathToFileURL(variants.argon2.glue).href}?memory`);
const ex2 = fresh2.initSync({ module: readFileSync(variants.argon2.wasm) });
const mem = { after_init: ex2.memory.buffer.byteLength };
const stored = fresh2.hashPassword("pw");
mem.after_1_hash = ex2.memory.buffer.byteLength;
for (let i = 0; i < 99; i++) fresh2.hashPassword("pw");
mem.after_100_hashes = ex2.memory.buffer.byteLength;
for (let i = 0; i < 100; i++) if (!fresh2.verifyPassword("pw", stored).ok) throw new Error("verify");
mem.after_100_more_verifies = ex2.memory.buffer.byteLength;
mem.growth_mib = r2((mem.after_100_more_verifies - mem.after_init) / 1048576);
mem.all_rows_instance_bytes = argon2.exports.memory.buffer.byteLength;
mem.all_rows_instance_after_init = memoryAfterInit;
log(`memory ${JSON.stringify(mem)}`);

const out = { when: new Date().toISOString(), node: process.version, loadavg: loadavg().map(r2), size, start, verify, hash, pbkdf2, memory: mem };
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(join(root, "bench", "results", "argon2-placement.json"), `${JSON.stringify(out, null, 2)}\n`);
log("wrote bench/results/argon2-placement.json");
