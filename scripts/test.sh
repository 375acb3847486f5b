#!/usr/bin/env bash
# `npm test`: installs what it needs, builds the wasm package, and runs every suite:
# lint, cargo test, wasm-pack test --node, Node tests, the Worker's tests inside workerd
# against a real local D1, the packed package installed into a fresh project, and the
# browser tests. Every suite runs even when an earlier one fails; the exit code is
# non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false

step() { printf '\n==> %s\n' "$*"; }

# --- set-up (each step is skipped when already done) ---------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci || exit 1
fi
if ! command -v cargo >/dev/null; then
  echo "cargo not found: install Rust with rustup first" >&2
  exit 1
fi
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  step "installing Debian chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) || echo "chromium install failed; the browser suite will report it"
fi
step "build (scripts/build.mjs: wasm32 target, wasm-pack, wasm-bindgen CLI, pkg/; scripts/build-lib.mjs: dist/)"
node scripts/build.mjs || exit 1
node scripts/build-lib.mjs || exit 1

# --- suites ---------------------------------------------------------------------------
passed=0
failed=0
failures=()
suite() {
  local name=$1
  shift
  step "$name: $*"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
  fi
}

suite "rust format" cargo fmt --check
suite "clippy (native)" cargo clippy --all-targets --quiet -- -D warnings
suite "clippy (wasm32)" cargo clippy --target wasm32-unknown-unknown --lib --quiet -- -D warnings
suite "cargo test" cargo test
suite "fuzz targets compile" cargo check --quiet --manifest-path fuzz/Cargo.toml --bins
suite "wasm-pack test --node" wasm-pack test --node
# The password module (crates/argon2, issue 21): its own workspace, so its own suites.
A2=crates/argon2/Cargo.toml
suite "argon2: rust format" cargo fmt --check --manifest-path "$A2"
suite "argon2: clippy (native)" cargo clippy --manifest-path "$A2" --all-targets --quiet -- -D warnings
suite "argon2: clippy (wasm32)" cargo clippy --manifest-path "$A2" --target wasm32-unknown-unknown --no-default-features --lib --quiet -- -D warnings
suite "argon2: cargo test" cargo test --manifest-path "$A2"
suite "argon2: wasm-pack test --node" wasm-pack test --node crates/argon2
suite "node tests" node --test test/node/
suite "worker typecheck" npx tsc -p js
suite "worker tests (workerd + local D1)" npx vitest run --config js/vitest.config.ts
suite "seed-era upgrade (bin/hybrid-auth.mjs upgrade-seed on a local D1)" node --test --test-concurrency=1 test/upgrade/
suite "pack (npm pack, install the tarball, Node ESM + CJS, workerd)" node --test test/pack/
if node -e 'process.exit(require("./package.json").scripts["test:browser"] ? 0 : 1)'; then
  suite "browser tests (chromium)" npm run --silent test:browser
fi

printf '\n==> summary\n'
[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
