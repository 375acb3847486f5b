#!/usr/bin/env node
// `npm run bench`: every benchmark in one invocation, one heavy thing at a time,
// then BENCHMARKS.md + bench/chart.svg regenerated from the results.
//
//   1. npm run build            (skips when pkg/ is fresh)
//   2. start-up                 .wasm raw/gzip size; compile + instantiate in 20 fresh Node processes
//   3. Node                     bench/node.mjs runNodeBench()       -> bench/results/node.json
//   4. inside workerd           bench/workerd.mjs runWorkerdBench() -> bench/results/workerd.json
//   5. over HTTP                npm run bench:http                  -> js/bench/last-http.json (copied to bench/results/http.json)
//   6. Worker bundle size       wrangler deploy --dry-run --outdir <tmp> in js/ (offline)
//   7. bench/report.mjs         -> BENCHMARKS.md, bench/chart.svg
//
// Flags: --quick (fewer/shorter rounds), --skip=node,workerd,http,startup,bundle,
//        --report-only (just regenerate the report from the existing results).
// A step that fails is recorded in bench/results/run.json and shown in the report;
// the exit code is then 1.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem, platform, arch, release } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { dryRunBundle, wranglerEnv } from "../scripts/lib/wrangler-dev.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const results = join(root, "bench", "results");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const reportOnly = args.includes("--report-only");
const skip = new Set((args.find((a) => a.startsWith("--skip="))?.slice(7) ?? "").split(",").filter(Boolean));

const log = (m) => console.log(`\n[bench] ${m}`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), values: xs });
const writeJson = (name, value) => writeFileSync(join(results, name), `${JSON.stringify(value, null, 2)}\n`);
const version = (pkg) => {
  try {
    return JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
};
const quiet = (cmd, argv, opts = {}) => {
  try {
    return execFileSync(cmd, argv, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], ...opts }).trim();
  } catch {
    return null;
  }
};

/** Runs a command with inherited output and a time limit; resolves to its exit code. */
function runInherit(cmd, argv, { cwd = root, env = process.env, timeoutMs }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd, env, stdio: "inherit", detached: true });
    const timer = setTimeout(() => {
      console.error(`[bench] ${cmd} ${argv.join(" ")}: over ${timeoutMs / 1000} s, killing it`);
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        child.kill("SIGTERM");
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // gone
        }
      }, 5000).unref();
    }, timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** pkg/ may be being rebuilt by someone else: wait (≤ 90 s) until the .wasm is non-empty and stable. */
async function waitForPkg() {
  const wasm = join(root, "pkg", "web", "hybrid_auth_bg.wasm");
  const glue = join(root, "pkg", "web", "hybrid_auth.js");
  const deadline = Date.now() + 90_000;
  let last = "";
  while (Date.now() < deadline) {
    const sig = existsSync(wasm) && existsSync(glue) ? `${statSync(wasm).size}:${statSync(wasm).mtimeMs}:${statSync(glue).mtimeMs}` : "";
    if (sig && !sig.startsWith("0:") && sig === last) return;
    if (last && sig !== last) console.log("[bench] pkg/ is changing (a build elsewhere?), waiting for it to settle");
    last = sig;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error("pkg/web/hybrid_auth_bg.wasm missing, empty or still changing after 90 s");
}

// ---- start-up ----------------------------------------------------------------------

function startup() {
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
  const runs = 20;
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0) {
      const why = (r.stderr || "").trim().split("\n").filter((l) => /Error/.test(l)).pop() ?? `exit ${r.status ?? r.signal}`;
      throw new Error(`start-up sample ${i + 1} failed: ${why}`);
    }
    samples.push(JSON.parse(r.stdout.trim().split("\n").pop()));
  }
  const r3 = (x) => Math.round(x * 1000) / 1000;
  const pick = (k) => {
    const s = spread(samples.map((x) => x[k]));
    return { median: r3(s.median), min: r3(s.min), max: r3(s.max) };
  };
  return {
    date: new Date().toISOString(),
    wasm: {
      path: "pkg/web/hybrid_auth_bg.wasm",
      raw_bytes: bytes.length,
      gzip_bytes: gzipSync(bytes, { level: 9 }).length,
    },
    node_ms: {
      runs,
      compile: pick("compile"),
      instantiate: pick("instantiate"),
      compile_plus_instantiate: (() => {
        const s = spread(samples.map((x) => x.compile + x.instantiate));
        return { median: r3(s.median), min: r3(s.min), max: r3(s.max) };
      })(),
      first_verify: pick("firstVerify"),
    },
    note: `Node ${process.version}; each of ${runs} samples in a fresh process (no V8 code cache across samples). instantiate = initSync(module): instance + wasm-bindgen start.`,
  };
}

