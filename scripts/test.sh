#!/usr/bin/env bash
# The whole test run, as CI does it (`.ci/run` just runs this):
#   installs what is missing, starts private test servers (stopped on exit), builds once in debug
#   with the tests, checks the formatting, runs `swift test` in parallel with PREFLIGHT_REQUIRE_INTEGRATION=1,
#   then Schemathesis (scripts/schemathesis.sh) and the console's browser tests (scripts/browser.sh),
#   prints per-phase timings.
#
#   bash scripts/test.sh [extra `swift test` arguments, e.g. --filter PreflightPostgresTests]
#
# The servers are a private instance (its own temp dir, ports and env file), so this never disturbs
# servers started by hand with `scripts/test-servers.sh start` in the same checkout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
case ":$PATH:" in *:/opt/swift/usr/bin:*) ;; *) [ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin" ;; esac
export DEBIAN_FRONTEND=noninteractive

RUN_START=$(date +%s)
PHASE_NAMES=() PHASE_SECS=()
PHASE_NAME=""
phase_start() { PHASE_NAME="$1"; PHASE_T0=$(date +%s); printf '\n==> %s\n' "$1"; }
phase_end() { local d=$(( $(date +%s) - PHASE_T0 )); PHASE_NAMES+=("$PHASE_NAME"); PHASE_SECS+=("$d"); printf '<== %s: %ss\n' "$PHASE_NAME" "$d"; PHASE_NAME=""; }
print_timings() {
    local i
    if [ -n "$PHASE_NAME" ]; then phase_end_name="$PHASE_NAME (failed)"; PHASE_NAME="$phase_end_name"; phase_end >/dev/null; fi
    printf '\n==> timings\n'
    for i in "${!PHASE_NAMES[@]}"; do printf '  %-22s %5ss\n' "${PHASE_NAMES[$i]}" "${PHASE_SECS[$i]}"; done
    printf '  %-22s %5ss\n' "total" "$(( $(date +%s) - RUN_START ))"
}

# ------------------------------------------------------------------------------------ dependencies
phase_start "dependencies"
APT_UPDATED=0
apt_install() {
    if [ "$(id -u)" != 0 ]; then echo "missing packages: $* (not root, cannot apt-get install)" >&2; exit 1; fi
    if [ $APT_UPDATED = 0 ]; then apt-get update -qq; APT_UPDATED=1; fi
    apt-get install -y -qq --no-install-recommends "$@" </dev/null
}
missing=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
[ -x /usr/lib/postgresql/15/bin/psql ] || command -v psql >/dev/null || missing+=(postgresql-client-15)
command -v openssl >/dev/null || missing+=(openssl)
command -v tsql >/dev/null || missing+=(freetds-bin)
command -v python3 >/dev/null || missing+=(python3)
command -v runuser >/dev/null || command -v su >/dev/null || missing+=(util-linux)
# The console's browser tests (scripts/browser.sh): Debian's Chromium, driven headless by Playwright.
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
# The data-plane test builds a network namespace (ip netns; skipped when not root).
[ -x /usr/sbin/ip ] || [ "$(id -u)" != 0 ] || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    apt_install "${missing[@]}"
    # The Debian package creates and starts a default cluster on 5432; the tests don't use it.
    if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && command -v pg_ctlcluster >/dev/null; then
        pg_ctlcluster 15 main stop 2>/dev/null || true
    fi
else
    echo "postgresql-15, openssl, python3, chromium: present"
fi
command -v swift >/dev/null || { echo "swift not found (expected /opt/swift/usr/bin)" >&2; exit 1; }
swift --version 2>&1 | head -n1
# The scripted peers' independent verifiers (scripts/peers/): cryptography, pymongo's bson, redis-py, PyMySQL,
# pytds (+ pyOpenSSL), python-oracledb, cassandra-driver (pure Python: CASS_DRIVER_NO_EXTENSIONS) with cassandra-sigv4; and Playwright,
# which drives the system Chromium in scripts/browser.sh (it downloads no browser).
PY_MODULES=(cryptography redis pymysql pytds OpenSSL oracledb cassandra cassandra_sigv4 playwright bson databricks.sdk pyiceberg fsspec google.cloud.storage snowflake.connector)
python3 -c "import $(IFS=,; echo "${PY_MODULES[*]}")" 2>/dev/null || CASS_DRIVER_NO_EXTENSIONS=1 python3 -m pip install -q -r scripts/peers/requirements.txt
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
phase_end

# ------------------------------------------------------------------------------------ test servers
export PREFLIGHT_TEST_SERVERS_DIR="${PREFLIGHT_TEST_SERVERS_DIR:-$(mktemp -d /tmp/preflight-test.XXXXXX)}"
export PREFLIGHT_TEST_ENV_FILE="${PREFLIGHT_TEST_ENV_FILE:-$PREFLIGHT_TEST_SERVERS_DIR/test-env}"
TEST_RC=""
cleanup() {
    local rc=$?
    if [ -n "$TEST_RC" ] && [ "$TEST_RC" != 0 ] && [ -d "$PREFLIGHT_TEST_SERVERS_DIR/run" ]; then
        for f in "$PREFLIGHT_TEST_SERVERS_DIR"/run/main.log "$PREFLIGHT_TEST_SERVERS_DIR"/run/replica.log; do
            [ -f "$f" ] || continue
            printf '\n---- last lines of %s\n' "$(basename "$f")"; tail -n 40 "$f" || true
        done
    fi
    bash "$ROOT/scripts/test-servers.sh" stop >/dev/null 2>&1 || true
    print_timings
    [ -z "$TEST_RC" ] || echo "swift test exit code: $TEST_RC"
    return $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phase_start "test servers"
bash "$ROOT/scripts/test-servers.sh" start
bash "$ROOT/scripts/check-test-servers.sh" "$PREFLIGHT_TEST_ENV_FILE" >"$PREFLIGHT_TEST_SERVERS_DIR/run/checks.txt" 2>&1 || {
    cat "$PREFLIGHT_TEST_SERVERS_DIR/run/checks.txt"; echo "test servers are not as the tests expect" >&2; exit 1; }
tail -n1 "$PREFLIGHT_TEST_SERVERS_DIR/run/checks.txt"
# shellcheck disable=SC1090
. "$PREFLIGHT_TEST_ENV_FILE"
export PREFLIGHT_REQUIRE_INTEGRATION=1
phase_end

# ------------------------------------------------------------------------------------------ format
phase_start "format and dependencies"
swift format lint --strict --recursive --parallel Sources Tests Package.swift
python3 scripts/check-imports.py
phase_end

# ------------------------------------------------------------------------------------------ build
phase_start "build (debug, tests)"
swift build --build-tests
phase_end

# ------------------------------------------------------------------------------------------- test
phase_start "swift test"
set +e
# Two shards run side by side, one per core, each one test at a time: on a 2-core machine a whole suite
# in parallel inside one process starves the task pool (hundreds of pings and peers starting at once),
# while a shard per core keeps every ping's deadline honest. Deadlines that a test asserts exactly
# are decided by an injected clock (ManualPingClock). `bash scripts/test.sh --filter X` runs one
# `swift test` with those arguments instead.
if [ $# -gt 0 ]; then
    swift test "$@"
else
    BIN="$(swift build --show-bin-path)/preflightPackageTests.xctest"
    SHARD_A='PreflightPostgresTests|PreflightMySQLTests|PreflightMongoTests|PreflightSSHTests|PreflightStoreTests|PreflightCoreTests|PreflightEngineTests|PreflightProbesTests|PreflightClickHouseTests|PreflightCLITests|PreflightEventsAPITests'
    SHARD_B='PreflightServerTests|PreflightHTTPTests|PreflightAWSTests|PreflightGoogleTests|PreflightSnowflakeTests|PreflightDatabricksTests|PreflightMotherDuckTests|PreflightNetworkTests|PreflightMSSQLTests|PreflightRedisTests|PreflightOracleTests|PreflightKeyspacesTests|PreflightRemoteTests|PreflightLoggingTests'
    for dir in Tests/*/; do  # every test target must be in a shard, or it would silently not run
        name="$(basename "$dir")"; case "$name" in PreflightTestSupport|PreflightProbeTesting) continue ;; esac
        printf '%s\n' "$SHARD_A" "$SHARD_B" | tr '|' '\n' | grep -qx "$name" || { echo "test target $name is in no shard" >&2; exit 1; }
    done
    LOGS="$PREFLIGHT_TEST_SERVERS_DIR/shards"; mkdir -p "$LOGS"
    "$BIN" --testing-library swift-testing --no-parallel --filter "$SHARD_A" >"$LOGS/a.log" 2>&1 & PID_A=$!
    "$BIN" --testing-library swift-testing --no-parallel --filter "$SHARD_B" >"$LOGS/b.log" 2>&1 & PID_B=$!
    RC_A=0; RC_B=0
    wait "$PID_A" || RC_A=$?
    wait "$PID_B" || RC_B=$?
    printf '\n---- shard A (%s)\n' "$SHARD_A"; cat "$LOGS/a.log"
    printf '\n---- shard B (%s)\n' "$SHARD_B"; cat "$LOGS/b.log"
    A_LINE="$(grep -E 'Test run with [0-9]+ test' "$LOGS/a.log" | tail -n1 | sed 's/\x1b\[[0-9;]*m//g')"
    B_LINE="$(grep -E 'Test run with [0-9]+ test' "$LOGS/b.log" | tail -n1 | sed 's/\x1b\[[0-9;]*m//g')"
    printf '\nshard A: %s\nshard B: %s\n' "$A_LINE" "$B_LINE"
    TOTAL=$(( $(sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p' "$LOGS/a.log" | tail -n1 | grep . || echo 0) \
        + $(sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p' "$LOGS/b.log" | tail -n1 | grep . || echo 0) ))
    FAILED=$(cat "$LOGS/a.log" "$LOGS/b.log" | sed 's/\x1b\[[0-9;]*m//g' | grep -cE '^✘ Test .* failed after' || true)
    [ "$RC_A" = 0 ] && [ "$RC_B" = 0 ] || [ "$FAILED" -gt 0 ] || FAILED=1
    printf 'tests: %s passed, %s failed\n' "$(( TOTAL - FAILED ))" "$FAILED"
    [ "$RC_A" = 0 ] && [ "$RC_B" = 0 ]
fi
TEST_RC=$?
set -e
phase_end

# ------------------------------------------------------------------------------------- schemathesis
# The served openapi.yaml against the built server: every operation and check, a fixed seed, at most
# ~2.5 min (scripts/schemathesis.sh). Skipped when only some tests were asked for.
if [ $# -eq 0 ]; then
    phase_start "schemathesis"
    SCHEMATHESIS_RC=0
    bash "$ROOT/scripts/schemathesis.sh" "$(swift build --show-bin-path)/preflight" || SCHEMATHESIS_RC=$?
    phase_end
    [ "$SCHEMATHESIS_RC" = 0 ] || echo "schemathesis exit code: $SCHEMATHESIS_RC"

    # The console at / in a real headless Chromium against the built server and the test servers.
    phase_start "browser"
    BROWSER_RC=0
    bash "$ROOT/scripts/browser.sh" "$(swift build --show-bin-path)/preflight" || BROWSER_RC=$?
    phase_end
    [ "$BROWSER_RC" = 0 ] || echo "browser tests exit code: $BROWSER_RC"
    if [ "$TEST_RC" = 0 ]; then
        [ "$SCHEMATHESIS_RC" = 0 ] || exit "$SCHEMATHESIS_RC"
        [ "$BROWSER_RC" = 0 ] || exit "$BROWSER_RC"
    fi
fi

exit "$TEST_RC"
