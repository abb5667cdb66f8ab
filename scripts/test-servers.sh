#!/usr/bin/env bash
# Starts/stops the local servers that the Swift test suite's integration tests need.
#
#   scripts/test-servers.sh start     # (re)start everything, write the env file
#   scripts/test-servers.sh stop      # stop everything (idempotent)
#   scripts/test-servers.sh env       # print the env file
#   scripts/test-servers.sh status    # say what is running
#   scripts/test-servers.sh stop-all  # stop every instance this script ever started under /tmp
#
# Then:  source scripts/.test-env && swift test
#
# What runs (loopback only, random free ports):
#   * PostgreSQL 15 "main":   ssl=on (self-signed CA), wal_level=logical, users scram_user (REPLICATION),
#                             md5_user (MD5 password), tls_user (hostssl only), norepl_user, postgres (trust
#                             over TCP); database appdb with public.items, publication preflight_pub and
#                             logical slot preflight_slot (pgoutput).
#   * PostgreSQL 15 "replica-level": wal_level=replica, ssl off, walrep_user (SCRAM, REPLICATION).
#
# Overrides (used by scripts/test.sh and bench/run.sh to get a private instance):
#   PREFLIGHT_TEST_SERVERS_DIR  where data dirs, certs, sockets and logs live
#                               (default /tmp/preflight-test-servers-<hash of the checkout path>)
#   PREFLIGHT_TEST_ENV_FILE     the env file written by `start` (default scripts/.test-env)
#   PG_BINDIR                   PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
PG_BINDIR="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
ROOT_HASH="$(printf '%s' "$ROOT" | sha1sum | cut -c1-10)"
BASE="${PREFLIGHT_TEST_SERVERS_DIR:-/tmp/preflight-test-servers-$ROOT_HASH}"
ENV_FILE="${PREFLIGHT_TEST_ENV_FILE:-$SCRIPT_DIR/.test-env}"
CLUSTERS=(main replica)

log() { printf '[test-servers] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Run a command as the user that owns the clusters: `postgres` when we are root, else ourselves.
if [ "$(id -u)" = 0 ]; then
    PG_OWNER=postgres
    as_pg() {
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            local q; printf -v q '%q ' "$@"
            su postgres -s /bin/bash -c "$q"
        fi
    }
else
    PG_OWNER="$(id -un)"
    as_pg() { "$@"; }
fi

# --------------------------------------------------------------------------------------------- stop

# PIDs of postmasters whose data directory lies under $1 (found via /proc, so it also catches
# servers whose data directory was already deleted by a previous, interrupted run).
postmasters_under() {
    local dir="$1" pid cmd exe
    for pid_dir in /proc/[0-9]*; do
        pid="${pid_dir#/proc/}"
        exe="$(readlink "$pid_dir/exe" 2>/dev/null || true)"
        case "$exe" in */postgres|*/postgres\ \(deleted\)) ;; *) continue ;; esac
        cmd="$(tr '\0' ' ' <"$pid_dir/cmdline" 2>/dev/null || true)"
        case "$cmd" in *"-D $dir/"*) echo "$pid" ;; esac
    done
}

stop_cluster_dir() {
    local data="$1"
    [ -f "$data/postmaster.pid" ] || return 0
    local pid
    pid="$(head -n1 "$data/postmaster.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        as_pg "$PG_BINDIR/pg_ctl" -D "$data" -m fast -w -t 15 stop >/dev/null 2>&1 \
            || as_pg "$PG_BINDIR/pg_ctl" -D "$data" -m immediate -w -t 10 stop >/dev/null 2>&1 \
            || true
    fi
}

