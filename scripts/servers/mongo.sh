#!/usr/bin/env bash
# MongoDB-wire test servers (SecantusDB from PyPI) for the PreflightMongo integration tests.
#
#   bash scripts/servers/mongo.sh start DIR ENVFILE   # start, append `export PREFLIGHT_TEST_MONGO_*` lines to ENVFILE
#   bash scripts/servers/mongo.sh stop DIR            # stop everything started under DIR (idempotent)
#
# What runs (127.0.0.1 only, random free ports, data and certificates under DIR/mongo):
#   * "rs":         a single-node replica set (SecantusDB's default "secantus" set), --auth, plaintext.
#   * "tls":        the same, TLS only, with a certificate for localhost / 127.0.0.1 signed by a CA made here.
#   * "standalone": --standalone (no replica set: change streams cannot work), --auth.
# Users, created with auth off before the restart with --auth, on every server:
#   scram256_user (SCRAM-SHA-256 only; readAnyDatabase, read on local), scram1_user (SCRAM-SHA-1 only;
#   same roles), noread_user (no role at all), in admin; database appdb with collection items.
#
# Python packages (secantusdb, which brings pymongo) go into a venv, installed only when missing:
#   ${PREFLIGHT_MONGO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/preflight-mongo-venv}
set -euo pipefail

