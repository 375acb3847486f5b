#!/usr/bin/env node
// Start-up: what a cold isolate pays before its first request (issue 13).
//
//   1. wasm       pkg/web/hybrid_auth_bg.wasm raw/gzip; compile + instantiate in fresh Node processes
//   2. bundles    `wrangler deploy --dry-run --outdir` of js/ and of a bare Hono Worker
//                 (bench/bare-hono), from the same node_modules: every module's raw and gzip size
//   3. load       each bundle loaded in fresh Node processes, the two apps alternating:
//                 read + parse + top-level evaluation + wasm compile/instantiate, timed inside
//                 the child around one `import()`; reported as the median of per-pair ratios
//   4. dev        `wrangler dev --no-bundle` of those same bundles, spawn → first 200 on
//                 js/'s /health, on js/'s /auth/me (a real JWT, local D1) and on the bare
//                 app's /health (wrangler's own start-up, for comparison)
//
//   node bench/startup.mjs [--quick]        (writes bench/results/startup.json)
//   BENCH_STARTUP_PAIRS=N   load pairs (default 40, --quick 10)
//   BENCH_DEV_RUNS=N        wrangler dev starts per target (default 5, --quick 2; 0 skips step 4)
//   BENCH_WASM_RUNS=N       fresh processes for step 1 (default 20, --quick 6)
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { dryRunBundle, migrateLocalD1, startWranglerDev } from "../scripts/lib/wrangler-dev.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const log = (m) => console.log(`[bench:startup] ${m}`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const r3 = (x) => Math.round(x * 1000) / 1000;
const spread = (xs) => ({ median: r3(median(xs)), min: r3(Math.min(...xs)), max: r3(Math.max(...xs)), values: xs.map(r3) });
const envInt = (name, fallback) => (process.env[name] !== undefined && process.env[name] !== "" ? Number(process.env[name]) : fallback);

/** Runs an ES module script in a fresh Node process; returns its last stdout line as JSON. */
function freshProcess(script, what) {
  // No code cache carries over between these processes (Node 20 has no on-disk compile
  // cache; NODE_COMPILE_CACHE is removed in case a newer Node honours it).
  const env = { ...process.env };
  delete env.NODE_COMPILE_CACHE;
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, env, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) {
    const why = (r.stderr || "").trim().split("\n").filter((l) => /Error/.test(l)).pop() ?? `exit ${r.status ?? r.signal}`;
    throw new Error(`${what}: ${why}`);
  }
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

// ---- 1. the .wasm alone --------------------------------------------------------------

function wasmStartup(runs) {
  const wasmPath = join(root, "pkg", "web", "hybrid_auth_bg.wasm");
  const bytes = readFileSync(wasmPath);
  // Each sample in a fresh process: V8 shares compiled code between identical modules
  // in one process, so in-process repeats would time a cache. Compile is
  // `new WebAssembly.Module`; instantiate is the glue's initSync on that module
  // (instance + wasm-bindgen start); then the first verifyJWT call (lazy tier-up).
  const glue = pathToFileURL(join(root, "pkg", "web", "hybrid_auth.js")).href;
  const script = `
    import { readFileSync } from "node:fs";
    const { initSync, verifyJWT, generateJWT } = await import(${JSON.stringify(glue)});
    const bytes = readFileSync(${JSON.stringify(wasmPath)});
    const t0 = performance.now();
    const mod = new WebAssembly.Module(bytes);
    const t1 = performance.now();
    initSync({ module: mod });
    const t2 = performance.now();
    const s = "startup-secret-0123456789abcdef-0123456789";
    const tok = generateJWT("u", "a@b.c", "A", s, 60);
    const t3 = performance.now();
    if (!verifyJWT(tok, s)) throw new Error("verify failed");
    const t4 = performance.now();
    console.log(JSON.stringify({ compile: t1 - t0, instantiate: t2 - t1, firstVerify: t4 - t3 }));`;
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(freshProcess(script, `wasm start-up sample ${i + 1}`));
  const pick = (f) => {
    const { values, ...s } = spread(samples.map(f));
    return s;
  };
  return {
    path: "pkg/web/hybrid_auth_bg.wasm",
    raw_bytes: bytes.length,
    gzip_bytes: gzipSync(bytes, { level: 9 }).length,
    node_ms: {
      runs,
      compile: pick((x) => x.compile),
      instantiate: pick((x) => x.instantiate),
      compile_plus_instantiate: pick((x) => x.compile + x.instantiate),
      first_verify: pick((x) => x.firstVerify),
    },
  };
}