stop_base() {
    local server
    for server in "$SCRIPT_DIR"/servers/*.sh; do
        [ -f "$server" ] && bash "$server" stop "$1" >/dev/null 2>&1 || true
    done
    local base="$1" pid waited c
    if [ -d "$base" ]; then
        for c in "${CLUSTERS[@]}"; do stop_cluster_dir "$base/$c"; done
    fi
    # Anything left (junk from an interrupted run): terminate by PID, then kill.
    for pid in $(postmasters_under "$base"); do kill -TERM "$pid" 2>/dev/null || true; done
    waited=0
    while [ -n "$(postmasters_under "$base")" ] && [ $waited -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
    for pid in $(postmasters_under "$base"); do kill -KILL "$pid" 2>/dev/null || true; done
}

cmd_stop() {
    stop_base "$BASE"
    rm -rf "$BASE"
    rm -f "$ENV_FILE"
    log "stopped ($BASE)"
}

cmd_stop_all() {
    local d
    for d in /tmp/preflight-test-servers-* /tmp/preflight-test.* /tmp/preflight-bench-*; do
        [ -d "$d" ] || continue
        stop_base "$d"
        rm -rf "$d"
        log "stopped $d"
    done
    rm -f "$SCRIPT_DIR/.test-env"
}

# -------------------------------------------------------------------------------------------- start

free_port() {
    python3 - "$@" <<'EOF'
import socket, sys
avoid = {int(p) for p in sys.argv[1:]}
for _ in range(100):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    if port in avoid:
        continue
    # the port must be free on ::1 too when IPv6 loopback exists
    try:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.bind(("::1", port))
        s6.close()
    except OSError as e:
        if e.errno == 98:  # EADDRINUSE
            continue
    print(port)
    break
else:
    sys.exit("no free port found")
EOF
}

ipv6_loopback_works() {
    python3 - <<'EOF'
import socket, sys
try:
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.bind(("::1", 0))
    s.close()
except OSError:
    sys.exit(1)
EOF
}

random_password() {
    # 32 chars, letters and digits only (safe in SQL literals, shell, URLs and conninfo strings).
    python3 -c 'import secrets,string; a=string.ascii_letters+string.digits; print("".join(secrets.choice(a) for _ in range(32)))'
}

make_certs() {
    local d="$BASE/certs"
    mkdir -p "$d"
    (
        cd "$d"
        openssl req -x509 -newkey rsa:2048 -nodes -days 365 -sha256 \
            -keyout ca.key -out ca.pem -subj "/CN=Preflight Test CA" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -x509 -newkey rsa:2048 -nodes -days 365 -sha256 \
            -keyout other-ca.key -out other-ca.pem -subj "/CN=Preflight Unrelated CA" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -sha256 -keyout server.key -out server.csr \
            -subj "/CN=localhost" 2>/dev/null
        cat >server.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
subjectAltName=DNS:localhost,IP:127.0.0.1
EOF
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -days 365 -sha256 -extfile server.ext -out server.pem 2>/dev/null
        rm -f server.csr server.ext ca.srl
        chmod 644 ca.pem other-ca.pem server.pem
        chmod 600 ca.key other-ca.key server.key
        chown "$PG_OWNER" server.key server.pem
    )
}

# init_cluster NAME PORT LISTEN SSL(on|off) WAL_LEVEL
init_cluster() {
    local name="$1" port="$2" listen="$3" ssl="$4" wal="$5"
    local data="$BASE/$name"
    as_pg "$PG_BINDIR/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale \
        --no-sync --no-instructions >"$BASE/run/$name-initdb.log" 2>&1 \
        || { cat "$BASE/run/$name-initdb.log" >&2; die "initdb failed for $name"; }
    as_pg tee -a "$data/postgresql.conf" >/dev/null <<EOF

# ---- preflight test server "$name" ----
port = $port
listen_addresses = '$listen'
unix_socket_directories = '$BASE/run'
max_connections = 300
wal_level = $wal
max_replication_slots = 10
max_wal_senders = 10
password_encryption = 'scram-sha-256'
ssl = $ssl
ssl_cert_file = '$BASE/certs/server.pem'
ssl_key_file = '$BASE/certs/server.key'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 64MB
log_connections = on
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}

write_hba_main() {
    local data="$BASE/main" six="$1"
    local lines
    lines=$(cat <<'EOF'
# Unix socket (setup only).
local   all          all                         trust
local   replication  all                         trust
# Specific lines first: the first matching line wins.
hostssl   all          tls_user     ADDR    scram-sha-256
hostnossl all          tls_user     ADDR    reject
hostssl   replication  tls_user     ADDR    scram-sha-256
hostnossl replication  tls_user     ADDR    reject
host      all          postgres     ADDR    trust
host      replication  postgres     ADDR    trust
host      all          md5_user     ADDR    md5
host      replication  md5_user     ADDR    md5
# General lines.
host      all          all          ADDR    scram-sha-256
host      replication  all          ADDR    scram-sha-256
EOF
)
    {
        echo "# preflight test server \"main\""
        # IPv4 block, then the same with ::1/128.
        printf '%s\n' "$lines" | sed 's#ADDR#127.0.0.1/32#'
        if [ "$six" = 1 ]; then printf '%s\n' "$lines" | grep -v '^local' | sed 's#ADDR#::1/128#'; fi
    } | as_pg tee "$data/pg_hba.conf" >/dev/null
}

write_hba_replica() {
    local data="$BASE/replica" six="$1"
    local lines
    lines=$(cat <<'EOF'
local   all          all                         trust
local   replication  all                         trust
host    all          postgres     ADDR    trust
host    replication  postgres     ADDR    trust
host    all          all          ADDR    scram-sha-256
host    replication  all          ADDR    scram-sha-256
EOF
)
    {
        echo "# preflight test server \"replica-level\""
        printf '%s\n' "$lines" | sed 's#ADDR#127.0.0.1/32#'
        if [ "$six" = 1 ]; then printf '%s\n' "$lines" | grep -v '^local' | sed 's#ADDR#::1/128#'; fi
    } | as_pg tee "$data/pg_hba.conf" >/dev/null
}

start_cluster() {
    local name="$1"
    if ! as_pg "$PG_BINDIR/pg_ctl" -D "$BASE/$name" -l "$BASE/run/$name.log" -w -t 30 start >/dev/null 2>&1; then
        tail -n 30 "$BASE/run/$name.log" >&2 || true
        return 1
    fi
}

psql_local() { # psql_local CLUSTER_PORT DB  (SQL on stdin) — superuser over the Unix socket
    as_pg "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$BASE/run" -p "$1" -U postgres -d "$2"
}

cmd_start() {
    [ -x "$PG_BINDIR/initdb" ] || die "$PG_BINDIR/initdb not found (apt-get install postgresql-15)"
    command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
    command -v python3 >/dev/null || die "python3 not found"
    if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || die "no 'postgres' user (install postgresql-15)"; fi
    local t0=$SECONDS

    # Whatever a previous run left behind (running or not) goes first.
    stop_base "$BASE"
    rm -rf "$BASE"
    rm -f "$ENV_FILE"

    mkdir -p "$BASE/run" "$BASE/main" "$BASE/replica"
    chmod 755 "$BASE" "$BASE/run"
    chmod 700 "$BASE/main" "$BASE/replica"
    chown "$PG_OWNER" "$BASE/run" "$BASE/main" "$BASE/replica"
    make_certs

    local six=0 listen='127.0.0.1'
    if ipv6_loopback_works; then six=1; listen='127.0.0.1,::1'; fi

    local main_port replica_port attempt
    init_cluster main 0 "$listen" on logical
    init_cluster replica 0 "$listen" off replica
    write_hba_main "$six"
    write_hba_replica "$six"

    # Ports are picked free, but something may grab one before postgres binds it: retry.
    for name in main replica; do
        for attempt in 1 2 3 4 5; do
            local port
            port="$(free_port ${main_port:-})"
            as_pg sed -i "s/^port = .*/port = $port/" "$BASE/$name/postgresql.conf"
            if start_cluster "$name"; then break; fi
            if [ "$attempt" = 5 ]; then die "could not start cluster $name"; fi
            log "cluster $name failed to start on port $port, retrying"
        done
        if [ "$name" = main ]; then main_port=$port; else replica_port=$port; fi
    done

    local scram_pw md5_pw tls_pw norepl_pw walrep_pw
    scram_pw="$(random_password)"; md5_pw="$(random_password)"; tls_pw="$(random_password)"
    norepl_pw="$(random_password)"; walrep_pw="$(random_password)"

    psql_local "$main_port" postgres <<EOF
SET password_encryption = 'scram-sha-256';
CREATE ROLE scram_user LOGIN REPLICATION PASSWORD '$scram_pw';
CREATE ROLE tls_user LOGIN PASSWORD '$tls_pw';
CREATE ROLE norepl_user LOGIN NOREPLICATION NOSUPERUSER PASSWORD '$norepl_pw';
SET password_encryption = 'md5';
CREATE ROLE md5_user LOGIN PASSWORD '$md5_pw';
RESET password_encryption;
CREATE DATABASE appdb;
EOF
    psql_local "$main_port" appdb <<'EOF'
CREATE TABLE public.items (id int PRIMARY KEY);
INSERT INTO public.items SELECT generate_series(1, 10);
REVOKE ALL ON TABLE public.items FROM PUBLIC;
REVOKE ALL ON TABLE public.items FROM norepl_user;
GRANT SELECT ON TABLE public.items TO scram_user, md5_user, tls_user;
CREATE PUBLICATION preflight_pub FOR ALL TABLES;
SELECT pg_create_logical_replication_slot('preflight_slot', 'pgoutput') \g /dev/null
EOF
    psql_local "$replica_port" postgres <<EOF
SET password_encryption = 'scram-sha-256';
CREATE ROLE walrep_user LOGIN REPLICATION PASSWORD '$walrep_pw';
EOF

    mkdir -p "$(dirname "$ENV_FILE")"
    local tmp="$ENV_FILE.tmp.$$"
    umask 077
    cat >"$tmp" <<EOF
# Written by scripts/test-servers.sh start — $(date -u +%Y-%m-%dT%H:%M:%SZ). Source it: . $ENV_FILE
export PREFLIGHT_TEST_SERVERS_DIR=$BASE
export PREFLIGHT_TEST_PG_HOST=127.0.0.1
export PREFLIGHT_TEST_PG_PORT=$main_port
export PREFLIGHT_TEST_PG_IPV6=$six
export PREFLIGHT_TEST_PG_SUPERUSER=postgres
export PREFLIGHT_TEST_PG_DATABASE=appdb
export PREFLIGHT_TEST_PG_PUBLICATION=preflight_pub
export PREFLIGHT_TEST_PG_SLOT=preflight_slot
export PREFLIGHT_TEST_PG_SCRAM_USER=scram_user
export PREFLIGHT_TEST_PG_SCRAM_PASSWORD=$scram_pw
export PREFLIGHT_TEST_PG_MD5_USER=md5_user
export PREFLIGHT_TEST_PG_MD5_PASSWORD=$md5_pw
export PREFLIGHT_TEST_PG_TLS_USER=tls_user
export PREFLIGHT_TEST_PG_TLS_PASSWORD=$tls_pw
export PREFLIGHT_TEST_PG_NOREPL_USER=norepl_user
export PREFLIGHT_TEST_PG_NOREPL_PASSWORD=$norepl_pw
export PREFLIGHT_TEST_PG_CA_FILE=$BASE/certs/ca.pem
export PREFLIGHT_TEST_PG_OTHER_CA_FILE=$BASE/certs/other-ca.pem
export PREFLIGHT_TEST_PG_SERVER_CERT_FILE=$BASE/certs/server.pem
export PREFLIGHT_TEST_PG_REPLICA_PORT=$replica_port
export PREFLIGHT_TEST_PG_REPLICA_USER=walrep_user
export PREFLIGHT_TEST_PG_REPLICA_PASSWORD=$walrep_pw
EOF
    mv -f "$tmp" "$ENV_FILE"
    umask 022
    # The other servers (sshd, MariaDB, MongoDB wire...): each script starts its own and appends its exports.
    # Each writes its exports to a file of its own, appended here. A script with a `deps` command installs
    # its packages with it first (the others install in `start`).
    local server name t1
    for server in "$SCRIPT_DIR"/servers/*.sh; do
        [ -f "$server" ] || continue
        name="$(basename "$server" .sh)"
        t1=$SECONDS
        if grep -q '^ *deps)' "$server"; then bash "$server" deps || die "$name: installing its packages failed"; fi
        rm -f "$BASE/$name.env"
        bash "$server" start "$BASE" "$BASE/$name.env" || die "$name failed to start"
        cat "$BASE/$name.env" >> "$ENV_FILE"
        log "$name started in $((SECONDS - t1))s"
    done
    log "main on 127.0.0.1:$main_port (ssl, wal_level=logical), replica-level on 127.0.0.1:$replica_port$( [ $six = 1 ] && echo ' (also ::1)'); env file $ENV_FILE; $((SECONDS - t0))s"
}

cmd_status() {
    local c pid any=0
    for c in "${CLUSTERS[@]}"; do
        if [ -f "$BASE/$c/postmaster.pid" ] && pid="$(head -n1 "$BASE/$c/postmaster.pid")" && kill -0 "$pid" 2>/dev/null; then
            echo "$c: running (pid $pid, port $(sed -n 4p "$BASE/$c/postmaster.pid"))"; any=1
        else
            echo "$c: not running"
        fi
    done
    [ $any = 1 ]
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    stop-all) cmd_stop_all ;;
    env) [ -f "$ENV_FILE" ] || die "no env file at $ENV_FILE (run: $0 start)"; cat "$ENV_FILE" ;;
    status) cmd_status ;;
    *) echo "usage: $0 start|stop|env|status|stop-all" >&2; exit 2 ;;
esac
