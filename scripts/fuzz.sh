#!/usr/bin/env bash
# Fuzzes the HS256 core with cargo-fuzz (libFuzzer), each target for a bounded time.
#
#   scripts/fuzz.sh            # 30 s per target
#   scripts/fuzz.sh 300        # a longer run (the figures in SECURITY.md)
#   FUZZ_TARGETS="verify json" scripts/fuzz.sh 60
#   FUZZ_SANITIZER=none scripts/fuzz.sh   # faster, without AddressSanitizer
#   FUZZ_MAX_LEN=70000 scripts/fuzz.sh    # longest generated input (default 16384)
#
# Targets (fuzz/fuzz_targets/): verify (KeyRing::verify: raw tokens, and fuzzed payloads
# and headers re-signed with the ring's key so the claim logic behind the MAC is
# reached), is_jwt (looks_like_jwt), json (json::parse against serde_json), keyring
# (KeyRing::new with fuzzed kids, secrets and policy values, then sign + verify), jwk
# (the Ed25519 JWK and JWKS readers, issue 24, with round-trip oracles), revocation_filter
# (crates/revocation-filter's container parser, issue 23; it builds its own valid filters).
#
# Corpora are seeded at run time from the vendored vectors in tests/vectors/ into
# fuzz/corpus/<target>/, which is gitignored (the seeds are derived, the vectors are the source).
# Prints executions, coverage (cov/ft from libFuzzer's last line) and crashes per
# target; exits non-zero if any target crashed (panic, abort, OOM, timeout, leak).
# Crash inputs land in fuzz/artifacts/<target>/, logs in fuzz/target/fuzz-logs/;
# reproduce a crash (from fuzz/) with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> artifacts/<target>/crash-...
set -uo pipefail

SECONDS_PER_TARGET=${1:-30}
case $SECONDS_PER_TARGET in
  '' | *[!0-9]*)
    echo "usage: $0 [seconds-per-target]" >&2
    exit 2
    ;;
esac
TARGETS=${FUZZ_TARGETS:-verify is_jwt json keyring jwk revocation_filter}
SANITIZER=${FUZZ_SANITIZER:-address}
# Longest input generated. 16 KiB passes the default maxTokenBytes (8 KiB) and keeps the
# runs fast; the vectors' 64 KiB token is still a seed (loaded truncated).
MAX_LEN=${FUZZ_MAX_LEN:-16384}

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null || (cd "$(dirname "$0")/.." && pwd))
VECTORS="$ROOT/tests/vectors"
FUZZ="$ROOT/fuzz"
export PATH="$HOME/.cargo/bin:$PATH"

# Why RUSTC_BOOTSTRAP=1: cargo-fuzz builds with AddressSanitizer by default, and
# `-Zsanitizer=address` is a nightly-only rustc flag (the libFuzzer coverage flags,
# `-Cpasses=sancov-module` and `-Cllvm-args=-sanitizer-coverage-*`, are stable; a
# `--sanitizer none` build works on stable as is). This machine has only the stable
# toolchain and cannot fetch another, so RUSTC_BOOTSTRAP=1 lets stable rustc accept the
# flag. It applies only to this script's fuzz builds (fuzz/ is its own workspace with its
# own target directory); the crate, its tests and its wasm build never use it, and the
# crate's code uses no unstable feature. The code under test is std + safe Rust, but its
# dependencies (base64, sha2, hmac) contain unsafe code, which is what ASan watches.
export RUSTC_BOOTSTRAP=1

if ! command -v cargo-fuzz >/dev/null; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked || cargo install cargo-fuzz || {
    echo "could not install cargo-fuzz" >&2
    exit 1
  }
fi

