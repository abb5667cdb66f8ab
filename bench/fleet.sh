#!/usr/bin/env bash
# A data plane served by 4 agents through 2 `preflight serve` instances over one PostgreSQL store, beside
# the same pings run by the instances themselves, in one run; then each process's peak RSS.
#   bash scripts/test-servers.sh start && set -a && . scripts/.test-env && set +a
#   bash bench/fleet.sh [--bin PATH] [--count N] [--concurrency C] [--agent-concurrency K]
# The target is a closed port (answered `refused` at once): the figures are the path's cost, not a database's.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=".build/debug/preflight" COUNT=2000 CONCURRENCY=100 AGENT_CONCURRENCY=25
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --count) COUNT="$2"; shift 2 ;;
    --concurrency) CONCURRENCY="$2"; shift 2 ;;
    --agent-concurrency) AGENT_CONCURRENCY="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
: "${PREFLIGHT_TEST_PG_PORT:?start the test servers and source scripts/.test-env first}"
PGH="$PREFLIGHT_TEST_PG_HOST" PGP="$PREFLIGHT_TEST_PG_PORT" PGU="$PREFLIGHT_TEST_PG_SUPERUSER"
db="preflight_fleet_$$"
dir="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    psql -q -h "$PGH" -p "$PGP" -U "$PGU" -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT
psql -q -h "$PGH" -p "$PGP" -U "$PGU" -d postgres -c "CREATE DATABASE $db" >/dev/null
STORE="postgres://$PGU@$PGH:$PGP/$db?sslmode=disable"

start_serve() {  # $1: name; sets URL (not in a subshell: PIDS must keep the instance for the cleanup)
    "$BIN" serve --port 0 --allow-loopback --store "$STORE" --master-key-file "$dir/k.key" \
        >"$dir/$1.out" 2>"$dir/$1.err" &
    PIDS+=($!)
    for _ in $(seq 1 600); do grep -q 'listening' "$dir/$1.err" 2>/dev/null && break; sleep 0.1; done
    URL="$(grep 'listening' "$dir/$1.err" | grep -o 'address=[0-9.]*:[0-9]*' | tail -1 | sed 's/address=/http:\/\//')"
}
start_serve a
A="$URL"
start_serve b
B="$URL"
key="$(grep '^arsk_' "$dir/a.out" "$dir/b.out" | head -1 | sed 's/^[^:]*://')"
token="$(curl -sS -X POST -H "Authorization: Bearer $key" -d '{"name":"fleet"}' "$A/data-planes" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
for n in 1 2 3 4; do
    PREFLIGHT_AGENT_TOKEN="$token" "$BIN" agent --control-plane "$A" --control-plane "$B" --allow-loopback \
        --concurrency "$AGENT_CONCURRENCY" --agent-id "bench-$n" --log-level warning 2>"$dir/agent$n.err" &
    PIDS+=($!)
done
for _ in $(seq 1 100); do
    online="$(curl -sS -H "Authorization: Bearer $key" "$A/data-planes" | python3 -c '
import json,sys
answer = json.load(sys.stdin)
planes = next((v for v in answer.values() if isinstance(v, list)), []) if isinstance(answer, dict) else answer
print(sum(1 for p in planes for a in p.get("agents", []) if a.get("online")))' 2>/dev/null || echo 0)"
    [ "$online" -ge 4 ] && break
    sleep 0.2
done
echo "instances $A $B over PostgreSQL $PGH:$PGP/$db; agents online: $online; each agent runs $AGENT_CONCURRENCY at once"
closed="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
export FLEET_PIDS="serve:${PIDS[0]} serve:${PIDS[1]} agent:${PIDS[2]} agent:${PIDS[3]} agent:${PIDS[4]} agent:${PIDS[5]}"
export FLEET_PG_PIDS_CMD="psql -tA -h $PGH -p $PGP -U $PGU -d postgres -c \"SELECT pid FROM pg_stat_activity WHERE datname = '$db'\""
export FLEET_XACT_CMD="psql -tA -h $PGH -p $PGP -U $PGU -d postgres -c \"SELECT xact_commit FROM pg_stat_database WHERE datname = '$db'\""
python3 bench/fleet_load.py fleet "$closed" "$COUNT" "$CONCURRENCY" "$key" "$A" "$B"
names=(serve-a serve-b agent-1 agent-2 agent-3 agent-4)
for index in "${!PIDS[@]}"; do
    [ -r "/proc/${PIDS[$index]}/status" ] || continue
    printf '%s peak RSS %s\n' "${names[$index]}" "$(grep VmHWM "/proc/${PIDS[$index]}/status" | awk '{print $2/1024 " MB"}')"
done
