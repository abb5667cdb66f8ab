#!/usr/bin/env bash
# A Redis server for the redis probe's integration tests, on random free loopback ports.
#
#   bash scripts/servers/redis.sh deps                # install the package if missing (apt)
#   bash scripts/servers/redis.sh start DIR ENVFILE   # install if missing, start, append exports to ENVFILE
#   bash scripts/servers/redis.sh stop DIR            # idempotent
#
# One redis-server (Debian's redis-server, Redis 7 here) with:
#   * a plaintext port and a TLS port (tls-port; a CA and a server certificate for 127.0.0.1/localhost made
#     with openssl in DIR/redis; client certificates not required), plus an unrelated CA for the wrong-CA test;
#   * requirepass for the default user, an ACL user with every right (preflight_acl), and a restricted
#     ACL user (preflight_restricted: -@all +hello +auth, so PING and SELECT answer NOPERM);
#   * databases 4 (so SELECT 99 fails), no persistence (save "", appendonly no), protected-mode no
#     (it only listens on 127.0.0.1), daemonize yes with its pidfile in DIR/redis.
set -euo pipefail

cmd="${1:-}"; dir="${2:-}"
[ "$cmd" = deps ] || { [ -n "$cmd" ] && [ -n "$dir" ]; } || { echo "usage: $0 deps | start DIR ENVFILE | stop DIR" >&2; exit 2; }
redis_dir="$dir/redis"

stop() {
    local pidfile="$redis_dir/redis.pid"
    if [ -f "$pidfile" ]; then
        local pid
        pid="$(cat "$pidfile" 2>/dev/null || true)"
        if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
        rm -f "$pidfile"
    fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
secret() { openssl rand -hex 12; }

make_ca() {  # make_ca NAME SUBJECT
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$2" \
        -keyout "$redis_dir/$1.key" -out "$redis_dir/$1.pem" >/dev/null 2>&1
}

install() {
    if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends redis-server redis-tools </dev/null >/dev/null
        # The package may start the system redis on 6379; the tests don't use it.
        if command -v systemctl >/dev/null; then systemctl stop redis-server 2>/dev/null || true; fi
    fi
}

start() {
    local envfile="${3:-}"
    [ -n "$envfile" ] || { echo "start needs ENVFILE" >&2; exit 2; }
    install
    stop
    rm -rf "$redis_dir"
    mkdir -p "$redis_dir"
    make_ca ca "Preflight Redis Test CA"
    make_ca other_ca "Preflight Unrelated Test CA"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$redis_dir/server.key" -out "$redis_dir/server.csr" >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$redis_dir/server.ext"
    openssl x509 -req -in "$redis_dir/server.csr" -CA "$redis_dir/ca.pem" -CAkey "$redis_dir/ca.key" -CAcreateserial \
        -days 30 -extfile "$redis_dir/server.ext" -out "$redis_dir/server.pem" >/dev/null 2>&1
    chmod 644 "$redis_dir"/*.key

    local port tls_port default_password acl_password restricted_password
    port="$(free_port)"; tls_port="$(free_port)"
    while [ "$tls_port" = "$port" ]; do tls_port="$(free_port)"; done
    default_password="rd-$(secret)"; acl_password="ra-$(secret)"; restricted_password="rr-$(secret)"
    cat > "$redis_dir/redis.conf" <<CONF
bind 127.0.0.1
port $port
tls-port $tls_port
tls-cert-file $redis_dir/server.pem
tls-key-file $redis_dir/server.key
tls-ca-cert-file $redis_dir/ca.pem
tls-auth-clients no
protected-mode no
daemonize yes
pidfile $redis_dir/redis.pid
logfile $redis_dir/redis.log
dir $redis_dir
save ""
appendonly no
databases 4
maxclients 200
requirepass $default_password
user preflight_acl on >$acl_password ~* &* +@all
user preflight_restricted on >$restricted_password -@all +hello +auth
CONF
    chmod 600 "$redis_dir/redis.conf"
    redis-server "$redis_dir/redis.conf"
    local ready=no
    for _ in $(seq 1 50); do
        if REDISCLI_AUTH="$default_password" redis-cli -h 127.0.0.1 -p "$port" --no-auth-warning ping 2>/dev/null | grep -q PONG; then
            ready=yes; break
        fi
        sleep 0.1
    done
    [ "$ready" = yes ] || { echo "[redis] did not start; see $redis_dir/redis.log" >&2; tail -n 20 "$redis_dir/redis.log" >&2 || true; exit 1; }
    cat >> "$envfile" <<ENV
export PREFLIGHT_TEST_REDIS_HOST=127.0.0.1
export PREFLIGHT_TEST_REDIS_PORT=$port
export PREFLIGHT_TEST_REDIS_TLS_PORT=$tls_port
export PREFLIGHT_TEST_REDIS_PASSWORD=$default_password
export PREFLIGHT_TEST_REDIS_ACL_USER=preflight_acl
export PREFLIGHT_TEST_REDIS_ACL_PASSWORD=$acl_password
export PREFLIGHT_TEST_REDIS_RESTRICTED_USER=preflight_restricted
export PREFLIGHT_TEST_REDIS_RESTRICTED_PASSWORD=$restricted_password
export PREFLIGHT_TEST_REDIS_DATABASES=4
export PREFLIGHT_TEST_REDIS_CA_FILE=$redis_dir/ca.pem
export PREFLIGHT_TEST_REDIS_OTHER_CA_FILE=$redis_dir/other_ca.pem
ENV
    echo "[redis] $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port (TLS on $tls_port)" >&2
}

case "$cmd" in
    deps) install ;;
    start) start "$@" ;;
    stop) stop ;;
    *) echo "usage: $0 deps | start DIR ENVFILE | stop DIR" >&2; exit 2 ;;
esac
