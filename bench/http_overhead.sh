#!/usr/bin/env bash
# The HTTP service's own cost: the same ping (a refused loopback port: answered at once, so the figures
# are the path's cost, not a database's) run by `preflight bench` (the engine alone) and through
# `preflight serve` (POST /connectors/ping over keep-alive HTTP/1.1, bench/http_load.py), side by side,
# with /healthz latency measured meanwhile; then start-up time to /healthz 200 and idle RSS.
#   bash bench/http_overhead.sh [--bin PATH] [--count N] [--concurrency C]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=".build/release/preflight" COUNT=5000 CONCURRENCY=64
[ -x "$BIN" ] || BIN=".build/debug/preflight"
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --count) COUNT="$2"; shift 2 ;;
    --concurrency) CONCURRENCY="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
dir="$(mktemp -d)"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
# A port nothing listens on: bind one, note it, let it go.
PORT_CLOSED="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
PAYLOAD="{\"type\":\"postgresql\"${PLANE_FIELD:-},\"sharedConfig\":{\"host\":\"127.0.0.1\",\"port\":$PORT_CLOSED,\"user\":\"u\",\"password\":\"p\"}}"
printf '%s' "$PAYLOAD" >"$dir/payload.json"
KEY="$("$BIN" keys create --company bench --store "$dir/store.sqlite" | tail -n1)"

t0=$(date +%s%N)
"$BIN" serve --host 127.0.0.1 --port 0 --store "$dir/store.sqlite" --master-key-file "$dir/master.key" --allow-loopback \
    >"$dir/serve.out" 2>"$dir/serve.log" &
PID=$!
PORT=""
for _ in $(seq 1 600); do
    PORT="$(sed -nE 's/.*address=127\.0\.0\.1:([0-9]+).*\] listening$/\1/p' "$dir/serve.log" | head -n1)"
    [ -n "$PORT" ] && curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.005
done
t1=$(date +%s%N)
sleep 1
RSS_IDLE="$(awk '/VmRSS/ {print $2}' /proc/$PID/status)"
echo "binary: $BIN"
echo "start-up to /healthz 200: $(( (t1 - t0) / 1000000 )) ms; idle RSS $(( RSS_IDLE / 1024 )) MB"

ENGINE="$("$BIN" bench --payload "$dir/payload.json" --count "$COUNT" --concurrency "$CONCURRENCY" --allow-cidr 127.0.0.0/8 --json)"
HTTP="$(python3 bench/http_load.py "http://127.0.0.1:$PORT" "$KEY" "$PAYLOAD" "$COUNT" "$CONCURRENCY")"
RSS_PEAK="$(awk '/VmHWM/ {print $2}' /proc/$PID/status)"
python3 - "$ENGINE" "$HTTP" "$RSS_PEAK" <<'PY'
import json, sys
engine, http, peak = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
def g(d, *names):
    for n in names:
        if d.get(n) is not None:
            return d[n]
    return None
rows = [
    ("engine (preflight bench)", g(engine, "pings_per_s"), g(engine, "p50_ms"), g(engine, "p99_ms")),
    ("HTTP (serve, keep-alive)", http["pings_per_s"], http["p50_ms"], http["p99_ms"]),
]
print(f"{'':28} {'pings/s':>10} {'p50 ms':>9} {'p99 ms':>9}")
for name, rate, p50, p99 in rows:
    print(f"{name:28} {rate!s:>10} {p50!s:>9} {p99!s:>9}")
if rows[0][2] is not None and rows[1][2] is not None:
    print(f"HTTP adds {round(rows[1][2] - rows[0][2], 3)} ms p50; throughput ratio {round(rows[1][1] / rows[0][1], 2)}x")
print(f"HTTP statuses {http['statuses']}; /healthz meanwhile: {http['healthz_count']} asks, p50 {http['healthz_p50_ms']} ms, p99 {http['healthz_p99_ms']} ms; serve peak RSS {peak // 1024} MB")
PY
