# Sourced by scripts/test.sh (and by test/node/test-floors.test.js on a fake suite):
#   suite <key> <kind> <name> <command...>   runs one suite, its output streamed AND kept
#   finish_suites                            the per-suite counts and the closing lines; its status
# <kind> is how its tests are counted (scripts/lib/count-tests.mjs: cargo, node, vitest, none).
# Every suite runs even when an earlier one failed.
# HYBRID_AUTH_TEST_FLOORS overrides scripts/test-floors.json (the fake-suite test uses it).
SUITES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SUITES_LOGS="$(mktemp -d "${TMPDIR:-/tmp}/hybrid-auth-suites.XXXXXX")"
: >"$SUITES_LOGS/records.tsv"

suite() {
  local key=$1 kind=$2 name=$3
  shift 3
  printf '\n==> %s: %s\n' "$name" "$*"
  local log="$SUITES_LOGS/$key.log"
  # stderr too: cargo prints its progress there, and a crash's message belongs in the log.
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  printf '%s\t%s\t%s\t%s\t%s\n' "$key" "$kind" "$name" "$rc" "$log" >>"$SUITES_LOGS/records.tsv"
}

finish_suites() {
  printf '\n==> summary\n'
  local status=0
  node "$SUITES_ROOT/scripts/lib/count-tests.mjs" summary "$SUITES_LOGS/records.tsv" \
    "${HYBRID_AUTH_TEST_FLOORS:-$SUITES_ROOT/scripts/test-floors.json}" || status=$?
  if [ "$status" -ge 2 ]; then
    # The count itself broke (unreadable floors file, ...): never leave a green closing line.
    echo "tests: 0 passed, 1 failed"
  fi
  rm -rf "$SUITES_LOGS"
  return "$status"
}
