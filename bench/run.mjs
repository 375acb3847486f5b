#!/usr/bin/env node
// `npm run bench`: every benchmark in one invocation, one heavy thing at a time,
// then BENCHMARKS.md + bench/chart.svg regenerated from the results.
//
//   1. npm run build            (skips when pkg/ is fresh)
//   2. start-up                 bench/startup.mjs runStartupBench() -> bench/results/startup.json:
//                               .wasm size and compile; bundles (wrangler deploy --dry-run --outdir,
//                               offline) of bare Hono, the core-only adopter, core + each plugin, the
//                               demo and better-auth (bench/peers/better-auth, `npm ci --prefix` on
//                               first use): sizes, load time and CPU time in fresh Node processes,
//                               issue 20's budgets; first request of a fresh wrangler dev
//   3. Node                     bench/node.mjs runNodeBench()       -> bench/results/node.json
//   4. inside workerd           bench/workerd.mjs runWorkerdBench() -> bench/results/workerd.json
//   5. over HTTP                npm run bench:http                  -> js/bench/last-http.json (copied to bench/results/http.json)
//   6. password hashing         bench/passwords.mjs runPasswordsBench() -> bench/results/passwords.json:
//                               Argon2id per OWASP row vs PBKDF2-100k inside workerd, logins/s before
//                               and after beside better-auth's scrypt sign-in, workerd RSS over 100 logins
//   7. bench/report.mjs         -> BENCHMARKS.md, bench/chart.svg, README.md's headline table
//
// Flags: --quick (fewer/shorter rounds; the report then says "short run"), --skip=node,workerd,http,startup,passwords,
//        --report-only (just regenerate the report from the existing results).
// A step that fails is recorded in bench/results/run.json and shown in the report;
// the exit code is then 1.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, platform, arch, release } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { wranglerEnv } from "../scripts/lib/wrangler-dev.mjs";

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
const version = (pkg, from = root) => {
  try {
    return JSON.parse(readFileSync(join(from, "node_modules", pkg, "package.json"), "utf8")).version;
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
      // The start-up step's peer, from its own folder (installed by that step; null before).
      better_auth: version("better-auth", join(root, "bench", "peers", "better-auth")),
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
      if (name !== "build") await waitForPkg();
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

  await step("startup", async () => {
    const { runStartupBench, formatStartup } = await import("./startup.mjs");
    console.log(formatStartup(await runStartupBench({ quick })));
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

  await step("passwords", async () => {
    const { runPasswordsBench, formatPasswords } = await import("./passwords.mjs");
    console.log(formatPasswords(await runPasswordsBench({ quick })));
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
