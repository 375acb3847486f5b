#!/usr/bin/env bash
# `npm test`: installs what it needs, builds the wasm package, and runs every suite:
# lint, cargo test, wasm-pack test --node, Node tests, the Worker's tests inside workerd
# against a real local D1, the packed package installed into a fresh project, and the
# browser tests. Every suite runs even when an earlier one fails; the exit code is
# non-zero if any failed or ran fewer tests than its floor (scripts/test-floors.json). The
# last line is "tests: N passed, N failed", after "suites: N passed, N failed".
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
# suite <key> <kind> <name> <command...> (scripts/lib/suites.sh): the output is streamed and
# kept, and the summary counts the tests each suite ran (scripts/lib/count-tests.mjs). A suite
# that runs no test, fewer than its floor in scripts/test-floors.json, or prints no count
# fails, like one that exits non-zero. Raise a floor when you add tests.
# shellcheck source=lib/suites.sh
. scripts/lib/suites.sh

suite fmt none "rust format" cargo fmt --check
suite clippy none "clippy (native)" cargo clippy --all-targets --quiet -- -D warnings
suite clippy-wasm none "clippy (wasm32)" cargo clippy --target wasm32-unknown-unknown --lib --quiet -- -D warnings
# The package's two builds of the core (wasm-bindgen.toml): HS256 only, and with Ed25519.
suite clippy-wasm-core none "clippy (wasm32, hybrid-auth's build: no std, no Ed25519)" cargo clippy --target wasm32-unknown-unknown --lib --no-default-features --quiet -- -D warnings
suite clippy-wasm-eddsa none "clippy (wasm32, hybrid-auth/eddsa's build)" cargo clippy --target wasm32-unknown-unknown --lib --no-default-features --features eddsa --quiet -- -D warnings
suite cargo cargo "cargo test" cargo test
suite fuzz-check none "fuzz targets compile" cargo check --quiet --manifest-path fuzz/Cargo.toml --bins
suite wasm cargo "wasm-pack test --node" wasm-pack test --node
# The password module (crates/argon2, issue 21): its own workspace, so its own suites.
A2=crates/argon2/Cargo.toml
suite argon2-fmt none "argon2: rust format" cargo fmt --check --manifest-path "$A2"
suite argon2-clippy none "argon2: clippy (native)" cargo clippy --manifest-path "$A2" --all-targets --quiet -- -D warnings
suite argon2-clippy-wasm none "argon2: clippy (wasm32)" cargo clippy --manifest-path "$A2" --target wasm32-unknown-unknown --no-default-features --lib --quiet -- -D warnings
suite argon2-cargo cargo "argon2: cargo test" cargo test --manifest-path "$A2"
suite argon2-wasm cargo "argon2: wasm-pack test --node" wasm-pack test --node crates/argon2
# The revocation filter (crates/revocation-filter, issue 23): its own workspace and module too.
RF=crates/revocation-filter/Cargo.toml
suite filter-fmt none "filter: rust format" cargo fmt --check --manifest-path "$RF"
suite filter-clippy none "filter: clippy (native)" cargo clippy --manifest-path "$RF" --all-targets --quiet -- -D warnings
suite filter-clippy-wasm none "filter: clippy (wasm32)" cargo clippy --manifest-path "$RF" --target wasm32-unknown-unknown --no-default-features --lib --quiet -- -D warnings
suite filter-cargo cargo "filter: cargo test" cargo test --manifest-path "$RF"
suite filter-wasm cargo "filter: wasm-pack test --node" wasm-pack test --node crates/revocation-filter
suite node node "node tests" node --test test/node/
suite typecheck none "worker typecheck" npx tsc -p js
suite worker vitest "worker tests (workerd + local D1)" npx vitest run --config js/vitest.config.ts
suite upgrade node "seed-era upgrade (bin/hybrid-auth.mjs upgrade-seed on a local D1)" node --test --test-concurrency=1 test/upgrade/
suite pack node "pack (npm pack, install the tarball, Node ESM + CJS, workerd)" node --test test/pack/
# Always required: a machine without chromium fails here rather than skipping the suite.
suite browser node "browser tests (chromium)" bash -c \
  '[ -x /usr/bin/chromium ] || { echo "browser tests: /usr/bin/chromium is missing (apt-get install chromium)"; exit 1; }; exec node --test --test-concurrency=1 js/test-browser/'

finish_suites
