#!/usr/bin/env bash
# Local MariaDB 10.11 servers for the MySQL probe's integration tests (loopback only, random ports).
#
#   scripts/servers/mariadb.sh deps             # apt-get install mariadb-server/client when missing (root)
#   scripts/servers/mariadb.sh start DIR [ENV]  # (re)start both instances under DIR/mariadb, write ENV
#   scripts/servers/mariadb.sh stop DIR         # stop both (idempotent), remove DIR/mariadb
#   scripts/servers/mariadb.sh status DIR
#   scripts/servers/mariadb.sh check ENV        # check, with the mariadb client, that the servers are as the tests expect
#
# ENV (default DIR/mariadb/env) receives `export PREFLIGHT_TEST_MYSQL_...=...` lines; source it (or
# append it to the project's test env file) before `swift test`.
#
# What runs:
#   * "main":      binlog ROW / FULL image / 7 days retention, TLS (own CA: DIR/mariadb/certs/ca.pem),
#                  plugin auth_ed25519, skip-name-resolve, listening on 127.0.0.1 (and ::1 when it exists).
#                  Users (all only for host 127.0.0.1 unless said otherwise):
#                    native_user  mysql_native_password, SELECT on appdb.*
#                    ed_user      ed25519 (IDENTIFIED VIA ed25519), SELECT on appdb.*
#                    tls_user     REQUIRE SSL, SELECT on appdb.*
#                    norepl_user  SELECT on appdb.* only (no replication grants; nothing on otherdb)
#                    repl_user    SELECT, REPLICATION SLAVE, BINLOG MONITOR (= REPLICATION CLIENT) on *.*
#                    host_user    only for host '10.9.9.9' (so from 127.0.0.1 it is refused)
#                    dest_user    CREATE, ALTER, INSERT, UPDATE, DELETE, DROP, SELECT on the pattern `app\_%`.*
#                                 (so on app_dest, not on appdb)
#                    all_user     ALL PRIVILEGES on *.*
#                  Databases appdb (table items), otherdb and app_dest. No account matches ::1, so a connection over
#                  [::1] is refused with error 1130 before the greeting (PREFLIGHT_TEST_MYSQL_IPV6=1 when available).
#   * "statement": binlog_format STATEMENT, binlog_row_image MINIMAL, 1 day retention, no TLS;
#                  repl_user with the same password and grants.
#
# Runs as root (mariadbd --user=root, datadir under DIR) or as any user owning DIR.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[mariadb] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

find_bin() { # first of the names found on PATH or in /usr/sbin, /usr/bin
    local n
    for n in "$@"; do
        if command -v "$n" >/dev/null 2>&1; then command -v "$n"; return 0; fi
        for d in /usr/sbin /usr/bin /usr/local/bin /usr/local/sbin; do [ -x "$d/$n" ] && { echo "$d/$n"; return 0; }; done
    done
    return 1
}

cmd_deps() {
    if find_bin mariadbd >/dev/null && find_bin mariadb >/dev/null && find_bin mariadb-install-db >/dev/null; then
        log "mariadb-server and mariadb-client: present"
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "mariadb-server/mariadb-client missing and not root (apt-get install mariadb-server mariadb-client)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client </dev/null >/dev/null
    # The package may start a default server on 3306 (where an init system runs); the tests don't use it.
    if command -v service >/dev/null 2>&1; then service mariadb stop >/dev/null 2>&1 || true; fi
    log "installed mariadb-server mariadb-client"
}

free_port() { # a port free on 127.0.0.1 (and ::1 when IPv6 loopback exists), not among the arguments
    python3 - "$@" <<'PY'
import socket, sys
avoid = {int(p) for p in sys.argv[1:]}
for _ in range(200):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    if port in avoid:
        continue
    try:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.bind(("::1", port))
        s6.close()
    except OSError as e:
        if e.errno == 98:
            continue
    print(port)
    break
else:
    sys.exit("no free port found")
PY
}

ipv6_loopback_works() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0)); s.close()' 2>/dev/null
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
            -subj "/CN=Preflight MariaDB Test CA" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -sha256 -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
        cat >server.ext <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 -sha256 \
            -extfile server.ext -out server.pem 2>/dev/null
        rm -f server.csr server.ext ca.srl
        chmod 644 ca.pem server.pem
        chmod 600 ca.key server.key
    )
}

