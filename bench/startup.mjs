#!/usr/bin/env node
// Start-up: what a cold isolate pays before its first request (issue 13; per plugin, issue 20).
//
//   1. wasm       pkg/web/hybrid_auth_bg.wasm raw/gzip; compile + instantiate in fresh Node processes
//   2. bundles    `wrangler deploy --dry-run --outdir`, from the same wrangler, of: a bare Hono Worker
//                 (bench/bare-hono), the core-only adopter (bench/adopter: `hybrid-auth/hono` only),
//                 the core + each plugin and the core + every plugin (bench/adopters.mjs writes them
//                 from bench/adopter/worker.ts), the demo with every plugin (js/) and better-auth as
//                 its docs set it up on D1 + Hono (bench/peers/better-auth, its own package.json and
//                 lock, installed here with `npm ci --prefix` when missing): every module's raw and gzip size
//   3. load       each bundle loaded in fresh Node processes, all apps in each round, rotating
//                 which goes first: read + parse + top-level evaluation + wasm compile/instantiate
//                 (and the microtasks the top level queued), timed inside the child around one
//                 `import()`, wall time and CPU time (process.cpuUsage); plus bare Hono + compiling
//                 the .wasm (the floor); reported as medians of per-round ratios and differences
//   4. dev        `wrangler dev --no-bundle` of js/'s and bare Hono's bundles, spawn → first 200 on
//                 js/'s /health, on js/'s /auth/me (a real JWT, local D1) and on the bare
//                 app's /health (wrangler's own start-up, for comparison)
//
//   node bench/startup.mjs [--quick]        (writes bench/results/startup.json)
//   BENCH_STARTUP_PAIRS=N   load rounds (default 40, --quick 10)
//   BENCH_DEV_RUNS=N        wrangler dev starts per target (default 5, --quick 2; 0 skips step 4)
//   BENCH_WASM_RUNS=N       fresh processes for step 1 (default 20, --quick 6)
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { dryRunBundle, migrateLocalD1, startWranglerDev } from "../scripts/lib/wrangler-dev.mjs";
import { ADOPTER_DIR, jsoncParse, packagePlugins, removeAdopters, writeAdopters } from "./adopters.mjs";

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
  worker: { dir: join(root, "js"), label: "js/ (the demo: every plugin)" },
  bare: { dir: join(root, "bench", "bare-hono"), label: "bench/bare-hono (bare Hono, one route)" },
  core: { dir: ADOPTER_DIR, label: "bench/adopter (core only: hybrid-auth/hono)" },
  better_auth: { dir: join(root, "bench", "peers", "better-auth"), label: "bench/peers/better-auth (better-auth, D1, Hono)" },
};

/**
 * better-auth's Worker resolves its packages from its own folder: install them from its
 * lock when they are missing (or not the pinned version), and never from `npm test`.
 */
export function ensurePeerInstalled(dir) {
  const pin = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).dependencies["better-auth"];
  const installedPath = join(dir, "node_modules", "better-auth", "package.json");
  const installed = () => (existsSync(installedPath) ? JSON.parse(readFileSync(installedPath, "utf8")).version : null);
  if (installed() !== pin) {
    log(`installing ${relative(root, dir)} (better-auth ${pin}) with npm ci`);
    const r = spawnSync("npm", ["ci", "--prefix", dir, "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit", timeout: 300_000 });
    if (r.status !== 0) throw new Error(`npm ci --prefix ${relative(root, dir)} failed (exit ${r.status ?? r.signal})`);
  }
  if (installed() !== pin) throw new Error(`${relative(root, dir)}: better-auth ${installed()} installed, ${pin} pinned`);
  return pin;
}

/**
 * The bundle's entry module: wrangler names it after the config's `main`
 * (js/'s `demo/worker.ts` becomes `worker.js`, the bare app's `index.js` stays).
 */
