#!/usr/bin/env bash
# The console's browser tests: the built `preflight serve` driven by a real headless Chromium.
#
#   bash scripts/browser.sh PATH/TO/preflight [console_test.py arguments, e.g. --only tunnels]
#
# Builds nothing and starts no database: give it the binary, and have the test servers' PREFLIGHT_TEST_*
# variables in the environment (scripts/test.sh does both). What it does:
#   * checks that Debian's chromium and PyPI's playwright are there (scripts/test.sh installs them);
#   * creates a temporary SQLite store and an API key (`preflight keys create`), starts `serve --port 0
#     --allow-loopback` on 127.0.0.1 (the test servers and the scripts' peers listen on loopback);
#   * runs scripts/browser/console_test.py against it (it starts only the browser and its own peers);
#   * stops the server with SIGTERM and requires it to exit 0.
# Exit code: the script's (1 when a case failed), or 1 if the server misbehaved.
set -euo pipefail

log() { printf '[browser] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ $# -ge 1 ] || die "usage: bash scripts/browser.sh PATH/TO/preflight [console_test.py arguments]"
BIN="$1"; shift
[ -x "$BIN" ] || die "$BIN is not an executable (build first: swift build)"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHROMIUM="${PREFLIGHT_CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || die "$CHROMIUM is missing (apt-get install chromium)"
python3 -c 'import playwright' 2>/dev/null || die "the playwright Python package is missing (pip install playwright)"
[ -n "${PREFLIGHT_TEST_PG_PORT:-}" ] || die "no PREFLIGHT_TEST_* variables: start the test servers and source their env file"

WORK="$(mktemp -d /tmp/preflight-browser.XXXXXX)"
SERVE_PID=""
cleanup() {
    local rc=$?
    if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then kill -KILL "$SERVE_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
    return $rc
}
trap cleanup EXIT

STORE="sqlite:$WORK/store.sqlite"
KEY="$("$BIN" keys create --company browser --store "$STORE" | tail -n1)"
case "$KEY" in arsk_*) ;; *) die "preflight keys create printed no key" ;; esac

"$BIN" serve --host 127.0.0.1 --port 0 --store "$STORE" --master-key-file "$WORK/master.key" --allow-loopback \
    >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVE_PID=$!
PORT=""
for _ in $(seq 1 600); do
    PORT="$(sed -nE 's/.*address=127\.0\.0\.1:([0-9]+).*\] listening$/\1/p' "$WORK/serve.log" | head -n1)"
    [ -n "$PORT" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; die "preflight serve exited before listening"; }
    sleep 0.1
done
[ -n "$PORT" ] || { cat "$WORK/serve.log" >&2; die "preflight serve did not start listening"; }
log "preflight serve on http://127.0.0.1:$PORT (pid $SERVE_PID); chromium $("$CHROMIUM" --version 2>/dev/null | awk '{print $2}')"

START=$(date +%s)
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ beside the scripts
set +e
PREFLIGHT_CHROMIUM="$CHROMIUM" python3 "$ROOT/scripts/browser/console_test.py" --base "http://127.0.0.1:$PORT" --key "$KEY" "$@"
TEST_RC=$?
set -e

kill -TERM "$SERVE_PID"
SERVE_RC=0
wait "$SERVE_PID" || SERVE_RC=$?
SERVE_PID=""
log "browser cases done in $(( $(date +%s) - START ))s; exit $TEST_RC; serve exit $SERVE_RC after SIGTERM"
[ "$SERVE_RC" = 0 ] || { tail -n 40 "$WORK/serve.log" >&2; die "preflight serve exited $SERVE_RC after SIGTERM"; }
exit "$TEST_RC"
