#!/usr/bin/env node
// Builds pkg/ from the Rust crate, as declared in wasm-bindgen.toml:
//   1. checks that the wasm-bindgen CLI version there equals the crate pinned in Cargo.toml,
//   2. installs what is missing (wasm32 target, wasm-pack, the wasm-bindgen CLI),
//   3. runs `wasm-pack build` once per declared target, then wasm-opt from node_modules,
//   4. prints the .wasm sizes (raw and gzip).
// Skips everything when pkg/ is newer than every input; `--force` rebuilds.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { parse as parseToml } from "smol-toml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const force = process.argv.includes("--force");
const OUT_NAME = "hybrid_auth";

function fail(message) {
  console.error(`\nbuild: ${message}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  if (r.status !== 0) fail(`${cmd} ${args[0] ?? ""} failed (exit ${r.status ?? r.signal})`);
}

function output(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return null;
  }
}

const config = parseToml(readFileSync(join(root, "wasm-bindgen.toml"), "utf8"));
const cliVersion = config["wasm-bindgen"]?.version;
const targets = config.targets ?? [];
const optFlags = config.build?.["wasm-opt"] ?? ["-O3"];
const profile = config.build?.profile ?? "release";
const cargoArgs = config.build?.["cargo-args"] ?? [];
if (!cliVersion || targets.length === 0) fail("wasm-bindgen.toml needs [wasm-bindgen].version and at least one [[targets]]");

// Extra crates ([[crates]] in wasm-bindgen.toml): each its own module, web target.
const crates = config.crates ?? [];

// 1. The pin in Cargo.toml (and in each extra crate's, since one CLI builds them all) must
// match the CLI declared here.
for (const manifest of ["Cargo.toml", ...crates.map((c) => join(c.path, "Cargo.toml"))]) {
  const cargoToml = readFileSync(join(root, manifest), "utf8");
  const pin = cargoToml.match(/^wasm-bindgen\s*=\s*(?:\{[^}]*version\s*=\s*)?"=([^"]+)"/m)?.[1];
  if (!pin) fail(`${manifest} must pin wasm-bindgen exactly, e.g. wasm-bindgen = "=0.2.130"`);
  if (pin !== cliVersion) {
    fail(
      `version mismatch: ${manifest} pins wasm-bindgen =${pin} but wasm-bindgen.toml declares the CLI ${cliVersion}.\n` +
        `The two must be equal (the CLI reads a schema the crate writes). Change one of them so they agree.`,
    );
  }
}

// Freshness: newest input vs oldest output.
function newestMtime(paths) {
  let newest = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const st = statSync(p);
    if (st.isDirectory()) newest = Math.max(newest, newestMtime(readdirSync(p).map((f) => join(p, f))));
    else newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}
const inputs = ["src", "Cargo.toml", "Cargo.lock", "wasm-bindgen.toml", ".cargo"]
  .concat(crates.flatMap((c) => ["src", "Cargo.toml", "Cargo.lock", "build.rs"].map((f) => join(c.path, f))))
  .map((p) => join(root, p));
const outputs = targets
  .map((t) => join(root, t["out-dir"], `${OUT_NAME}_bg.wasm`))
  .concat(crates.map((c) => join(root, c["out-dir"], `${c["out-name"]}_bg.wasm`)));
if (!force && outputs.every(existsSync)) {
  const oldestOut = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  if (oldestOut >= newestMtime(inputs)) {
    console.log("build: pkg/ is up to date (use --force to rebuild)");
    process.exit(0);
  }
}

// 2. Tools. Each is skipped when already present.
const installed = output("rustup", ["target", "list", "--installed"]) ?? "";
if (!installed.includes("wasm32-unknown-unknown")) run("rustup", ["target", "add", "wasm32-unknown-unknown"]);
if (!output("wasm-pack", ["--version"])) run("cargo", ["install", "wasm-pack", "--locked"]);
const haveCli = output("wasm-bindgen", ["--version"])?.trim().split(/\s+/)[1];
if (haveCli !== cliVersion) {
  console.log(`build: wasm-bindgen CLI ${haveCli ?? "missing"}, need ${cliVersion}: installing it (a few minutes, once)`);
  // Not --locked: that lock file names a crate version the registry no longer serves.
  run("cargo", ["install", "wasm-bindgen-cli", "--version", cliVersion, "--force"]);
}
const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
if (!existsSync(wasmOpt)) fail("node_modules/.bin/wasm-opt is missing: run `npm ci` first (the `binaryen` devDependency provides it)");

// 3. One wasm-pack run per target (each with its own extra cargo arguments: features).
for (const t of targets) {
  const outDir = t["out-dir"];
  const args = [...cargoArgs, ...(t["cargo-args"] ?? [])];
  run("wasm-pack", ["build", `--${profile}`, "--target", t.target, "--out-dir", outDir, "--out-name", OUT_NAME, "--no-pack", "--no-opt", ...(args.length ? ["--", ...args] : [])]);
  const wasm = join(root, outDir, `${OUT_NAME}_bg.wasm`);
  run(wasmOpt, [...optFlags, wasm, "-o", wasm]);
  // wasm-pack drops a `*` .gitignore that would also hide these files from `npm pack`.
  rmSync(join(root, outDir, ".gitignore"), { force: true });
  // The root package is "type": "module"; the nodejs target is CommonJS.
  const type = t.target === "nodejs" ? "commonjs" : "module";
  writeFileSync(join(root, outDir, "package.json"), JSON.stringify({ type }, null, 2) + "\n");
}

// 3b. The extra crates: same flags, from their own directory (their own Cargo.lock,
// profiles and target/).
for (const c of crates) {
  const outDir = join(root, c["out-dir"]);
  run("wasm-pack", ["build", c.path, `--${profile}`, "--target", "web", "--out-dir", outDir, "--out-name", c["out-name"], "--no-pack", "--no-opt", ...(cargoArgs.length ? ["--", ...cargoArgs] : [])]);
  const wasm = join(outDir, `${c["out-name"]}_bg.wasm`);
  run(wasmOpt, [...optFlags, wasm, "-o", wasm]);
  rmSync(join(outDir, ".gitignore"), { force: true });
  writeFileSync(join(outDir, "package.json"), JSON.stringify({ type: "module" }, null, 2) + "\n");
}

// 4. Sizes.
for (const p of outputs) {
  const bytes = readFileSync(p);
  console.log(`build: ${p.slice(root.length + 1)}: ${bytes.length} bytes raw, ${gzipSync(bytes, { level: 9 }).length} gzip`);
}