// ---- 2. the bundles ------------------------------------------------------------------

const APPS = {
  worker: { dir: join(root, "js"), label: "js/ (the Worker)" },
  bare: { dir: join(root, "bench", "bare-hono"), label: "bench/bare-hono (bare Hono, one route)" },
};

/**
 * The bundle's entry module: wrangler names it after the config's `main`
 * (js/'s `demo/worker.ts` becomes `worker.js`, the bare app's `index.js` stays).
 */
function entryFile(name) {
  const main = jsoncParse(join(APPS[name].dir, "wrangler.jsonc")).main;
  return `${basename(main).replace(/\.[cm]?[jt]s$/, "")}.js`;
}

/** `wrangler deploy --dry-run --outdir <tmp>/<app>`; the module list with raw and gzip sizes. */
function bundleApp(name, tmp) {
  const outdir = join(tmp, name);
  const b = dryRunBundle({ cwd: APPS[name].dir, outdir });
  if (!b.ok || b.uploadLine === null) throw new Error(`wrangler deploy --dry-run of ${APPS[name].label} failed (exit ${b.exit}):\n${b.output.slice(-2000)}`);
  const modules = readdirSync(outdir)
    .filter((f) => !f.endsWith(".map") && f !== "README.md")
    .map((f) => {
      const data = readFileSync(join(outdir, f));
      return { file: f, name: f.replace(/^[0-9a-f]{40}-/, ""), kind: f.endsWith(".wasm") ? "wasm" : /\.m?js$/.test(f) ? "js" : "other", raw_bytes: data.length, gzip_bytes: gzipSync(data, { level: 9 }).length };
    });
  const sum = (kind, key) => modules.filter((m) => kind === "all" || m.kind === kind).reduce((a, m) => a + m[key], 0);
  return {
    outdir,
    info: {
      app: APPS[name].label,
      wrangler_line: b.uploadLine,
      total_upload_kib: b.totalUploadKiB,
      gzip_kib: b.gzipKiB,
      modules: modules.map(({ file, ...m }) => m),
      js: { raw_bytes: sum("js", "raw_bytes"), gzip_bytes: sum("js", "gzip_bytes") },
      wasm: { raw_bytes: sum("wasm", "raw_bytes"), gzip_bytes: sum("wasm", "gzip_bytes") },
      total: { raw_bytes: sum("all", "raw_bytes"), gzip_bytes: sum("all", "gzip_bytes") },
    },
  };
}

// ---- 3. load in fresh Node processes -------------------------------------------------

/**
 * How a `.wasm` stand-in module gets `readFileSync`. Not `import ... from "node:fs"`:
 * Node builds that builtin's ES module facade by reading every export, and the lazy
 * `ReadStream` getter then loads node:stream, about 1.5-2 ms that only the app with a
 * `.wasm` would pay and that workerd, which has the bytes in memory, never does
 * (bench/notes.md, "The loader"). `process.getBuiltinModule` (Node ≥ 20.16) returns the
 * CommonJS fs as it is; older Nodes keep the import.
 */
const WASM_READER =
  typeof process.getBuiltinModule === "function" ? 'const { readFileSync } = process.getBuiltinModule("node:fs");' : 'import { readFileSync } from "node:fs";';