# PIDs of mariadbd processes whose defaults file lies under $1 (also catches leftovers of an interrupted run).
servers_under() {
    local dir="$1" pid_dir cmd
    for pid_dir in /proc/[0-9]*; do
        cmd="$( { tr '\0' ' ' <"$pid_dir/cmdline"; } 2>/dev/null || true)"
        case "$cmd" in *mariadbd*"--defaults-file=$dir/"*|*mysqld*"--defaults-file=$dir/"*) echo "${pid_dir#/proc/}" ;; esac
    done
}

stop_dir() {
    local base="$1" pid waited=0
    for pid in $(servers_under "$base"); do kill -TERM "$pid" 2>/dev/null || true; done
    while [ -n "$(servers_under "$base")" ] && [ $waited -lt 150 ]; do sleep 0.1; waited=$((waited + 1)); done
    for pid in $(servers_under "$base"); do kill -KILL "$pid" 2>/dev/null || true; done
}

# write_cnf NAME PORT BINDADDR BINLOG_FORMAT ROW_IMAGE EXPIRE_SECONDS TLS(1|0)
write_cnf() {
    local name="$1" port="$2" bind="$3" format="$4" image="$5" expire="$6" tls="$7"
    local d="$BASE/$name"
    {
        cat <<CNF
[mariadbd]
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
log-error=$d/error.log
tmpdir=$d/tmp
port=$port
bind-address=$bind
skip-name-resolve
skip-external-locking
server-id=$( [ "$name" = main ] && echo 1 || echo 2 )
log-bin=$d/binlog/mariadb-bin
binlog-format=$format
binlog-row-image=$image
binlog_expire_logs_seconds=$expire
plugin-load-add=auth_ed25519
max_connections=1000
max_connect_errors=1000000
thread_cache_size=64
innodb_buffer_pool_size=64M
innodb_log_file_size=48M
innodb_flush_log_at_trx_commit=2
sync_binlog=0
performance_schema=OFF
character-set-server=utf8mb4
CNF
        if [ "$tls" = 1 ]; then
            cat <<CNF
ssl-ca=$BASE/certs/ca.pem
ssl-cert=$BASE/certs/server.pem
ssl-key=$BASE/certs/server.key
CNF
        fi
    } >"$d/my.cnf"
}

server_user_flag() { if [ "$(id -u)" = 0 ]; then echo "--user=root"; else echo "--user=$(id -un)"; fi; }

start_instance() { # NAME -> starts mariadbd, waits for the socket
    local name="$1" d="$BASE/$1" waited=0
    local mariadbd; mariadbd="$(find_bin mariadbd mysqld)" || die "mariadbd not found (scripts/servers/mariadb.sh deps)"
    setsid "$mariadbd" --defaults-file="$d/my.cnf" "$(server_user_flag)" </dev/null >>"$d/stdout.log" 2>&1 &
    while [ $waited -lt 300 ]; do
        if "$CLIENT" --socket="$d/mysqld.sock" -uroot -N -e 'SELECT 1' >/dev/null 2>&1; then return 0; fi
        if [ -z "$(servers_under "$BASE")" ] && [ $waited -gt 20 ]; then break; fi
        sleep 0.1; waited=$((waited + 1))
    done
    tail -n 30 "$d/error.log" >&2 2>/dev/null || true
    return 1
}

sql() { # sql NAME  (SQL on stdin), as root over the instance's socket
    "$CLIENT" --socket="$BASE/$1/mysqld.sock" -uroot --batch -N
}

init_instance() { # NAME
    local name="$1" d="$BASE/$1"
    mkdir -p "$d/data" "$d/tmp" "$d/binlog"
    "$INSTALL_DB" --defaults-file="$d/my.cnf" "$(server_user_flag)" --skip-test-db \
        --auth-root-authentication-method=socket --auth-root-socket-user="$(id -un)" \
        >"$d/install.log" 2>&1 || { tail -n 30 "$d/install.log" >&2; die "mariadb-install-db failed for $name"; }
}