function entryFile(app) {
  const main = jsoncParse(join(app.dir, "wrangler.jsonc")).main;
  return `${basename(main).replace(/\.[cm]?[jt]s$/, "")}.js`;
}

/** `wrangler deploy --dry-run --outdir <tmp>/<name>`; the module list with raw and gzip sizes. */
function bundleApp(app, name, tmp) {
  const outdir = join(tmp, name);
  const b = dryRunBundle({ cwd: app.dir, outdir });
  if (!b.ok || b.uploadLine === null) throw new Error(`wrangler deploy --dry-run of ${app.label} failed (exit ${b.exit}):\n${b.output.slice(-2000)}`);
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
      app: app.label,
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
 * What a `cloudflare:*` import gets in Node. Only `env` carries anything: the app's own
 * bindings as workerd would hand them to a module that reads them at the top level
 * (better-auth's documented D1 set-up does): its `vars`, a random stand-in for each
 * secret its config lists under `secrets.required`, and for each D1 binding an object with
 * D1's methods, any of which throws if called. workerd forbids I/O at the top level anyway,
 * so a query during the load would be a bug in the app, and it fails the bench loudly.
 */
function cloudflareStub(config) {
  const env = { ...(config.vars ?? {}) };
  for (const name of config.secrets?.required ?? []) env[name] = randomBytes(32).toString("base64");
  const d1 = (config.d1_databases ?? []).map((d) => d.binding);
  return [
    "export class DurableObject {}",
    "export class WorkerEntrypoint {}",
    "export class RpcTarget {}",
    `const d1 = (binding) => Object.fromEntries(["prepare", "batch", "exec", "dump", "withSession"].map((m) => [m, () => { throw new Error(\`D1 binding \${binding}: \${m}() called while the module loads\`); }]));`,
    `export const env = { ...${JSON.stringify(env)}, ...Object.fromEntries(${JSON.stringify(d1)}.map((b) => [b, d1(b)])) };`,
    "export default {};",
    "",
  ].join("\n");
}

/**
 * A copy of a dry-run bundle that Node can `import()`. workerd hands a `*.wasm` import
 * over as a compiled WebAssembly.Module; Node cannot import .wasm, so each one gets a
 * two-line ES module that reads and compiles it (`new WebAssembly.Module(readFileSync)`),
 * and the bundle's import specifier is pointed at it. `cloudflare:*` imports get the
 * stand-in above (`config` is the app's wrangler.jsonc). `node:*` imports (nodejs_compat)
 * are left to Node's own built-ins, as workerd serves its own. Nothing else changes: same
 * JS text, same bytes.
 */
function nodeLoadable(outdir, dest, entryFile, config = {}) {
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
  for (const mod of stubs) writeFileSync(join(dest, `cloudflare-${mod}.stub.mjs`), cloudflareStub(config));
  return { entry: join(dest, entryFile), stubs: [...stubs] };
}

/**
 * One fresh process, one `import()` of the bundle. The window closes after one turn of the
 * event loop, so the microtasks the top level queued (better-auth starts its async init
 * there) are in it, as they are in workerd's start-up; `import_ms` is the import alone.
 * CPU time is process.cpuUsage() over the same window (user + system, all threads: V8's
 * background compile threads too); on a shared machine it moves less than wall time.
 */
function loadOnce(entry, what) {
  const script = `
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const m = await import(${JSON.stringify(pathToFileURL(entry).href)});
    const t1 = performance.now();
    await new Promise((resolve) => setImmediate(resolve));
    const t2 = performance.now();
    const cpu = process.cpuUsage(c0);
    if (typeof m.default?.fetch !== "function") throw new Error("the bundle has no default export with fetch()");
    console.log(JSON.stringify({ ms: t2 - t0, import_ms: t1 - t0, cpu_ms: (cpu.user + cpu.system) / 1000 }));`;
  return freshProcess(script, what);
}

/**
 * The floor for a Worker with a wasm core: the bare app's bundle plus one import of each of
 * the Worker's `.wasm` modules (the JWT core's and, since createAuth hashes passwords with
 * Argon2id, the password module's: issue 21) through the same stand-in module, and nothing
 * else of hybrid-auth. Its ratio to the bare app is what compiling them alone costs.
 */
function bareWithWasm(bareLoadable, workerLoadable, dest) {
  const wasm = readdirSync(dirname(workerLoadable.entry)).filter((f) => f.endsWith(".wasm.mjs"));
  if (wasm.length < 1 || wasm.length > 2) throw new Error(`expected the JWT and password .wasm in the Worker's bundle, found ${wasm.length}`);
  mkdirSync(dest, { recursive: true });
  for (const f of readdirSync(dirname(bareLoadable.entry))) copyFileSync(join(dirname(bareLoadable.entry), f), join(dest, f));
  for (const w of wasm) for (const f of [w, w.replace(/\.mjs$/, "")]) copyFileSync(join(dirname(workerLoadable.entry), f), join(dest, f));
  const entry = join(dest, basename(bareLoadable.entry));
  const imports = wasm.map((w, i) => `import __wasm${i} from "./${w}";\nglobalThis.__wasm${i} = __wasm${i};\n`).join("");
  writeFileSync(entry, `${imports}${readFileSync(bareLoadable.entry, "utf8")}`);
  return entry;
}

/**
 * Every app once per round, in fresh processes, the first app rotating; per app its wall
 * and CPU times, and per round its ratio to bare Hono's time in the same round (the
 * median of those is the "× bare" figure). `samples` keeps the raw series for the
 * per-plugin differences.
 */
function loadBench(entries, rounds) {
  const apps = Object.keys(entries);
  // One discarded round first: it pulls the files and Node itself into the page cache.
  for (const app of apps) loadOnce(entries[app], `load warm-up (${app})`);
  const samples = Object.fromEntries(apps.map((a) => [a, { ms: [], cpu_ms: [], import_ms: [] }]));
  for (let i = 0; i < rounds; i++) {
    // Rotate which app goes first, so all see the same machine state on average.
    const order = apps.slice(i % apps.length).concat(apps.slice(0, i % apps.length));
    for (const app of order) {
      const r = loadOnce(entries[app], `load round ${i + 1} (${app})`);
      for (const k of ["ms", "cpu_ms", "import_ms"]) samples[app][k].push(r[k]);
    }
    if ((i + 1) % 10 === 0 && i + 1 < rounds) log(`load: ${i + 1}/${rounds} rounds`);
  }
  const perRound = (a, b, key, f) => spread(samples[a][key].map((x, i) => f(x, samples[b][key][i])));
  const ratio = (a, b, key = "ms") => perRound(a, b, key, (x, y) => x / y);
  const added = (a, b, key = "ms") => perRound(a, b, key, (x, y) => x - y);
  const appView = (a) => ({ ms: spread(samples[a].ms), cpu_ms: spread(samples[a].cpu_ms), import_ms: spread(samples[a].import_ms), ratio: ratio(a, "bare"), cpu_ratio: ratio(a, "bare", "cpu_ms") });
  // worker_ms, bare_ms, ratio and bare_wasm keep their earlier meaning (README's headline row).
  const out = { pairs: rounds, worker_ms: spread(samples.worker.ms), bare_ms: spread(samples.bare.ms), ratio: ratio("worker", "bare") };
  if (samples.bare_wasm) out.bare_wasm = { ms: spread(samples.bare_wasm.ms), ratio: ratio("bare_wasm", "bare") };
  out.apps = Object.fromEntries(apps.map((a) => [a, appView(a)]));
  return { load: out, ratio, added };
}

// ---- 4. first request of a freshly started wrangler dev -------------------------------

/**
 * A wrangler config that serves the dry-run bundle as it is (`no_bundle`), so wrangler's
 * own esbuild pass is not part of the timing and both apps are served the same way.
 * js/'s bindings, vars and triggers are kept; its static assets point at js/public.
 */
function snapshotConfig(name, outdir, dir) {
  const src = jsoncParse(join(APPS[name].dir, "wrangler.jsonc"));
  const { $schema, build, main, assets, ...rest } = src;
  const config = { ...rest, main: join(outdir, entryFile(APPS[name])), no_bundle: true };
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
  // A JWT the Worker accepts: signed by a ring keyed and bound as the Worker binds its own
  // access tokens (typ at+jwt, iss, aud, jti; a seed-era token would be refused with 401,
  // and the readiness probe would wait for a 200 that never comes). iss/aud are passed to
  // the Worker explicitly, so the token does not depend on the library's default names.
  const binding = "hybrid-auth-startup-bench";
  const { KeyRing, deriveKid } = await import("hybrid-auth");
  const kid = deriveKid(secret);
  const token = new KeyRing({ keys: [{ kid, secret }], signWith: kid, issuer: binding, audience: binding, tokenType: "at+jwt" }).sign({ sub: "user_startup", email: "startup@example.com", name: "Start Up" }, 3600);
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
        args: ["--config", configs[t.app], "--log-level", "error", ...(t.app === "worker" ? ["--persist-to", persist, "--var", `JWT_SECRET:${secret}`, "--var", `JWT_ISSUER:${binding}`, "--var", `JWT_AUDIENCE:${binding}`] : [])],
        readyPath: t.path,
        readyHeaders: t.headers,
        pollMs: 10,
      }).catch((err) => {
        // The probe waits for a 200 and wrangler logs errors only: say which target never got one.
        throw new Error(`wrangler dev, ${t.key} (GET ${t.path}): ${err?.message ?? err}`);
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
    // The rows, in the order of the report's table. The plugin rows come from the package's
    // own list of plugin entries (bench/adopters.mjs), one Worker each from one template.
    const plugins = packagePlugins();
    const generated = writeAdopters({ ...Object.fromEntries(plugins.map((id) => [id, [id]])), all: plugins });
    const apps = {
      bare: { ...APPS.bare, kind: "reference" },
      core: { ...APPS.core, kind: "core", plugins: [] },
      ...Object.fromEntries(plugins.map((id) => [`core_${id}`, { dir: generated[id], label: `core + ${id}`, kind: "plugin", plugins: [id] }])),
      core_all: { dir: generated.all, label: `core + every plugin (${plugins.join(", ")}), same template`, kind: "all", plugins },
      worker: { ...APPS.worker, kind: "demo" },
      better_auth: { ...APPS.better_auth, kind: "peer" },
    };
    let peer = { better_auth: null };
    try {
      peer.better_auth = { package: "better-auth", version: ensurePeerInstalled(APPS.better_auth.dir) };
    } catch (err) {
      // No registry (offline): the other rows still run; the report says better-auth was not measured.
      peer = { better_auth: { error: String(err?.message ?? err) } };
      log(`better-auth not measured: ${peer.better_auth.error}`);
      delete apps.better_auth;
    }
    if (peer.better_auth?.version) apps.better_auth.label = `bench/peers/better-auth (better-auth ${peer.better_auth.version}, D1, Hono)`;
    // Like for like: a minified Worker against an unminified bare app (or the reverse)
    // would move the ratio by the minifier's effect on parse time alone.
    // keep_names likewise: wrangler's default (true) adds a `__name()` call per function.
    const configs = Object.fromEntries(Object.entries(apps).map(([k, app]) => [k, jsoncParse(join(app.dir, "wrangler.jsonc"))]));
    const setting = (key, fallback) => Object.fromEntries(Object.keys(apps).map((k) => [k, configs[k][key] ?? fallback]));
    const minify = setting("minify", false);
    const keepNames = setting("keep_names", true);
    for (const [key, v] of [["minify", minify], ["keep_names", keepNames]]) {
      const odd = Object.keys(apps).filter((k) => v[k] !== v.bare);
      if (odd.length) throw new Error(`every bundled app must agree with bench/bare-hono on "${key}" in wrangler.jsonc (bare: ${v.bare}; ${odd.map((k) => `${relative(root, apps[k].dir)}: ${v[k]}`).join(", ")})`);
    }
    const bundles = {};
    const loadable = {};
    for (const [k, app] of Object.entries(apps)) {
      log(`bundling ${relative(root, app.dir)} with wrangler deploy --dry-run`);
      bundles[k] = bundleApp(app, k, tmp);
      loadable[k] = nodeLoadable(bundles[k].outdir, join(tmp, `node-${k}`), entryFile(app), configs[k]);
    }
    // The floor compiles the core adopter's modules (the JWT core and the password module):
    // what every createAuth Worker compiles. The demo also compiles the Ed25519 build of the
    // core (it imports hybrid-auth/eddsa for JWT_SIGNING_JWK), an opt-in the floor leaves out.
    const floor = bareWithWasm(loadable.bare, loadable.core, join(tmp, "node-bare-wasm"));
    const order = ["bare", "bare_wasm", ...Object.keys(apps).filter((k) => k !== "bare")];
    const entries = Object.fromEntries(order.map((k) => [k, k === "bare_wasm" ? floor : loadable[k].entry]));
    log(`load: ${pairs} rounds of fresh Node processes, ${order.length} apps per round (${order.join(", ")})`);
    const { load, ratio, added } = loadBench(entries, pairs);
    load.cloudflare_stubs = Object.fromEntries(Object.entries(loadable).map(([k, l]) => [k, l.stubs]));
    // What each plugin adds to the core-only adopter: bytes, and per round the difference in
    // load time (wall and CPU) and in the ratio to bare Hono of that same round.
    const js = (k) => bundles[k].info.js;
    const addedTo = (k) => ({
      app: k,
      plugins: apps[k].plugins ?? null,
      js_bytes_added: js(k).raw_bytes - js("core").raw_bytes,
      js_gzip_bytes_added: js(k).gzip_bytes - js("core").gzip_bytes,
      ms_added: added(k, "core"),
      cpu_ms_added: added(k, "core", "cpu_ms"),
      ratio_added: spread(load.apps[k].ratio.values.map((x, i) => x - load.apps.core.ratio.values[i])),
    });
    load.added_to_core = Object.fromEntries(Object.keys(apps).filter((k) => ["plugin", "all", "demo"].includes(apps[k].kind)).map((k) => [k, addedTo(k)]));
    // Issue 20's budgets, per round: the core and the demo against bare Hono, the demo against better-auth.
    load.budgets = {
      core_vs_bare: { wall: ratio("core", "bare"), cpu: ratio("core", "bare", "cpu_ms") },
      demo_vs_bare: { wall: ratio("worker", "bare"), cpu: ratio("worker", "bare", "cpu_ms") },
      demo_vs_better_auth: entries.better_auth ? { wall: ratio("worker", "better_auth"), cpu: ratio("worker", "better_auth", "cpu_ms") } : null,
    };
    log(`load: demo ${load.worker_ms.median.toFixed(1)} ms, bare Hono ${load.bare_ms.median.toFixed(1)} ms, ratio ${load.ratio.median.toFixed(2)}x; core ${load.apps.core.ratio.median.toFixed(2)}x; bare Hono + the .wasm ${load.bare_wasm.ratio.median.toFixed(2)}x${entries.better_auth ? `; better-auth ${load.apps.better_auth.ratio.median.toFixed(2)}x` : ""}`);
    const worker = bundles.worker;
    const bare = bundles.bare;
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
      rows: [
        { key: "bare", label: apps.bare.label, kind: "reference" },
        { key: "bare_wasm", label: "bare Hono + compiling the core's .wasm modules (the floor)", kind: "floor" },
        ...Object.entries(apps)
          .filter(([k]) => k !== "bare")
          .map(([key, app]) => ({ key, label: app.label, kind: app.kind, ...(app.plugins ? { plugins: app.plugins } : {}) })),
      ],
      plugins,
      peers: peer,
      node: process.version,
      loadavg_1min: { start: r3(loadStart), end: r3(loadavg()[0]) },
      wasm,
      bundle: Object.fromEntries(Object.entries(bundles).map(([k, b]) => [k, b.info])),
      load,
      dev,
      notes: [
        "bundle: `wrangler deploy --dry-run --outdir` (offline), minified when both wrangler.jsonc files say `minify: true`, and with the same `keep_names` (they must agree on both); gzip = gzip -9 of each module, summed; wrangler_line is wrangler's own Total Upload figure.",
        "load: per process, performance.now() around one import() of the bundle and one turn of the event loop after it (the microtasks the top level queued): read + parse + top-level evaluation + wasm compile (new WebAssembly.Module of the file, read with process.getBuiltinModule(\"node:fs\"), not an import of node:fs, whose ES facade loads node:stream) + instantiate; import_ms is the import() alone; cpu_ms is process.cpuUsage() (user + system, all threads) over the same window. Node's own start-up is outside the timed window. ratio = app ÷ bare per round (rounds rotate which app goes first), then median; worker/bare_ms/ratio are the demo (js/) against bare Hono. bare_wasm: the bare bundle plus compiling the core adopter's .wasm modules (bench/adopter: the JWT core and the password module), nothing else: the floor for any createAuth Worker.",
        "apps: core = bench/adopter/worker.ts (hybrid-auth/hono only); core_<plugin> and core_all = the same file with that plugin (all of them) mounted, written by bench/adopters.mjs; worker = the demo (js/); better_auth = bench/peers/better-auth (its own lock; cloudflare:workers' env is a stand-in with its vars, a random secret and a D1 object that throws if queried; node:* built-ins are Node's own). added_to_core: per round, app − core (ms, cpu_ms) and app/bare − core/bare (ratio_added); bytes are worker.js raw and gzip -9.",
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
    removeAdopters();
  }
}

export function formatStartup(r) {
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const w = r.bundle.worker;
  const b = r.bundle.bare;
  const lines = [
    `wasm ${r.wasm.raw_bytes} B raw, ${r.wasm.gzip_bytes} B gzip; compile+instantiate median ${r.wasm.node_ms.compile_plus_instantiate.median.toFixed(2)} ms`,
    `bundle js/: JS ${kib(w.js.raw_bytes)} (${kib(w.js.gzip_bytes)} gzip) + wasm ${kib(w.wasm.raw_bytes)} (${kib(w.wasm.gzip_bytes)} gzip); bare Hono: JS ${kib(b.js.raw_bytes)} (${kib(b.js.gzip_bytes)} gzip)`,
    `load (median of ${r.load.pairs} rounds): js/ ${r.load.worker_ms.median.toFixed(1)} ms, bare Hono ${r.load.bare_ms.median.toFixed(1)} ms, ratio ${r.load.ratio.median.toFixed(2)}x [${r.load.ratio.min.toFixed(2)}–${r.load.ratio.max.toFixed(2)}]`,
  ];
  for (const row of r.rows ?? []) {
    const a = r.load.apps?.[row.key];
    if (!a) continue;
    const js = r.bundle[row.key]?.js;
    lines.push(`  ${row.key.padEnd(14)} ${a.ms.median.toFixed(1).padStart(6)} ms wall, ${a.cpu_ms.median.toFixed(1).padStart(6)} ms CPU, ${a.ratio.median.toFixed(2)}x bare (CPU ${a.cpu_ratio.median.toFixed(2)}x)${js ? `, worker.js ${kib(js.raw_bytes)} (${kib(js.gzip_bytes)} gzip)` : ""}`);
  }
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
