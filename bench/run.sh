#!/usr/bin/env bash
# Benchmarks `preflight bench` against asyncpg, and against a peer that never answers.
#
#   bash bench/run.sh [--debug] [--skip-build] [--bin PATH]
#
#   --debug       use the debug build instead of release (release takes ~20 min to build from scratch)
#   --skip-build  don't run `swift build`, use the binary already built for that configuration
#   --bin PATH    use this preflight binary (implies --skip-build)
#
# It starts its own private test servers (scripts/test-servers.sh with its own dir and env file, so
# it never disturbs servers used by tests), installs asyncpg into a venv
# (${PREFLIGHT_BENCH_VENV:-~/.cache/preflight-bench-venv}), then runs:
#   (a) connect+authenticate+close against PostgreSQL as scram_user, sslmode=disable:
#       C=1 N=200 and C=50 N=2000, preflight then asyncpg; prints both JSON lines and the ratios;
#   (b) 1000 concurrent preflight pings at bench/silent_peer.py with timeoutSeconds=3;
#   (c) the PostgreSQL ping through the OpenSSH bastion vs direct;
#   (d) the MySQL ping vs PyMySQL (connect+auth+close, and with the same readiness queries), MariaDB;
#   (e) the MongoDB ping vs pymongo (connect+auth+hello+close), SecantusDB;
#   (f) s3 and dynamodb pings vs boto3 on moto, redis vs redis-py, clickhouse vs requests (bench/cloud_clients.py).
# Note: a Preflight ping does more than the clients' connect+auth+close (TLS negotiation, readiness
# queries), so the ratios overstate its cost per connection.
# Everything targets 127.0.0.1 only. Results are also written to bench/results/<timestamp>.jsonl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
case ":$PATH:" in *:/opt/swift/usr/bin:*) ;; *) [ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin" ;; esac

CONFIG=release BUILD=1 BIN=""
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) CONFIG=debug ;;
        --skip-build) BUILD=0 ;;
        --bin) BIN="$2"; BUILD=0; shift ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

say() { printf '\n==> %s\n' "$*"; }
T0=$(date +%s)

# ------------------------------------------------------------------------------------------ build
if [ -z "$BIN" ]; then
    if [ $BUILD = 1 ]; then
        say "swift build -c $CONFIG --product preflight"
        t=$(date +%s)
        swift build -c "$CONFIG" --product preflight
        echo "build: $(( $(date +%s) - t ))s"
    fi
    BIN="$(swift build -c "$CONFIG" --show-bin-path)/preflight"
fi
[ -x "$BIN" ] || { echo "no preflight binary at $BIN" >&2; exit 1; }
echo "preflight: $BIN"