/**
 * A copy of a dry-run bundle that Node can `import()`. workerd hands a `*.wasm` import
 * over as a compiled WebAssembly.Module; Node cannot import .wasm, so each one gets a
 * two-line ES module that reads and compiles it (`new WebAssembly.Module(readFileSync)`),
 * and the bundle's import specifier is pointed at it. `cloudflare:*` imports (none
 * today) would get an empty stand-in. Nothing else changes: same JS text, same bytes.
 */
function nodeLoadable(outdir, dest, entryFile) {
  mkdirSync(dest, { recursive: true });
  writeFileSync(join(dest, "package.json"), '{ "type": "module" }\n');
  const files = readdirSync(outdir).filter((f) => !f.endsWith(".map") && f !== "README.md");
  // workerd's default module registry compiles EVERY module of an upload when the Worker
  // starts, imported or not (bench/notes.md, "Separate modules"); Node would compile an extra
  // module only when something imports it, which would flatter the load time. So a second JS
  // module (or a folder of them, e.g. find_additional_modules chunks) stops the bench.
  const extra = readdirSync(outdir, { recursive: true }).filter((f) => /\.m?js$/.test(f) && f !== entryFile);
  if (extra.length) throw new Error(`the dry-run bundle has JS modules besides ${entryFile} (${extra.join(", ")}): workerd compiles all of them at start-up and this loader would not; see bench/notes.md, "Separate modules"`);
  const stubs = new Set();
  for (const f of files) {
    if (f.endsWith(".wasm")) {
      copyFileSync(join(outdir, f), join(dest, f));
      writeFileSync(join(dest, `${f}.mjs`), `${WASM_READER}\nexport default new WebAssembly.Module(readFileSync(new URL(${JSON.stringify(`./${f}`)}, import.meta.url)));\n`);
    }
  }
  for (const f of files.filter((x) => /\.m?js$/.test(x))) {
    let text = readFileSync(join(outdir, f), "utf8");
    text = text.replace(/(from\s*|import\s*\(?\s*)(["'])(\.\/[^"']+\.wasm)\2/g, (_, pre, q, spec) => `${pre}${q}${spec}.mjs${q}`);
    text = text.replace(/(from\s*|import\s*\(?\s*)(["'])cloudflare:([a-z-]+)\2/g, (_, pre, q, mod) => {
      stubs.add(mod);
      return `${pre}${q}./cloudflare-${mod}.stub.mjs${q}`;
    });
    writeFileSync(join(dest, f), text);
  }
  for (const mod of stubs) {
    writeFileSync(join(dest, `cloudflare-${mod}.stub.mjs`), "export class DurableObject {}\nexport class WorkerEntrypoint {}\nexport class RpcTarget {}\nexport const env = {};\nexport default {};\n");
  }
  return { entry: join(dest, entryFile), stubs: [...stubs] };
}

function loadOnce(entry, what) {
  const script = `
    const t0 = performance.now();
    const m = await import(${JSON.stringify(pathToFileURL(entry).href)});
    const t1 = performance.now();
    if (typeof m.default?.fetch !== "function") throw new Error("the bundle has no default export with fetch()");
    console.log(JSON.stringify({ ms: t1 - t0 }));`;
  return freshProcess(script, what).ms;
}

/**
 * The floor for a Worker with a wasm core: the bare app's bundle plus one import of the
 * Worker's `.wasm` through the same stand-in module, and nothing else of hybrid-auth.
 * Its ratio to the bare app is what compiling the `.wasm` alone costs under this method.
 */
function bareWithWasm(bareLoadable, workerLoadable, dest) {
  const wasm = readdirSync(dirname(workerLoadable.entry)).filter((f) => f.endsWith(".wasm.mjs"));
  if (wasm.length !== 1) throw new Error(`expected one .wasm in the Worker's bundle, found ${wasm.length}`);
  mkdirSync(dest, { recursive: true });
  for (const f of readdirSync(dirname(bareLoadable.entry))) copyFileSync(join(dirname(bareLoadable.entry), f), join(dest, f));
  for (const f of [wasm[0], wasm[0].replace(/\.mjs$/, "")]) copyFileSync(join(dirname(workerLoadable.entry), f), join(dest, f));
  const entry = join(dest, basename(bareLoadable.entry));
  writeFileSync(entry, `import __wasm from "./${wasm[0]}";\nglobalThis.__wasm = __wasm;\n${readFileSync(bareLoadable.entry, "utf8")}`);
  return entry;
}

function loadBench(entries, rounds) {
  const apps = Object.keys(entries);
  // One discarded round first: it pulls the files and Node itself into the page cache.
  for (const app of apps) loadOnce(entries[app], `load warm-up (${app})`);
  const ms = Object.fromEntries(apps.map((a) => [a, []]));
  for (let i = 0; i < rounds; i++) {
    // Rotate which app goes first, so all see the same machine state on average.
    const order = apps.slice(i % apps.length).concat(apps.slice(0, i % apps.length));
    for (const app of order) ms[app].push(loadOnce(entries[app], `load round ${i + 1} (${app})`));
  }
  const ratioTo = (app) => spread(ms[app].map((x, i) => x / ms.bare[i]));
  const out = { pairs: rounds, worker_ms: spread(ms.worker), bare_ms: spread(ms.bare), ratio: ratioTo("worker") };
  if (ms.bare_wasm) out.bare_wasm = { ms: spread(ms.bare_wasm), ratio: ratioTo("bare_wasm") };
  return out;
}

// ---- 4. first request of a freshly started wrangler dev -------------------------------

function jsoncParse(path) {
  return JSON.parse(readFileSync(path, "utf8").replace(/^\s*\/\/.*$/gm, ""));
}

/**
 * A wrangler config that serves the dry-run bundle as it is (`no_bundle`), so wrangler's
 * own esbuild pass is not part of the timing and both apps are served the same way.
 * js/'s bindings, vars and triggers are kept; its static assets point at js/public.
 */
function snapshotConfig(name, outdir, dir) {
  const src = jsoncParse(join(APPS[name].dir, "wrangler.jsonc"));
  const { $schema, build, main, assets, ...rest } = src;
  const config = { ...rest, main: join(outdir, entryFile(name)), no_bundle: true };
  if (assets?.directory) config.assets = { ...assets, directory: join(APPS[name].dir, assets.directory) };
  if (config.d1_databases) config.d1_databases = config.d1_databases.map((d) => ({ ...d, migrations_dir: join(APPS[name].dir, d.migrations_dir ?? "migrations") }));
  const path = join(dir, `${name}.wrangler.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

async function devBench(outdirs, tmp, runs) {
  const persist = join(tmp, "d1");
  await migrateLocalD1({ cwd: APPS.worker.dir, persistTo: persist });
  const secret = `startup-bench-${Math.random().toString(36).slice(2)}-0123456789abcdef`;
  // A JWT the Worker accepts: signed by a ring keyed as the Worker keys its own.
  const { KeyRing, deriveKid } = await import("hybrid-auth");
  const kid = deriveKid(secret);
  const token = new KeyRing({ keys: [{ kid, secret }], signWith: kid }).sign({ sub: "user_startup", email: "startup@example.com", name: "Start Up" }, 3600);
  const configs = { worker: snapshotConfig("worker", outdirs.worker, tmp), bare: snapshotConfig("bare", outdirs.bare, tmp) };
  const targets = [
    { key: "worker_health", app: "worker", path: "/health" },
    { key: "worker_me", app: "worker", path: "/auth/me", headers: { Authorization: `Bearer ${token}` } },
    { key: "bare_health", app: "bare", path: "/health" },
  ];
  const samples = Object.fromEntries(targets.map((t) => [t.key, { spawn_to_200: [], request: [] }]));
  for (let i = 0; i < runs; i++) {
    // Rotate the order so no target always starts on the quietest machine.
    const order = targets.slice(i % targets.length).concat(targets.slice(0, i % targets.length));
    for (const t of order) {
      const server = await startWranglerDev({
        cwd: tmp,
        args: ["--config", configs[t.app], "--log-level", "error", ...(t.app === "worker" ? ["--persist-to", persist, "--var", `JWT_SECRET:${secret}`] : [])],
        readyPath: t.path,
        readyHeaders: t.headers,
        pollMs: 10,
      });
      try {
        if (t.key === "worker_me") {
          const res = await fetch(`${server.base}/auth/me`, { headers: t.headers });
          const body = await res.json();
          if (body.token_type !== "jwt") throw new Error(`/auth/me answered ${res.status} ${JSON.stringify(body)}`);
        }
        samples[t.key].spawn_to_200.push(server.readyAt - server.spawnedAt);
        samples[t.key].request.push(server.readyRequestMs);
      } finally {
        await server.stop();
      }
    }
    log(`wrangler dev run ${i + 1}/${runs}: ${targets.map((t) => `${t.key} ${samples[t.key].spawn_to_200.at(-1).toFixed(0)} ms`).join(", ")}`);
  }
  const out = { runs, poll_ms: 10 };
  for (const t of targets) out[t.key] = { path: t.path, spawn_to_200_ms: spread(samples[t.key].spawn_to_200), first_200_request_ms: spread(samples[t.key].request) };
  return out;
}

// ---- all of it -------------------------------------------------------------------------

export async function runStartupBench({ quick = false, out } = {}) {
  const started = Date.now();
  const loadStart = loadavg()[0];
  const pairs = envInt("BENCH_STARTUP_PAIRS", quick ? 10 : 40);
  const devRuns = envInt("BENCH_DEV_RUNS", quick ? 2 : 5);
  const wasmRuns = envInt("BENCH_WASM_RUNS", quick ? 6 : 20);
  const short = pairs < 40 || (devRuns > 0 && devRuns < 5) || wasmRuns < 20;
  const tmp = mkdtempSync(join(tmpdir(), "hybrid-auth-startup-"));
  try {
    log(`wasm: ${wasmRuns} fresh processes`);
    const wasm = wasmStartup(wasmRuns);
    // Like for like: a minified Worker against an unminified bare app (or the reverse)
    // would move the ratio by the minifier's effect on parse time alone.
    // keep_names likewise: wrangler's default (true) adds a `__name()` call per function.
    const setting = (key, fallback) => Object.fromEntries(Object.keys(APPS).map((a) => [a, jsoncParse(join(APPS[a].dir, "wrangler.jsonc"))[key] ?? fallback]));
    const minify = setting("minify", false);
    const keepNames = setting("keep_names", true);
    for (const [key, v] of [["minify", minify], ["keep_names", keepNames]]) {
      if (v.worker !== v.bare) throw new Error(`js/ and bench/bare-hono must agree on "${key}" in wrangler.jsonc (js/: ${v.worker}, bare: ${v.bare})`);
    }
    log("bundling js/ and bench/bare-hono with wrangler deploy --dry-run");
    const worker = bundleApp("worker", tmp);
    const bare = bundleApp("bare", tmp);
    const loadable = {
      worker: nodeLoadable(worker.outdir, join(tmp, "node-worker"), entryFile("worker")),
      bare: nodeLoadable(bare.outdir, join(tmp, "node-bare"), entryFile("bare")),
    };
    const floor = bareWithWasm(loadable.bare, loadable.worker, join(tmp, "node-bare-wasm"));
    log(`load: ${pairs} rounds of fresh Node processes (the Worker, bare Hono, bare Hono + the .wasm)`);
    const load = loadBench({ worker: loadable.worker.entry, bare: loadable.bare.entry, bare_wasm: floor }, pairs);
    load.cloudflare_stubs = { worker: loadable.worker.stubs, bare: loadable.bare.stubs };
    log(`load: worker ${load.worker_ms.median.toFixed(1)} ms, bare Hono ${load.bare_ms.median.toFixed(1)} ms, ratio ${load.ratio.median.toFixed(2)}x; bare Hono + the .wasm ${load.bare_wasm.ratio.median.toFixed(2)}x`);
    let dev = null;
    if (devRuns > 0) {
      log(`wrangler dev: ${devRuns} starts per target`);
      dev = await devBench({ worker: worker.outdir, bare: bare.outdir }, tmp, devRuns);
    }
    const report = {
      benchmark: "start-up: bundle size, bundle load in fresh Node processes against a bare Hono app, first request of a fresh wrangler dev",
      date: new Date().toISOString(),
      short_run: short,
      settings: { quick, load_pairs: pairs, dev_runs: devRuns, wasm_runs: wasmRuns, minify: minify.worker, keep_names: keepNames.worker },
      node: process.version,
      loadavg_1min: { start: r3(loadStart), end: r3(loadavg()[0]) },
      wasm,
      bundle: { worker: worker.info, bare: bare.info },
      load,
      dev,
      notes: [
        "bundle: `wrangler deploy --dry-run --outdir` (offline), minified when both wrangler.jsonc files say `minify: true`, and with the same `keep_names` (they must agree on both); gzip = gzip -9 of each module, summed; wrangler_line is wrangler's own Total Upload figure.",
        "load: per process, performance.now() around one import() of the bundle: read + parse + top-level evaluation + wasm compile (new WebAssembly.Module of the file, read with process.getBuiltinModule(\"node:fs\"), not an import of node:fs, whose ES facade loads node:stream) + instantiate. Node's own start-up is outside the timed window. ratio = worker ÷ bare per round (rounds rotate which app goes first), then median. bare_wasm: the bare bundle plus an import of the Worker's .wasm stand-in, nothing else: the floor for any Worker that compiles this .wasm at start-up.",
        "dev: `wrangler dev --no-bundle` serving the same dry-run bundle; spawn_to_200 = from spawning wrangler to the first 200 (polled every 10 ms), so it includes wrangler's and workerd's own start-up; first_200_request = that one request's time.",
      ],
      elapsed_s: (Date.now() - started) / 1000,
    };
    if (out !== false) {
      const path = out ?? join(root, "bench", "results", "startup.json");
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
      log(`written to ${path} (${report.elapsed_s.toFixed(0)} s)`);
    }
    return report;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatStartup(r) {
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const w = r.bundle.worker;
  const b = r.bundle.bare;
  const lines = [
    `wasm ${r.wasm.raw_bytes} B raw, ${r.wasm.gzip_bytes} B gzip; compile+instantiate median ${r.wasm.node_ms.compile_plus_instantiate.median.toFixed(2)} ms`,
    `bundle js/: JS ${kib(w.js.raw_bytes)} (${kib(w.js.gzip_bytes)} gzip) + wasm ${kib(w.wasm.raw_bytes)} (${kib(w.wasm.gzip_bytes)} gzip); bare Hono: JS ${kib(b.js.raw_bytes)} (${kib(b.js.gzip_bytes)} gzip)`,
    `load (median of ${r.load.pairs} pairs): js/ ${r.load.worker_ms.median.toFixed(1)} ms, bare Hono ${r.load.bare_ms.median.toFixed(1)} ms, ratio ${r.load.ratio.median.toFixed(2)}x [${r.load.ratio.min.toFixed(2)}–${r.load.ratio.max.toFixed(2)}]`,
  ];
  if (r.dev) {
    for (const k of ["worker_health", "worker_me", "bare_health"]) {
      lines.push(`wrangler dev ${k}: spawn → first 200 ${r.dev[k].spawn_to_200_ms.median.toFixed(0)} ms, that request ${r.dev[k].first_200_request_ms.median.toFixed(1)} ms`);
    }
  }
  if (r.short_run) lines.push("(short run: fewer samples than the default; not for publication)");
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const r = await runStartupBench({ quick: process.argv.includes("--quick") });
    console.log(formatStartup(r));
  } catch (err) {
    console.error(`[bench:startup] ${err instanceof Error ? err.stack : err}`);
    process.exitCode = 1;
  }
}
