#!/usr/bin/env node
// `npm start`: the embedded default. Builds the wasm package when it is
// missing or stale, applies the D1 migrations to wrangler's local database,
// makes sure js/.dev.vars holds a JWT_SECRET, serves the v3 auth Worker on
// 127.0.0.1:8787 and creates a demo user whose credentials it prints.
//
//   npm start                 JWT mode (random secret in js/.dev.vars)
//   NO_JWT=1 npm start        session mode: JWT_SECRET is overridden to ""
//   PORT=8788 npm start       another port (still loopback only)
//
// Idempotent: a second run skips the build, finds the migrations applied,
// keeps the secret (so issued JWTs stay valid) and the demo user.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const js = join(root, "js");
const devVars = join(js, ".dev.vars");
const wranglerBin = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const HOST = "127.0.0.1";
const PORT = Number(process.env.PORT ?? 8787);
const sessionMode = ["1", "true", "yes"].includes(String(process.env.NO_JWT ?? "").toLowerCase());
const DEMO = { email: "demo@example.com", password: "demo-password-1234", name: "Demo User" };

// The sandbox has no route to Cloudflare: skip miniflare's Request.cf download
// (it only logs a warning and falls back) and wrangler's telemetry.
const childEnv = {
  ...process.env,
  CI: "true", // non-interactive: no confirmation prompts
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
};

function step(message) {
  console.log(`\x1b[36m›\x1b[0m ${message}`);
}

function newestMtime(paths) {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      const children = readdirSync(path).map((name) => join(path, name));
      newest = Math.max(newest, newestMtime(children));
    } else if (path.endsWith(".rs") || path.endsWith(".toml") || path.endsWith(".lock")) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  }
  return newest;
}

function buildIfStale() {
  const wasm = join(root, "pkg", "web", "hybrid_auth_bg.wasm");
  const built = existsSync(wasm) ? statSync(wasm).mtimeMs : 0;
  const sources = newestMtime([join(root, "src"), join(root, "Cargo.toml"), join(root, "Cargo.lock")]);
  if (built && built >= sources) {
    step("wasm package is up to date (pkg/)");
    return;
  }
  step(built ? "Rust sources changed: rebuilding the wasm package" : "building the wasm package (first run)");
  const result = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit", env: process.env });
  if (result.status !== 0) {
    console.error("npm run build failed; see the output above");
    process.exit(result.status ?? 1);
  }
}

function applyMigrations() {
  step("applying D1 migrations to the local database (js/.wrangler/state)");
  const result = spawnSync(process.execPath, [wranglerBin, "d1", "migrations", "apply", "GENERAL_DB", "--local"], {
    cwd: js,
    env: childEnv,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? "");
    process.stderr.write(result.stderr ?? "");
    console.error("migrations failed");
    process.exit(result.status ?? 1);
  }
  const applied = /No migrations to apply/.test(result.stdout) ? "already applied" : "applied";
  step(`migrations ${applied}`);
}

function ensureSecret() {
  const current = existsSync(devVars) ? readFileSync(devVars, "utf8") : "";
  if (/^JWT_SECRET\s*=\s*\S+/m.test(current)) {
    step("using the JWT_SECRET in js/.dev.vars");
    return;
  }
  // 32 random bytes, base64url: 43 characters, the minimum the Worker accepts is 32 bytes.
  const line = `JWT_SECRET=${randomBytes(32).toString("base64url")}\n`;
  const prefix = current && !current.endsWith("\n") ? "\n" : "";
  writeFileSync(devVars, current + prefix + line, { mode: 0o600 });
  step("wrote a random 32-byte JWT_SECRET to js/.dev.vars (gitignored)");
}

async function waitForHealth(base, child) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${base}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("wrangler dev did not become ready within 90 s");
}

async function ensureDemoUser(base) {
  const post = (path, body) =>
    fetch(`${base}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const registered = await post("/auth/register", DEMO);
  if (registered.status !== 201 && registered.status !== 409) {
    throw new Error(`creating the demo user failed: ${registered.status} ${await registered.text()}`);
  }
  const login = await post("/auth/login", { email: DEMO.email, password: DEMO.password });
  if (!login.ok) throw new Error(`demo login failed: ${login.status} ${await login.text()}`);
  return { created: registered.status === 201, login: await login.json() };
}

function printWelcome(base, demo) {
  const mode = demo.login.token_type === "jwt" ? "JWT (JWT_SECRET from js/.dev.vars)" : "session tokens (no JWT_SECRET)";
  console.log(`
\x1b[32m✔ hybrid-auth v3 Worker on ${base}\x1b[0m   mode: ${mode}
  demo user ${demo.created ? "created" : "already present"}:  ${DEMO.email}  /  ${DEMO.password}

  curl -s -X POST ${base}/auth/register -H 'Content-Type: application/json' \\
       -d '{"email":"you@example.com","password":"a long password","name":"You"}'
  TOKEN=$(curl -s -X POST ${base}/auth/login -H 'Content-Type: application/json' \\
       -d '{"email":"${DEMO.email}","password":"${DEMO.password}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')
  curl -s ${base}/auth/me -H "Authorization: Bearer $TOKEN"
  curl -s -X POST ${base}/auth/logout -H "Authorization: Bearer $TOKEN"

  ${sessionMode ? "Started with NO_JWT=1; run `npm start` for JWT mode." : "Run `NO_JWT=1 npm start` for session mode."}  Ctrl-C stops the server.
`);
}

async function main() {
  if (!existsSync(wranglerBin)) {
    console.error("wrangler is not installed: run `npm install` first");
    process.exit(1);
  }
  buildIfStale();
  applyMigrations();
  if (sessionMode) step("NO_JWT=1: session mode, JWT_SECRET overridden to an empty value");
  else ensureSecret();

  const args = [wranglerBin, "dev", "--ip", HOST, "--port", String(PORT), "--show-interactive-dev-session=false"];
  // An empty --var beats .dev.vars; the Worker reads "" as "no secret".
  if (sessionMode) args.push("--var", "JWT_SECRET:");
  // Local only: emails (password reset, verification) are logged and shown at
  // /auth/dev/mailbox. A --var here never reaches `wrangler deploy`, unlike wrangler.jsonc's vars.
  args.push("--var", "DEV_MAILBOX:on");
  // The local OIDC provider behind the page's "Sign in with Dev" button (js/demo/devProvider.ts): no internet needed.
  args.push("--var", `DEV_SOCIAL_ISSUER:http://${HOST}:${PORT}/dev-oidc`);
  step(`starting wrangler dev on ${HOST}:${PORT}`);
  const child = spawn(process.execPath, args, { cwd: js, env: childEnv, stdio: ["inherit", "inherit", "inherit"] });

  const stop = (signal) => {
    if (child.exitCode === null) child.kill(signal);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));

  const base = `http://${HOST}:${PORT}`;
  try {
    await waitForHealth(base, child);
    printWelcome(base, await ensureDemoUser(base));
  } catch (err) {
    console.error(`\x1b[31m${err instanceof Error ? err.message : err}\x1b[0m`);
    stop("SIGTERM");
  }
}

await main();
