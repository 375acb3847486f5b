// wrangler as a child process, for benchmarks and browser tests: one place for
// `wrangler dev` (the free port, the wait until it answers, the shutdown of wrangler
// together with the workerd it spawns), one-shot commands with a time limit, and the
// offline `deploy --dry-run` bundle.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const HOST = "127.0.0.1";
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const wranglerBin = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
/** No network here: wrangler must not try to fetch request.cf data or send metrics. */
export const wranglerEnv = { ...process.env, CI: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

/** A TCP port free on the loopback address right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `wrangler dev <args>` on a free loopback port (with its own inspector port,
 * since the default 9229 may be held by another wrangler) and waits until
 * `readyPath` answers 2xx. Returns { child, port, base, output(), stop() }.
 * `readyHeaders` go with the readiness probe (e.g. an Authorization header); `pollMs` is
 * the pause between probes. `args` are the extra arguments (--persist-to, --var, --config, ...), or a function
 * of the port that returns them (for settings that name the server's own origin).
 */
export async function startWranglerDev(options) {
  // freePort() closes its probe before wrangler binds, and workerd binds more ports of its
  // own: another process on the machine can take one in between. That is the only start-up
  // failure retried, with fresh ports; anything else fails at once.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof Error) || !/Address already in use|EADDRINUSE/.test(err.message)) throw err;
      console.error(`[wrangler-dev] a port was taken before wrangler bound it; retrying with new ports (attempt ${attempt + 1} of 3)`);
    }
  }
}

async function startOnce({ cwd, args = [], readyPath = "/health", readyHeaders, pollMs = 200, timeoutMs = 60_000, env = wranglerEnv }) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const fullArgs = [wranglerBin, "dev", "--ip", HOST, "--port", String(port), "--inspector-port", String(inspectorPort),
    "--show-interactive-dev-session=false", ...(typeof args === "function" ? args(port) : args)];
  // detached: its own process group, so wrangler and its workerd stop together.
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, fullArgs, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const base = `http://${HOST}:${port}`;
  // spawnedAt / readyAt (performance.now()) and readyRequestMs (the answering request's own
  // time) let the start-up benchmark time spawn → first 2xx.
  const server = { child, port, base, spawnedAt, readyAt: null, readyRequestMs: null, output: () => output, stop: () => stopProcessGroup(child) };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      const sent = performance.now();
      // Bounded by the deadline: while the Worker fails to build, wrangler's proxy holds
      // requests instead of refusing them, and an unbounded probe would wait forever.
      const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
      const response = await fetch(`${base}${readyPath}`, { headers: readyHeaders, signal });
      await response.arrayBuffer();
      if (response.ok) {
        server.readyAt = performance.now();
        server.readyRequestMs = server.readyAt - sent;
        return server;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  await server.stop();
  throw new Error(`wrangler dev not ready after ${timeoutMs / 1000} s:\n${output}`);
}

/** SIGTERM to the child's process group, SIGKILL after 5 s; resolves when it exited. */
export async function stopProcessGroup(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs one `wrangler <args>` command to completion (migrations, `d1 execute`) and
 * resolves with its output; rejects with that output on a non-zero exit or after
 * `timeoutMs`, so a wedged wrangler cannot hang a test or a benchmark.
 */
export function runWrangler(args, { cwd, timeoutMs = 120_000, env = wranglerEnv } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`wrangler ${args.join(" ")} failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
}

/**
 * Bundles the Worker in `cwd` the way `wrangler deploy` would, offline, into `outdir`
 * (`deploy --dry-run --outdir`). Returns { ok, exit, output, totalUploadKiB, gzipKiB },
 * the sizes as wrangler's "Total Upload" line reports them (null when missing).
 */
export function dryRunBundle({ cwd, outdir, timeoutMs = 120_000 }) {
  const r = spawnSync(process.execPath, [wranglerBin, "deploy", "--dry-run", "--outdir", outdir], { cwd, env: wranglerEnv, encoding: "utf8", timeout: timeoutMs });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const m = output.match(/Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/);
  return {
    ok: r.status === 0,
    exit: r.status ?? r.signal,
    output,
    uploadLine: m ? m[0] : null,
    totalUploadKiB: m ? Number(m[1]) : null,
    gzipKiB: m ? Number(m[2]) : null,
  };
}

/** Applies migrations/ to a throwaway local D1 kept in `persistTo`. */
export function migrateLocalD1({ cwd, persistTo }) {
  return runWrangler(["d1", "migrations", "apply", "GENERAL_DB", "--local", "--persist-to", persistTo], { cwd });
}
