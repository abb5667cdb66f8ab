#!/usr/bin/env bash
# Ping latency on the service itself vs through a data plane's agent, both on loopback, in one run.
#   bash bench/planes.sh [--bin PATH] [--count N]
# The target is a closed port (answered `refused` at once) so the figures are the overhead of the path.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=".build/debug/preflight" COUNT=200
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --count) COUNT="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
dir="$(mktemp -d)"
cleanup() { kill -9 ${SERVE_PID:-} ${AGENT_PID:-} 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
"$BIN" serve --port 0 --allow-loopback --store "sqlite:$dir/s.sqlite" --master-key-file "$dir/k.key" \
    >"$dir/serve.out" 2>"$dir/serve.err" &
SERVE_PID=$!
for _ in $(seq 1 600); do grep -q 'listening' "$dir/serve.err" 2>/dev/null && break; sleep 0.1; done
key="$(grep '^arsk_' "$dir/serve.out")"
port="$(grep 'listening' "$dir/serve.err" | grep -o 'address=[0-9.]*:[0-9]*' | tail -1 | sed 's/.*://')"
base="http://127.0.0.1:$port"
token="$(curl -sS -X POST -H "Authorization: Bearer $key" -d '{"name":"bench"}' "$base/data-planes" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
PREFLIGHT_AGENT_TOKEN="$token" "$BIN" agent --control-plane "$base" --allow-loopback --log-level warning \
    2>"$dir/agent.err" &
AGENT_PID=$!
sleep 2
closed="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
python3 bench/planes_latency.py "$base" "$key" bench "$closed" "$COUNT"