# ---------------------------------------------------------------------------------------- asyncpg
VENV="${PREFLIGHT_BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/preflight-bench-venv}"
if ! "$VENV/bin/python" -c 'import asyncpg, redis, requests, boto3' 2>/dev/null; then
    say "installing asyncpg, redis-py, requests and boto3 into $VENV"
    [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check asyncpg redis requests boto3
fi
PY="$VENV/bin/python"
echo "asyncpg $("$PY" -c 'import asyncpg; print(asyncpg.__version__)')"

# ---------------------------------------------------------------------------------------- servers
HASH="$(printf '%s' "$ROOT" | sha1sum | cut -c1-10)"
export PREFLIGHT_TEST_SERVERS_DIR="/tmp/preflight-bench-$HASH"
export PREFLIGHT_TEST_ENV_FILE="$PREFLIGHT_TEST_SERVERS_DIR/bench-env"
WORK="$(mktemp -d /tmp/preflight-bench-work.XXXXXX)"
PEER_PID=""
cleanup() {
    local rc=$?
    if [ -n "$PEER_PID" ]; then kill "$PEER_PID" 2>/dev/null || true; wait "$PEER_PID" 2>/dev/null || true; fi
    bash "$ROOT/scripts/test-servers.sh" stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
    return $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting test servers"
bash "$ROOT/scripts/test-servers.sh" start
# shellcheck disable=SC1090
. "$PREFLIGHT_TEST_ENV_FILE"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "open files limit: $(ulimit -n)"

mkdir -p "$ROOT/bench/results"
LABEL=$CONFIG; case "$BIN" in "$ROOT"/.build/*) ;; *) LABEL=custom-bin ;; esac
RESULTS="$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)-$LABEL.jsonl"

# payload FILE PORT USER PASSWORD [TIMEOUT_SECONDS]
payload() {
    python3 - "$@" <<'EOF'
import json, os, sys
path, port, user, password = sys.argv[1:5]
body = {"type": "postgresql",
        "sharedConfig": {"host": "127.0.0.1", "port": int(port), "user": user,
                         "password": password, "sslMode": "disable"},
        "defaultDatabase": "postgres"}
if len(sys.argv) > 5:
    body["timeoutSeconds"] = float(sys.argv[5])
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    json.dump(body, f)
EOF
}

# The last line of stdout that is a JSON object (the tools may log before it).
json_line() { grep -E '^\{.*\}$' | tail -n1; }

run_preflight() { # N C PAYLOAD
    local out
    if ! out="$("$BIN" bench --payload "$3" --count "$1" --concurrency "$2" --json 2>"$WORK/preflight.err" | json_line)" || [ -z "$out" ]; then
        echo "preflight bench failed:" >&2; tail -n 20 "$WORK/preflight.err" >&2; return 1
    fi
    echo "$out"
}

run_asyncpg() { # N C
    "$PY" "$ROOT/bench/asyncpg_connect.py" --host 127.0.0.1 --port "$PREFLIGHT_TEST_PG_PORT" \
        --user "$PREFLIGHT_TEST_PG_SCRAM_USER" --password "$PREFLIGHT_TEST_PG_SCRAM_PASSWORD" \
        --database postgres --sslmode disable --n "$1" --concurrency "$2" | json_line
}

compare() { # PREFLIGHT_JSON OTHER_CLIENT_JSON
    python3 - "$1" "$2" <<'EOF'
import json, sys
p, a = json.loads(sys.argv[1]), json.loads(sys.argv[2])
other = a.get("client", "other")
def ratio(x, y):
    return "n/a" if not x or not y else f"{x / y:.2f}"
print(f"  p50 latency  preflight/{other} = {ratio(p.get('p50_ms'), a.get('p50_ms'))}  "
      f"({p.get('p50_ms')} ms vs {a.get('p50_ms')} ms; < 1 means preflight is faster)")
print(f"  throughput   preflight/{other} = {ratio(p.get('pings_per_s'), a.get('pings_per_s'))}  "
      f"({p.get('pings_per_s')}/s vs {a.get('pings_per_s')}/s; > 1 means preflight is faster)")
print(f"  peak RSS     preflight {p.get('peak_rss_mb')} MB, {other} {a.get('peak_rss_mb')} MB")
EOF
}

PAYLOAD="$WORK/payload-scram.json"
payload "$PAYLOAD" "$PREFLIGHT_TEST_PG_PORT" "$PREFLIGHT_TEST_PG_SCRAM_USER" "$PREFLIGHT_TEST_PG_SCRAM_PASSWORD"

# --------------------------------------------------------------- (a) preflight vs asyncpg, PostgreSQL
for nc in "200 1" "2000 50"; do
    set -- $nc
    N=$1 C=$2
    say "(a) connect+auth+close, scram_user, sslmode=disable: N=$N C=$C"
    # A short warm-up for both (page cache, first-connection costs), not counted.
    "$BIN" bench --payload "$PAYLOAD" --count 5 --concurrency 1 --json >/dev/null 2>&1 || true
    P_JSON="$(run_preflight "$N" "$C" "$PAYLOAD")"
    A_JSON="$(run_asyncpg "$N" "$C")"
    echo "  $P_JSON"
    echo "  $A_JSON"
    compare "$P_JSON" "$A_JSON"
    printf '{"scenario":"postgres-scram-N%s-C%s","result":%s}\n' "$N" "$C" "$P_JSON" >>"$RESULTS"
    printf '{"scenario":"postgres-scram-N%s-C%s","result":%s}\n' "$N" "$C" "$A_JSON" >>"$RESULTS"
done

# ------------------------------------------------------------------------- (b) a peer that never answers
say "(b) 1000 concurrent preflight pings at a silent peer, timeoutSeconds=3"
"$PY" "$ROOT/bench/silent_peer.py" 0 --max-seconds 600 >"$WORK/peer.out" 2>"$WORK/peer.err" &
PEER_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/peer.out" ] && break; sleep 0.05; done
PEER_PORT="$(head -n1 "$WORK/peer.out")"
[ -n "$PEER_PORT" ] || { echo "silent peer did not start" >&2; cat "$WORK/peer.err" >&2; exit 1; }
echo "  silent peer on 127.0.0.1:$PEER_PORT (pid $PEER_PID)"
SILENT="$WORK/payload-silent.json"
payload "$SILENT" "$PEER_PORT" "$PREFLIGHT_TEST_PG_SCRAM_USER" "$PREFLIGHT_TEST_PG_SCRAM_PASSWORD" 3
t=$(date +%s.%N)
S_JSON="$(run_preflight 1000 1000 "$SILENT")"
elapsed=$(python3 -c "import sys; print(round($(date +%s.%N) - $t, 2))")
echo "  $S_JSON"
echo "  wall clock for the whole command: ${elapsed}s (expected a little over 3 s)"
python3 - "$S_JSON" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
mx = r.get("max_ms")
if mx is not None:
    verdict = "OK" if mx <= 3500 else "SLOW: some ping outlived its 3 s deadline by more than 0.5 s"
    print(f"  max_ms = {mx} -> {verdict}; categories = {json.dumps(r.get('categories'))}")
EOF
printf '{"scenario":"silent-peer-N1000-C1000-timeout3","result":%s}\n' "$S_JSON" >>"$RESULTS"
kill "$PEER_PID" 2>/dev/null || true
wait "$PEER_PID" 2>/dev/null || true
PEER_PID=""
cat "$WORK/peer.err"

# --------------------------------------------------------------- (c) through the SSH bastion vs direct
say "(c) PostgreSQL ping through the OpenSSH bastion vs direct, N=200 C=1"
D_JSON="$(run_preflight 200 1 "$PAYLOAD")"
T_JSON="$("$BIN" bench --payload "$PAYLOAD" --count 200 --concurrency 1 --json \
    --ssh-host 127.0.0.1 --ssh-port "$PREFLIGHT_TEST_SSH_PORT" --ssh-user "$PREFLIGHT_TEST_SSH_USER" \
    --ssh-key "$PREFLIGHT_TEST_SSH_KEY_FILE" 2>"$WORK/tunnel.err" | json_line)"
echo "  direct: $D_JSON"
echo "  tunnel: $T_JSON"
python3 - "$T_JSON" "$D_JSON" <<'EOF2'
import json, sys
t, d = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"  p50 tunnel/direct = {t['p50_ms'] / d['p50_ms']:.2f} ({t['p50_ms']} ms vs {d['p50_ms']} ms); "
      f"p99 {t['p99_ms']} ms vs {d['p99_ms']} ms")
EOF2
printf '{"scenario":"postgres-via-ssh-N200-C1","result":%s}\n' "$T_JSON" >>"$RESULTS"

# ------------------------------------------------------------------ (d) preflight vs PyMySQL, MariaDB
if ! "$PY" -c 'import pymysql' 2>/dev/null; then "$VENV/bin/pip" install -q --disable-pip-version-check PyMySQL; fi
MYSQL_PAYLOAD="$WORK/payload-mysql.json"
python3 - "$MYSQL_PAYLOAD" <<'EOF2'
import json, os, sys
body = {"type": "mysql", "sharedConfig": {"host": "127.0.0.1", "port": int(os.environ["PREFLIGHT_TEST_MYSQL_PORT"]),
        "user": os.environ["PREFLIGHT_TEST_MYSQL_NATIVE_USER"], "password": os.environ["PREFLIGHT_TEST_MYSQL_NATIVE_PASSWORD"],
        "tlsMode": ""}}
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f: json.dump(body, f)
EOF2
for nc in "200 1" "2000 50"; do
    set -- $nc
    say "(d) MySQL ping vs PyMySQL connect+auth(+readiness queries)+close, native user, no TLS: N=$1 C=$2"
    P_JSON="$(run_preflight "$1" "$2" "$MYSQL_PAYLOAD")"
    for extra in "" "--readiness"; do
        M_JSON="$("$PY" "$ROOT/bench/pymysql_connect.py" --port "$PREFLIGHT_TEST_MYSQL_PORT" --user "$PREFLIGHT_TEST_MYSQL_NATIVE_USER" \
            --password "$PREFLIGHT_TEST_MYSQL_NATIVE_PASSWORD" --n "$1" --concurrency "$2" $extra | json_line)"
        echo "  pymysql $extra: $M_JSON"
    done
    echo "  preflight: $P_JSON"
    compare "$P_JSON" "$M_JSON"
    printf '{"scenario":"mysql-native-N%s-C%s","result":%s}\n' "$1" "$2" "$P_JSON" >>"$RESULTS"
done

# --------------------------------------------------------------- (e) preflight vs pymongo, SecantusDB
MONGO_PY="${PREFLIGHT_TEST_MONGO_VENV:-$HOME/.cache/preflight-mongo-venv}/bin/python"
MONGO_PAYLOAD="$WORK/payload-mongo.json"
python3 - "$MONGO_PAYLOAD" <<'EOF2'
import json, os, sys
body = {"type": "mongodb", "sharedConfig": {"host": f"mongodb://127.0.0.1:{os.environ['PREFLIGHT_TEST_MONGO_PORT']}/?authSource=admin",
        "user": os.environ["PREFLIGHT_TEST_MONGO_SHA256_USER"], "password": os.environ["PREFLIGHT_TEST_MONGO_SHA256_PASSWORD"]}}
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f: json.dump(body, f)
EOF2
say "(e) MongoDB ping vs pymongo connect+auth+hello+close, SCRAM-SHA-256: N=200 C=1"
P_JSON="$(run_preflight 200 1 "$MONGO_PAYLOAD")"
G_JSON="$("$MONGO_PY" "$ROOT/bench/pymongo_connect.py" --port "$PREFLIGHT_TEST_MONGO_PORT" --user "$PREFLIGHT_TEST_MONGO_SHA256_USER" \
    --password "$PREFLIGHT_TEST_MONGO_SHA256_PASSWORD" --auth-mechanism SCRAM-SHA-256 --n 200 --concurrency 1 | json_line)"
echo "  preflight: $P_JSON"
echo "  pymongo:   $G_JSON"
compare "$P_JSON" "$G_JSON"
printf '{"scenario":"mongo-scram256-N200-C1","result":%s}\n' "$P_JSON" >>"$RESULTS"

# ------------------------------------------- (f) warehouse and cloud peers that run here, vs well-known clients
# cloud_payload FILE KIND: the ping body for one of the local peers, from the test servers' env.
cloud_payload() {
    python3 - "$@" <<'EOF2'
import json, os, sys
path, kind = sys.argv[1:3]
e = os.environ
if kind == "s3":
    body = {"type": "s3", "sharedConfig": {"awsAccessKeyID": e["PREFLIGHT_TEST_AWS_GOOD_KEY_ID"], "awsSecretAccessKey": e["PREFLIGHT_TEST_AWS_GOOD_SECRET"],
            "awsRegion": e["PREFLIGHT_TEST_AWS_REGION"], "endpointURL": e["PREFLIGHT_TEST_AWS_ENDPOINT"], "bucket": e["PREFLIGHT_TEST_AWS_BUCKET"]}}
elif kind == "dynamodb":
    body = {"type": "dynamodb", "sharedConfig": {"awsAccessKeyID": e["PREFLIGHT_TEST_AWS_GOOD_KEY_ID"], "awsSecretAccessKey": e["PREFLIGHT_TEST_AWS_GOOD_SECRET"],
            "streamsArn": e["PREFLIGHT_TEST_AWS_STREAM_ARN"], "endpointURL": e["PREFLIGHT_TEST_AWS_ENDPOINT"]}}
elif kind == "redis":
    body = {"type": "redis", "sharedConfig": {"host": "127.0.0.1", "port": int(e["PREFLIGHT_TEST_REDIS_PORT"]),
            "username": e["PREFLIGHT_TEST_REDIS_ACL_USER"], "password": e["PREFLIGHT_TEST_REDIS_ACL_PASSWORD"], "database": 1}}
else:
    body = {"type": "clickhouse", "sharedConfig": {"addresses": [f"127.0.0.1:{e['PREFLIGHT_TEST_CLICKHOUSE_HTTP_PORT']}"],
            "username": e["PREFLIGHT_TEST_CLICKHOUSE_USER"], "password": e["PREFLIGHT_TEST_CLICKHOUSE_PASSWORD"], "isInsecure": True}}
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f: json.dump(body, f)
EOF2
}

for kind in s3 dynamodb redis clickhouse; do
    say "(f) $kind ping vs a well-known client doing the same calls: N=200 C=1"
    CLOUD_PAYLOAD="$WORK/payload-$kind.json"
    cloud_payload "$CLOUD_PAYLOAD" "$kind"
    P_JSON="$(run_preflight 200 1 "$CLOUD_PAYLOAD")"
    case "$kind" in
        s3) args=(--endpoint "$PREFLIGHT_TEST_AWS_ENDPOINT" --region "$PREFLIGHT_TEST_AWS_REGION" --access-key "$PREFLIGHT_TEST_AWS_GOOD_KEY_ID"
                  --secret-key "$PREFLIGHT_TEST_AWS_GOOD_SECRET" --bucket "$PREFLIGHT_TEST_AWS_BUCKET") ;;
        dynamodb) args=(--endpoint "$PREFLIGHT_TEST_AWS_ENDPOINT" --region "$PREFLIGHT_TEST_AWS_REGION" --access-key "$PREFLIGHT_TEST_AWS_GOOD_KEY_ID"
                  --secret-key "$PREFLIGHT_TEST_AWS_GOOD_SECRET" --stream-arn "$PREFLIGHT_TEST_AWS_STREAM_ARN") ;;
        redis) args=(--port "$PREFLIGHT_TEST_REDIS_PORT" --user "$PREFLIGHT_TEST_REDIS_ACL_USER" --password "$PREFLIGHT_TEST_REDIS_ACL_PASSWORD" --database 1) ;;
        clickhouse) args=(--port "$PREFLIGHT_TEST_CLICKHOUSE_HTTP_PORT" --user "$PREFLIGHT_TEST_CLICKHOUSE_USER" --password "$PREFLIGHT_TEST_CLICKHOUSE_PASSWORD") ;;
    esac
    O_JSON="$("$PY" "$ROOT/bench/cloud_clients.py" --kind "$kind" "${args[@]}" --n 200 --concurrency 1 | json_line)"
    echo "  preflight: $P_JSON"
    echo "  other:     $O_JSON"
    compare "$P_JSON" "$O_JSON"
    printf '{"scenario":"%s-N200-C1","result":%s}\n' "$kind" "$P_JSON" >>"$RESULTS"
done

say "done in $(( $(date +%s) - T0 ))s; results in ${RESULTS#$ROOT/}"