cmd_start() {
    local dir="${1:?usage: $0 start DIR [ENV_FILE]}"
    mkdir -p "$dir"
    BASE="$(cd "$dir" && pwd)/mariadb"
    local env_file="${2:-$BASE/env}"
    INSTALL_DB="$(find_bin mariadb-install-db mysql_install_db)" || die "mariadb-install-db not found (scripts/servers/mariadb.sh deps)"
    CLIENT="$(find_bin mariadb mysql)" || die "mariadb client not found (scripts/servers/mariadb.sh deps)"
    command -v openssl >/dev/null || die "openssl not found"
    command -v python3 >/dev/null || die "python3 not found"
    local t0=$SECONDS

    stop_dir "$BASE"
    rm -rf "$BASE"
    mkdir -p "$BASE/main" "$BASE/statement"
    make_certs "$BASE/certs"

    local six=0 bind=127.0.0.1
    if ipv6_loopback_works; then six=1; bind="127.0.0.1,::1"; fi

    local main_port statement_port port attempt name
    for name in main statement; do
        for attempt in 1 2 3 4 5; do
            port="$(free_port ${main_port:-})"
            if [ "$name" = main ]; then
                write_cnf main "$port" "$bind" ROW FULL 604800 1
            else
                write_cnf statement "$port" 127.0.0.1 STATEMENT MINIMAL 86400 0
            fi
            if [ "$attempt" = 1 ]; then init_instance "$name"; fi
            if start_instance "$name"; then break; fi
            [ "$attempt" = 5 ] && die "could not start instance $name"
            log "instance $name failed to start on port $port, retrying"
        done
        if [ "$name" = main ]; then main_port=$port; else statement_port=$port; fi
    done

    local native_pw ed_pw tls_pw norepl_pw repl_pw host_pw
    native_pw="$(random_password)"; ed_pw="$(random_password)"; tls_pw="$(random_password)"
    norepl_pw="$(random_password)"; repl_pw="$(random_password)"; host_pw="$(random_password)"
    local dest_pw all_pw
    dest_pw="$(random_password)"; all_pw="$(random_password)"

    sql main <<SQL
-- Whatever mariadb-install-db created for remote hosts or anonymous users would match 127.0.0.1 or ::1.
DELETE FROM mysql.global_priv WHERE User = '' OR Host NOT IN ('localhost');
FLUSH PRIVILEGES;
CREATE DATABASE appdb;
CREATE DATABASE otherdb;
CREATE TABLE appdb.items (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB;
INSERT INTO appdb.items VALUES (1, 'one'), (2, 'two');
CREATE USER native_user@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('$native_pw');
CREATE USER ed_user@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD('$ed_pw');
CREATE USER tls_user@'127.0.0.1' IDENTIFIED BY '$tls_pw' REQUIRE SSL;
CREATE USER norepl_user@'127.0.0.1' IDENTIFIED BY '$norepl_pw';
CREATE USER repl_user@'127.0.0.1' IDENTIFIED BY '$repl_pw';
CREATE USER host_user@'10.9.9.9' IDENTIFIED BY '$host_pw';
GRANT SELECT ON appdb.* TO native_user@'127.0.0.1', ed_user@'127.0.0.1', tls_user@'127.0.0.1', norepl_user@'127.0.0.1';
GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO repl_user@'127.0.0.1';
GRANT ALL ON appdb.* TO host_user@'10.9.9.9';
CREATE DATABASE app_dest;
CREATE USER dest_user@'127.0.0.1' IDENTIFIED BY '$dest_pw';
GRANT CREATE, ALTER, INSERT, UPDATE, DELETE, DROP, SELECT ON \`app\\_%\`.* TO dest_user@'127.0.0.1';
CREATE USER all_user@'127.0.0.1' IDENTIFIED BY '$all_pw';
GRANT ALL PRIVILEGES ON *.* TO all_user@'127.0.0.1';
SQL
    sql statement <<SQL
DELETE FROM mysql.global_priv WHERE User = '' OR Host NOT IN ('localhost');
FLUSH PRIVILEGES;
CREATE DATABASE appdb;
CREATE TABLE appdb.items (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE USER repl_user@'127.0.0.1' IDENTIFIED BY '$repl_pw';
GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO repl_user@'127.0.0.1';
SQL

    local tmp="$env_file.tmp.$$"
    mkdir -p "$(dirname "$env_file")"
    ( umask 077; cat >"$tmp" <<ENV
# Written by scripts/servers/mariadb.sh start — $(date -u +%Y-%m-%dT%H:%M:%SZ)
export PREFLIGHT_TEST_MYSQL_DIR=$BASE
export PREFLIGHT_TEST_MYSQL_HOST=127.0.0.1
export PREFLIGHT_TEST_MYSQL_PORT=$main_port
export PREFLIGHT_TEST_MYSQL_STATEMENT_PORT=$statement_port
export PREFLIGHT_TEST_MYSQL_IPV6=$six
export PREFLIGHT_TEST_MYSQL_CA_FILE=$BASE/certs/ca.pem
export PREFLIGHT_TEST_MYSQL_DATABASE=appdb
export PREFLIGHT_TEST_MYSQL_OTHER_DATABASE=otherdb
export PREFLIGHT_TEST_MYSQL_NATIVE_USER=native_user
export PREFLIGHT_TEST_MYSQL_NATIVE_PASSWORD=$native_pw
export PREFLIGHT_TEST_MYSQL_ED25519_USER=ed_user
export PREFLIGHT_TEST_MYSQL_ED25519_PASSWORD=$ed_pw
export PREFLIGHT_TEST_MYSQL_TLS_USER=tls_user
export PREFLIGHT_TEST_MYSQL_TLS_PASSWORD=$tls_pw
export PREFLIGHT_TEST_MYSQL_NOREPL_USER=norepl_user
export PREFLIGHT_TEST_MYSQL_NOREPL_PASSWORD=$norepl_pw
export PREFLIGHT_TEST_MYSQL_REPL_USER=repl_user
export PREFLIGHT_TEST_MYSQL_REPL_PASSWORD=$repl_pw
export PREFLIGHT_TEST_MYSQL_HOSTONLY_USER=host_user
export PREFLIGHT_TEST_MYSQL_HOSTONLY_PASSWORD=$host_pw
export PREFLIGHT_TEST_MYSQL_DEST_USER=dest_user
export PREFLIGHT_TEST_MYSQL_DEST_PASSWORD=$dest_pw
export PREFLIGHT_TEST_MYSQL_DEST_DATABASE=app_dest
export PREFLIGHT_TEST_MYSQL_ALL_USER=all_user
export PREFLIGHT_TEST_MYSQL_ALL_PASSWORD=$all_pw
ENV
    ) && mv -f "$tmp" "$env_file"
    log "main on 127.0.0.1:$main_port$( [ $six = 1 ] && echo ' (and [::1])') (ROW, TLS, ed25519), statement on 127.0.0.1:$statement_port; env $env_file; $((SECONDS - t0))s"
}

cmd_stop() {
    local dir="${1:?usage: $0 stop DIR}"
    [ -d "$dir" ] || return 0
    BASE="$(cd "$dir" && pwd)/mariadb"
    stop_dir "$BASE"
    rm -rf "$BASE"
    log "stopped ($BASE)"
}

cmd_status() {
    local dir="${1:?usage: $0 status DIR}"
    BASE="$(cd "$dir" && pwd)/mariadb"
    local pids; pids="$(servers_under "$BASE" | tr '\n' ' ')"
    if [ -n "$pids" ]; then echo "running: pids $pids"; else echo "not running"; return 1; fi
}

# ------------------------------------------------------------------------------------------- check
cmd_check() {
    local env_file="${1:?usage: $0 check ENV_FILE}"
    # shellcheck disable=SC1090
    . "$env_file"
    CLIENT="$(find_bin mariadb mysql)" || die "mariadb client not found"
    local ok=0 bad=0 H=$PREFLIGHT_TEST_MYSQL_HOST P=$PREFLIGHT_TEST_MYSQL_PORT SP=$PREFLIGHT_TEST_MYSQL_STATEMENT_PORT
    run() { # PORT USER PASSWORD EXTRA_ARGS SQL
        MYSQL_PWD="$3" "$CLIENT" --no-defaults --protocol=TCP -h "$H" -P "$1" -u "$2" $4 --batch -N -e "$5" 2>&1
    }
    expect() { # NAME WANT_GLOB OUTPUT RC WANT_RC(0|1)
        # shellcheck disable=SC2053
        if [ "$4" = "$5" ] || { [ "$5" = 1 ] && [ "$4" != 0 ]; }; then
            if [[ "$3" == $2 ]]; then printf 'ok    %s\n' "$1"; ok=$((ok + 1)); return; fi
        fi
        printf 'BAD   %s\n      wanted: %s (rc %s)\n      got:    %s (rc %s)\n' "$1" "$2" "$5" "${3//$'\n'/ | }" "$4"; bad=$((bad + 1))
    }
    local out rc
    out="$(run "$P" "$PREFLIGHT_TEST_MYSQL_REPL_USER" "$PREFLIGHT_TEST_MYSQL_REPL_PASSWORD" "--skip-ssl" 'SELECT @@log_bin, @@binlog_format, @@binlog_row_image, @@binlog_expire_logs_seconds')" && rc=0 || rc=$?
    expect "main: log_bin ON, ROW, FULL, 7 days" $'1\tROW\tFULL\t604800' "$out" "$rc" 0
    out="$(run "$SP" "$PREFLIGHT_TEST_MYSQL_REPL_USER" "$PREFLIGHT_TEST_MYSQL_REPL_PASSWORD" "--skip-ssl" 'SELECT @@binlog_format')" && rc=0 || rc=$?
    expect "statement: binlog_format STATEMENT" "STATEMENT" "$out" "$rc" 0
    out="$(run "$P" "$PREFLIGHT_TEST_MYSQL_NATIVE_USER" "$PREFLIGHT_TEST_MYSQL_NATIVE_PASSWORD" "--skip-ssl" 'SELECT COUNT(*) FROM appdb.items')" && rc=0 || rc=$?
    expect "native_user reads appdb" "2" "$out" "$rc" 0
    out="$(run "$P" "$PREFLIGHT_TEST_MYSQL_ED25519_USER" "$PREFLIGHT_TEST_MYSQL_ED25519_PASSWORD" "--skip-ssl" 'SELECT CURRENT_USER()')" && rc=0 || rc=$?
    expect "ed_user logs in (ed25519)" "ed_user@127.0.0.1" "$out" "$rc" 0
    out="$(run "$P" "$PREFLIGHT_TEST_MYSQL_TLS_USER" "$PREFLIGHT_TEST_MYSQL_TLS_PASSWORD" "--skip-ssl" 'SELECT 1')" && rc=0 || rc=$?
    expect "tls_user refused without TLS" "*1045*" "$out" "$rc" 1
    out="$(run "$P" "$PREFLIGHT_TEST_MYSQL_TLS_USER" "$PREFLIGHT_TEST_MYSQL_TLS_PASSWORD" "--ssl --ssl-ca=$PREFLIGHT_TEST_MYSQL_CA_FILE" "SHOW STATUS LIKE 'Ssl_version'")" && rc=0 || rc=$?
    expect "tls_user accepted over TLS" "Ssl_version"$'\t'"TLSv1.*" "$out" "$rc" 0
    out="$(run "$P" "$PREFLIGHT_TEST_MYSQL_NOREPL_USER" "$PREFLIGHT_TEST_MYSQL_NOREPL_PASSWORD" "--skip-ssl" 'SHOW GRANTS')" && rc=0 || rc=$?
    expect "norepl_user has no replication grant" "GRANT USAGE ON *.* TO*" "$out" "$rc" 0
    out="$(run "$P" "$PREFLIGHT_TEST_MYSQL_NOREPL_USER" "$PREFLIGHT_TEST_MYSQL_NOREPL_PASSWORD" "--skip-ssl -D otherdb" 'SELECT 1')" && rc=0 || rc=$?
    expect "norepl_user refused on otherdb (1044)" "*1044*" "$out" "$rc" 1
    out="$(run "$P" "$PREFLIGHT_TEST_MYSQL_HOSTONLY_USER" "$PREFLIGHT_TEST_MYSQL_HOSTONLY_PASSWORD" "--skip-ssl" 'SELECT 1')" && rc=0 || rc=$?
    expect "host_user refused from 127.0.0.1 (1045)" "*1045*" "$out" "$rc" 1
    if [ "${PREFLIGHT_TEST_MYSQL_IPV6:-0}" = 1 ]; then
        out="$(MYSQL_PWD=x "$CLIENT" --no-defaults --protocol=TCP -h ::1 -P "$P" -u host_user --skip-ssl -e 'SELECT 1' 2>&1)" && rc=0 || rc=$?
        expect "::1 is not allowed (1130)" "*1130*" "$out" "$rc" 1
    fi
    echo "$ok passed, $bad failed"
    [ $bad = 0 ]
}

case "${1:-}" in
    deps) cmd_deps ;;
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    status) shift; cmd_status "$@" ;;
    check) shift; cmd_check "$@" ;;
    *) echo "usage: $0 deps | start DIR [ENV_FILE] | stop DIR | status DIR | check ENV_FILE" >&2; exit 2 ;;
esac