# --- seed corpora ------------------------------------------------------------------------
seed() {
  if [ ! -d "$VECTORS" ]; then
    echo "note: $VECTORS not found; fuzzing from empty corpora" >&2
    return
  fi
  if ! command -v python3 >/dev/null; then
    echo "note: python3 not found; fuzzing from empty corpora" >&2
    return
  fi
  python3 - "$VECTORS" "$FUZZ/corpus" <<'PY'
import base64, hashlib, json, os, sys

vectors, out = sys.argv[1], sys.argv[2]

def load(name):
    try:
        with open(os.path.join(vectors, name), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def unb64(s):
    try:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    except Exception:
        return None

tokens = []
for case in load("jwt_hs256_cases.json") or []:
    tokens.append(case.get("token", ""))
for case in load("jws_hs256_rfc.json") or []:
    tokens.append(case.get("compact", ""))
for group in (load("wycheproof_jws_hs256_subset.json") or {}).get("testGroups", []):
    for t in group.get("tests", []):
        tokens.append(t.get("jws", ""))
tokens = [t for t in tokens if isinstance(t, str) and t]

# Decoded header and payload segments: JSON texts for the parser and the re-signing path.
segments = []
for t in tokens:
    for part in t.split(".")[:2]:
        raw = unb64(part)
        if raw:
            segments.append(raw)

# JWKs and key sets for the jwk target: RFC 8037's and every Wycheproof Ed25519 group's.
jwks = []
rfc = json.load(open(os.path.join(vectors, "rfc8037_ed25519.json")))
for name in ("A.1_private_jwk", "A.2_public_jwk"):
    jwks.append(json.dumps(rfc[name]).encode())
for group in json.load(open(os.path.join(vectors, "wycheproof_ed25519_test.json")))["testGroups"]:
    if "publicKeyJwk" in group:
        jwks.append(json.dumps(group["publicKeyJwk"]).encode())
jwks.append(json.dumps({"keys": [json.loads(j) for j in jwks[1:17]]}).encode())

corpora = {
    "jwk": jwks,
    "verify": [t.encode() for t in tokens] + segments,
    "is_jwt": [t.encode() for t in tokens],
    "json": segments,
    "keyring": segments,
}
for target, items in corpora.items():
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    for data in items:
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
    print(f"seeded {target}: {len(set(items))} inputs from tests/vectors")
PY
}

cd "$FUZZ" || exit 1
seed

# --- build once, then run each target ----------------------------------------------------
echo "==> building fuzz targets (sanitizer: $SANITIZER)"
LOGS="$FUZZ/target/fuzz-logs" # fuzz/target/ is gitignored
mkdir -p "$LOGS"
for t in $TARGETS; do
  if ! cargo fuzz build --sanitizer "$SANITIZER" "$t" >"$LOGS/build-$t.log" 2>&1; then
    tail -n 30 "$LOGS/build-$t.log" >&2
    echo "build of fuzz target $t failed (log: $LOGS/build-$t.log)" >&2
    exit 1
  fi
done
# The binaries are run directly rather than through `cargo fuzz run`, which rebuilds
# first: the figures then belong to the sources just built, even if they change meanwhile.
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
BIN="$FUZZ/target/$TRIPLE/release"
# What `cargo fuzz run` sets for ASan: Rust's std triggers false ODR reports.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0}

summary=()
failures=0
for t in $TARGETS; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log="$LOGS/$t.log"
  before=$(find "artifacts/$t" -type f | wc -l)
  echo "==> fuzzing $t for ${SECONDS_PER_TARGET}s"
  # -timeout: one input taking over 10 s is a denial of service, reported as a crash.
  # -rss_limit_mb: an input that makes verification allocate 2 GiB is one too.
  # (The harnesses also assert correctness oracles: a wrong answer is a crash too.)
  "$BIN/$t" "corpus/$t" \
    -max_total_time="$SECONDS_PER_TARGET" -max_len="$MAX_LEN" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1
  rc=$?
  after=$(find "artifacts/$t" -type f | wc -l)
  crashes=$((after - before))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
  rate=$(sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p' <<<"$last")
  line=$(printf '%-8s execs %10s  exec/s %6s  cov %5s  ft %6s  corpus %5s  crashes %d' \
    "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes")
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    line="$line  (exit $rc without a crash input: see the log)"
  fi
  echo "$line"
  summary+=("$line")
  if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    failures=$((failures + 1))
    grep -E "panicked at|ERROR: libFuzzer|SUMMARY|Test unit written" "$log" | head -n 8
    echo "   full log: $log"
  fi
done

printf '\n==> fuzz summary (%ss per target, sanitizer %s)\n' "$SECONDS_PER_TARGET" "$SANITIZER"
printf '%s\n' "${summary[@]}"
if [ "$failures" -gt 0 ]; then
  echo "FAIL: $failures target(s) crashed or failed; crash inputs in fuzz/artifacts/<target>/" >&2
  exit 1
fi
echo "ok: no crashes"