log() { printf '[mongo-servers] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

VENV="${PREFLIGHT_MONGO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/preflight-mongo-venv}"
SECANTUS_VERSION="${PREFLIGHT_SECANTUS_VERSION:-0.7.0b3}"
SERVERS=(rs tls standalone)

apt_install() {
    [ "$(id -u)" = 0 ] || die "missing packages: $* (not root, cannot apt-get install)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null >/dev/null
}

ensure_tools() {
    local missing=()
    command -v openssl >/dev/null || missing+=(openssl)
    command -v python3 >/dev/null || missing+=(python3)
    if command -v python3 >/dev/null && ! python3 -c 'import venv, ensurepip' 2>/dev/null; then missing+=(python3-venv); fi
    if [ ${#missing[@]} -gt 0 ]; then log "installing: ${missing[*]}"; apt_install "${missing[@]}"; fi
    if ! "$VENV/bin/python" -c 'import secantus, pymongo' 2>/dev/null; then
        log "installing secantusdb==$SECANTUS_VERSION into $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q --disable-pip-version-check "secantusdb==$SECANTUS_VERSION" pymongo
    fi
    [ -x "$VENV/bin/secantusd-py" ] || die "secantusd-py missing from $VENV"
}

free_port() {
    python3 - "$@" <<'PY'
import socket, sys
avoid = {int(p) for p in sys.argv[1:]}
for _ in range(100):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    if port not in avoid:
        print(port); break
else:
    sys.exit("no free port")
PY
}

random_password() {
    python3 -c 'import secrets,string; a=string.ascii_letters+string.digits; print("".join(secrets.choice(a) for _ in range(32)))'
}

make_certs() {
    local d="$1"
    mkdir -p "$d"
    (
        cd "$d"
        openssl req -x509 -newkey rsa:2048 -nodes -days 365 -sha256 -keyout ca.key -out ca.pem \
            -subj "/CN=Preflight Mongo Test CA" -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -x509 -newkey rsa:2048 -nodes -days 365 -sha256 -keyout other-ca.key -out other-ca.pem \
            -subj "/CN=Preflight Unrelated CA" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 -sha256 \
            -extfile server.ext -out server.pem 2>/dev/null
        rm -f server.csr ca.srl
        chmod 600 ./*.key
    )
}

# start_server NAME PORT EXTRA_ARGS...
start_server() {
    local name="$1" port="$2"; shift 2
    local base="$ROOT_DIR/$name"
    mkdir -p "$base"
    nohup "$VENV/bin/secantusd-py" --host 127.0.0.1 --port "$port" --storage-path "$base/data" \
        --log-level WARNING "$@" >>"$base/server.log" 2>&1 </dev/null &
    echo $! >"$base/pid"
}

wait_ready() { # NAME PORT [TLS CA]
    local name="$1" port="$2" ca="${3:-}"
    "$VENV/bin/python" - "$port" "$ca" <<'PY' || { tail -n 30 "$ROOT_DIR/$name/server.log" >&2; die "$name did not start on port $port"; }
import sys, time
from pymongo import MongoClient
port, ca = int(sys.argv[1]), sys.argv[2]
kw = {"tls": True, "tlsCAFile": ca} if ca else {}
deadline = time.time() + 60
while True:
    try:
        MongoClient("127.0.0.1", port, directConnection=True, serverSelectionTimeoutMS=1000, **kw).admin.command("ping")
        break
    except Exception as e:
        if time.time() > deadline:
            sys.exit(f"not ready: {e}")
        time.sleep(0.2)
PY
}

stop_server() { # NAME
    local base="$ROOT_DIR/$1" pid
    [ -f "$base/pid" ] || return 0
    pid="$(cat "$base/pid")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--storage-path $base/data"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$base/pid"
}

# Any secantusd whose storage path lies under $ROOT_DIR (e.g. left by an interrupted run).
leftovers() {
    local pid cmd
    for proc in /proc/[0-9]*; do
        pid="${proc#/proc/}"
        cmd="$(tr '\0' ' ' 2>/dev/null <"$proc/cmdline" || true)"
        case "$cmd" in *secantusd*"--storage-path $ROOT_DIR/"*) echo "$pid" ;; esac
    done
}

create_users() { # PORT
    "$VENV/bin/python" - "$1" "$SHA256_PASSWORD" "$SHA1_PASSWORD" "$NOREAD_PASSWORD" <<'PY'
import sys
from pymongo import MongoClient
port, p256, p1, pnr = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
client = MongoClient("127.0.0.1", port, directConnection=True, serverSelectionTimeoutMS=5000)
admin = client.admin
roles = [{"role": "readAnyDatabase", "db": "admin"}, {"role": "read", "db": "local"}]
admin.command("createUser", "scram256_user", pwd=p256, roles=roles, mechanisms=["SCRAM-SHA-256"])
admin.command("createUser", "scram1_user", pwd=p1, roles=roles, mechanisms=["SCRAM-SHA-1"])
admin.command("createUser", "noread_user", pwd=pnr, roles=[])
admin.command("createUser", "preflight_root", pwd=p256 + "-root", roles=[{"role": "root", "db": "admin"}])
client.appdb.items.insert_many([{"n": i} for i in range(3)])
PY
}

cmd_start() {
    local dir="$1" env_file="$2"
    ROOT_DIR="$dir/mongo"
    cmd_stop "$dir" 2>/dev/null || true
    ensure_tools
    mkdir -p "$ROOT_DIR"
    # A failed start leaves nothing running.
    START_DIR="$dir"
    trap 'rc=$?; [ $rc = 0 ] || cmd_stop "${START_DIR:-/nonexistent}" 2>/dev/null; exit $rc' EXIT
    make_certs "$ROOT_DIR/certs"
    SHA256_PASSWORD="$(random_password)" SHA1_PASSWORD="$(random_password)" NOREAD_PASSWORD="$(random_password)"
    local rs_port tls_port sa_port
    rs_port="$(free_port)"; tls_port="$(free_port "$rs_port")"; sa_port="$(free_port "$rs_port" "$tls_port")"
    local certs="$ROOT_DIR/certs"
    # 1. every server without auth, to create the users
    start_server rs "$rs_port"
    start_server tls "$tls_port" --tls-cert-file "$certs/server.pem" --tls-key-file "$certs/server.key"
    start_server standalone "$sa_port" --standalone
    wait_ready rs "$rs_port"; wait_ready standalone "$sa_port"; wait_ready tls "$tls_port" "$certs/ca.pem"
    create_users "$rs_port"; create_users "$sa_port"
    "$VENV/bin/python" - "$tls_port" "$certs/ca.pem" "$SHA256_PASSWORD" "$SHA1_PASSWORD" "$NOREAD_PASSWORD" <<'PY'
import sys
from pymongo import MongoClient
port, ca, p256, p1, pnr = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
admin = MongoClient("127.0.0.1", port, directConnection=True, tls=True, tlsCAFile=ca, serverSelectionTimeoutMS=5000).admin
roles = [{"role": "readAnyDatabase", "db": "admin"}, {"role": "read", "db": "local"}]
admin.command("createUser", "scram256_user", pwd=p256, roles=roles, mechanisms=["SCRAM-SHA-256"])
admin.command("createUser", "scram1_user", pwd=p1, roles=roles, mechanisms=["SCRAM-SHA-1"])
admin.command("createUser", "noread_user", pwd=pnr, roles=[])
PY
    # 2. restart with --auth
    for s in "${SERVERS[@]}"; do stop_server "$s"; done
    start_server rs "$rs_port" --auth
    start_server tls "$tls_port" --auth --tls-cert-file "$certs/server.pem" --tls-key-file "$certs/server.key"
    start_server standalone "$sa_port" --auth --standalone
    wait_ready rs "$rs_port"; wait_ready standalone "$sa_port"; wait_ready tls "$tls_port" "$certs/ca.pem"
    # 3. the environment for the tests
    {
        echo "# PreflightMongo test servers (scripts/servers/mongo.sh start) — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "export PREFLIGHT_TEST_MONGO_HOST=127.0.0.1"
        echo "export PREFLIGHT_TEST_MONGO_PORT=$rs_port"
        echo "export PREFLIGHT_TEST_MONGO_TLS_PORT=$tls_port"
        echo "export PREFLIGHT_TEST_MONGO_STANDALONE_PORT=$sa_port"
        echo "export PREFLIGHT_TEST_MONGO_REPLICA_SET=secantus"
        echo "export PREFLIGHT_TEST_MONGO_DATABASE=appdb"
        echo "export PREFLIGHT_TEST_MONGO_CA_FILE=$certs/ca.pem"
        echo "export PREFLIGHT_TEST_MONGO_OTHER_CA_FILE=$certs/other-ca.pem"
        echo "export PREFLIGHT_TEST_MONGO_SHA256_USER=scram256_user"
        echo "export PREFLIGHT_TEST_MONGO_SHA256_PASSWORD=$SHA256_PASSWORD"
        echo "export PREFLIGHT_TEST_MONGO_SHA1_USER=scram1_user"
        echo "export PREFLIGHT_TEST_MONGO_SHA1_PASSWORD=$SHA1_PASSWORD"
        echo "export PREFLIGHT_TEST_MONGO_NOREAD_USER=noread_user"
        echo "export PREFLIGHT_TEST_MONGO_NOREAD_PASSWORD=$NOREAD_PASSWORD"
        echo "export PREFLIGHT_TEST_MONGO_VENV=$VENV"
    } >>"$env_file"
    log "started: rs 127.0.0.1:$rs_port, tls 127.0.0.1:$tls_port, standalone 127.0.0.1:$sa_port (SecantusDB $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("secantusdb"))'))"
}

cmd_stop() {
    local dir="$1"
    ROOT_DIR="$dir/mongo"
    local s pid
    if [ -d "$ROOT_DIR" ]; then
        for s in "${SERVERS[@]}"; do stop_server "$s"; done
    fi
    for pid in $(leftovers); do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do [ -z "$(leftovers)" ] && break; sleep 0.1; done
    for pid in $(leftovers); do kill -KILL "$pid" 2>/dev/null || true; done
    rm -rf "$ROOT_DIR"
    log "stopped ($ROOT_DIR)"
}

case "${1:-}" in
    start) [ $# -eq 3 ] || die "usage: $0 start DIR ENVFILE"; mkdir -p "$2"; cmd_start "$(cd "$2" && pwd)" "$3" ;;
    stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; [ -d "$2" ] || { log "nothing under $2"; exit 0; }; cmd_stop "$(cd "$2" && pwd)" ;;
    *) die "usage: $0 start DIR ENVFILE | stop DIR" ;;
esac