// ---- Worker bundle size (wrangler, offline) ------------------------------------------

function bundle() {
  const out = mkdtempSync(join(tmpdir(), "hybrid-auth-bundle-"));
  try {
    const b = dryRunBundle({ cwd: join(root, "js"), outdir: out });
    if (!b.ok || b.uploadLine === null) throw new Error(`wrangler deploy --dry-run failed (exit ${b.exit}):\n${b.output.slice(-2000)}`);
    const files = readdirSync(out)
      .filter((f) => !f.endsWith(".map") && f !== "README.md")
      .map((f) => ({ file: f.replace(/^[0-9a-f]{40}-/, ""), bytes: statSync(join(out, f)).size }));
    return {
      date: new Date().toISOString(),
      worker: "js/ (hybrid-auth-v3)",
      total_upload_kib: b.totalUploadKiB,
      gzip_kib: b.gzipKiB,
      wrangler_line: b.uploadLine,
      modules: files,
      note: "As `wrangler deploy --dry-run` reports it (offline, CLOUDFLARE_CF_FETCH_ENABLED=false). Static assets (js/public) are uploaded separately and not counted.",
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// ---- the steps -------------------------------------------------------------------------

async function main() {
  mkdirSync(results, { recursive: true });
  const started = new Date();
  const { wranglerWorkerd } = await import("./workerd.mjs");
  const wd = wranglerWorkerd();
  const run = {
    date: started.toISOString(),
    quick,
    machine: {
      cpu_model: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      memory_gib: Math.round(totalmem() / 2 ** 30),
      os: `${platform()} ${release()} ${arch()}`,
      loadavg_at_start: loadavg().map((x) => Math.round(x * 100) / 100),
    },
    versions: {
      node: process.version,
      v8: process.versions.v8,
      wrangler: version("wrangler"),
      // The workerd wrangler runs (it nests its own; the top-level one is vitest's).
      workerd_package: wd.package,
      workerd: wd.version,
      jose: version("jose"),
      hono: version("hono"),
      tsndr: version("@tsndr/cloudflare-worker-jwt"),
      fast_jwt: version("fast-jwt"),
      autocannon: version("autocannon"),
    },
    git: {
      commit: quiet("git", ["rev-parse", "--short", "HEAD"]),
      dirty: Boolean(quiet("git", ["status", "--porcelain", "--untracked-files=no"])),
    },
    steps: {},
  };

  const step = async (name, fn) => {
    if (skip.has(name)) {
      run.steps[name] = { status: "skipped", reason: "--skip" };
      log(`${name}: skipped (--skip)`);
      return;
    }
    log(`${name}: start (load average ${loadavg()[0].toFixed(2)})`);
    const t0 = Date.now();
    const load = () => loadavg()[0];
    const loadStart = Math.round(loadavg()[0] * 100) / 100;
    try {
      if (name !== "build" && name !== "bundle") await waitForPkg();
      const detail = await fn();
      run.steps[name] = { status: detail?.status ?? "ok", seconds: (Date.now() - t0) / 1000, ...(detail?.reason ? { reason: detail.reason } : {}) };
    } catch (err) {
      run.steps[name] = { status: "failed", seconds: (Date.now() - t0) / 1000, reason: String(err?.message ?? err).slice(0, 2000) };
      console.error(`[bench] ${name} FAILED: ${err?.message ?? err}`);
    }
    run.steps[name].loadavg_1min = { start: loadStart, end: Math.round(load() * 100) / 100 };
    log(`${name}: ${run.steps[name].status} (${run.steps[name].seconds.toFixed(0)} s)`);
  };

  await step("build", async () => {
    const code = await runInherit("npm", ["run", "--silent", "build"], { timeoutMs: 900_000 });
    if (code !== 0) throw new Error(`npm run build exited ${code}`);
  });

  await step("startup", () => {
    const s = startup();
    writeJson("startup.json", s);
    console.log(`wasm ${s.wasm.raw_bytes} B raw, ${s.wasm.gzip_bytes} B gzip; compile+instantiate median ${s.node_ms.compile_plus_instantiate.median.toFixed(2)} ms`);
  });

  await step("node", async () => {
    const nodeBench = join(root, "bench", "node.mjs");
    if (!existsSync(nodeBench)) {
      console.log("[bench] bench/node.mjs does not exist (yet): the Node comparison is skipped.");
      return { status: "skipped", reason: "bench/node.mjs does not exist" };
    }
    // In its own process: a clean heap and JIT state, untouched by the other steps.
    const script = `
      const m = await import(${JSON.stringify(pathToFileURL(nodeBench).href)});
      if (typeof m.runNodeBench !== "function") throw new Error("bench/node.mjs does not export runNodeBench");
      const r = await m.runNodeBench({ quick: ${quick} });
      if (typeof m.formatNodeBench === "function") console.log(m.formatNodeBench(r));`;
    const before = existsSync(join(results, "node.json")) ? statSync(join(results, "node.json")).mtimeMs : 0;
    const code = await runInherit(process.execPath, ["--input-type=module", "-e", script], { timeoutMs: 300_000 });
    if (code !== 0) throw new Error(`bench/node.mjs exited ${code}`);
    if (!existsSync(join(results, "node.json")) || statSync(join(results, "node.json")).mtimeMs <= before) {
      throw new Error("bench/node.mjs did not write bench/results/node.json");
    }
  });

  await step("workerd", async () => {
    const { runWorkerdBench, formatWorkerd } = await import("./workerd.mjs");
    const r = await runWorkerdBench({ quick });
    console.log(formatWorkerd(r));
  });

  await step("http", async () => {
    const last = join(root, "js", "bench", "last-http.json");
    const env = { ...wranglerEnv };
    if (quick) {
      env.BENCH_ROUNDS ??= "2";
      env.BENCH_SECONDS ??= "3";
    }
    const code = await runInherit("npm", ["run", "--silent", "bench:http"], { env, timeoutMs: 420_000 });
    if (code !== 0) throw new Error(`npm run bench:http exited ${code}`);
    const http = JSON.parse(readFileSync(last, "utf8"));
    if (!(new Date(http.date) >= started)) throw new Error(`js/bench/last-http.json is from ${http.date}, before this run: not updated`);
    copyFileSync(last, join(results, "http.json"));
  });

  await step("bundle", () => {
    const b = bundle();
    writeJson("bundle.json", b);
    console.log(b.wrangler_line);
  });

  run.elapsed_s = (Date.now() - started.getTime()) / 1000;
  run.machine.loadavg_at_end = loadavg().map((x) => Math.round(x * 100) / 100);
  writeJson("run.json", run);
  return run;
}

let failed = false;
if (!reportOnly) {
  const run = await main();
  failed = Object.values(run.steps).some((s) => s.status === "failed");
}
const { writeReport } = await import("./report.mjs");
const { markdownPath, svgPath, headline } = writeReport();
console.log(`\n${headline}\n\n[bench] wrote ${markdownPath} and ${svgPath}`);
if (failed) {
  console.error("[bench] some steps failed: see bench/results/run.json and BENCHMARKS.md");
  process.exitCode = 1;
}
