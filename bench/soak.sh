#!/usr/bin/env bash
# Load and soak (issue #11): 64 clients for 5 minutes against one `preflight serve`, mixing good pings,
# wrong passwords, refused ports and black holes; prints 5xx, unexpected answers, file descriptors and
# RSS after the first minute, and /healthz latency. Not part of CI.
#
#   bash bench/soak.sh [--debug] [--bin PATH] [--clients N] [--seconds S]
#
# Starts its own private test servers (PostgreSQL for the good and wrong-password pings) like
# bench/run.sh; the black hole is bench/silent_peer.py. See bench/soak.py for what is measured.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
case ":$PATH:" in *:/opt/swift/usr/bin:*) ;; *) [ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin" ;; esac

CONFIG=release BIN="" ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) CONFIG=debug ;;
        --bin) BIN="$2"; shift ;;
        --clients|--seconds|--companies) ARGS+=("$1" "$2"); shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
STATIC=()
[ "$CONFIG" = release ] && STATIC=(--static-swift-stdlib)
if [ -z "$BIN" ]; then
    swift build -c "$CONFIG" "${STATIC[@]}" --product preflight
    BIN="$(swift build -c "$CONFIG" "${STATIC[@]}" --show-bin-path)/preflight"
fi

HASH="$(printf '%s' "$ROOT" | sha1sum | cut -c1-10)"
export PREFLIGHT_TEST_SERVERS_DIR="/tmp/preflight-soak-$HASH"
export PREFLIGHT_TEST_ENV_FILE="$PREFLIGHT_TEST_SERVERS_DIR/soak-env"
trap 'bash "$ROOT/scripts/test-servers.sh" stop >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bash "$ROOT/scripts/test-servers.sh" start
# shellcheck disable=SC1090
. "$PREFLIGHT_TEST_ENV_FILE"
ulimit -n 65536 2>/dev/null || true
mkdir -p bench/results
python3 bench/soak.py --bin "$BIN" "${ARGS[@]}" | tee "bench/results/soak-$(date +%Y%m%dT%H%M%S).txt"
