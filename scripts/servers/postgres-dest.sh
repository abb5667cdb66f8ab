#!/usr/bin/env bash
# PostgreSQL destination fixtures on the "main" cluster of scripts/test-servers.sh, and a hot standby of it.
#
#   bash scripts/servers/postgres-dest.sh start DIR ENVFILE   # DIR: the test servers' base (main must run)
#   bash scripts/servers/postgres-dest.sh stop DIR            # stop the standby (idempotent)
#
# On main (port from DIR/main/postmaster.pid):
#   * dest_user (SCRAM): no grants of its own, so in appdb it has PostgreSQL 15's defaults only (CONNECT and
#     TEMP on the database, USAGE but no CREATE on public);
#   * database dest_owned, owned by dest_user (CREATE on it and on its public schema, which the owner owns);
#   * database dest_nodrop, the same, but an event trigger refuses DROP TABLE (a write test leaves its table).
# A hot standby "standby" (pg_basebackup -R of main, in recovery, read-only) on a random loopback port.
set -euo pipefail

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start DIR ENVFILE | stop DIR" >&2; exit 2; }
PG_BINDIR="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
log() { printf '[postgres-dest] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [ "$(id -u)" = 0 ]; then
    PG_OWNER=postgres
    as_pg() { runuser -u postgres -- "$@"; }
else
    PG_OWNER="$(id -un)"
    as_pg() { "$@"; }
fi

stop_standby() {
    local data="$dir/standby"
    [ -f "$data/postmaster.pid" ] || return 0
    as_pg "$PG_BINDIR/pg_ctl" -D "$data" -m fast -w -t 15 stop >/dev/null 2>&1 \
        || as_pg "$PG_BINDIR/pg_ctl" -D "$data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
random_password() {
    python3 -c 'import secrets,string; a=string.ascii_letters+string.digits; print("".join(secrets.choice(a) for _ in range(32)))'
}

start() {
    local env_file="${1:?usage: $0 start DIR ENVFILE}"
    [ -f "$dir/main/postmaster.pid" ] || die "the main cluster is not running under $dir (scripts/test-servers.sh start)"
    local main_port; main_port="$(sed -n 4p "$dir/main/postmaster.pid")"
    local psql=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/run" -p "$main_port" -U postgres)
    local pw; pw="$(random_password)"
    stop_standby
    rm -rf "$dir/standby"
    as_pg "${psql[@]}" -d postgres <<SQL
SET password_encryption = 'scram-sha-256';
CREATE ROLE dest_user LOGIN PASSWORD '$pw';
CREATE DATABASE dest_owned OWNER dest_user;
CREATE DATABASE dest_nodrop OWNER dest_user;
SQL
    # dest_nodrop refuses DROP TABLE (an event trigger), so a write test there leaves its table behind.
    as_pg "${psql[@]}" -d dest_nodrop <<'SQL'
CREATE FUNCTION refuse_drop() RETURNS event_trigger LANGUAGE plpgsql
    AS $f$ BEGIN RAISE EXCEPTION 'DROP TABLE is refused in this database (a preflight test fixture)'; END $f$;
CREATE EVENT TRIGGER refuse_drop ON ddl_command_start WHEN TAG IN ('DROP TABLE') EXECUTE FUNCTION refuse_drop();
SQL
    # A hot standby of main: in recovery, so every write is refused.
    mkdir -p "$dir/standby" && chown "$PG_OWNER" "$dir/standby" && chmod 700 "$dir/standby"
    as_pg "$PG_BINDIR/pg_basebackup" -h "$dir/run" -p "$main_port" -U postgres -D "$dir/standby" -R -X stream -c fast \
        >"$dir/run/standby-basebackup.log" 2>&1 || { cat "$dir/run/standby-basebackup.log" >&2; die "pg_basebackup failed"; }
    local port attempt
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        as_pg sed -i "s/^port = .*/port = $port/" "$dir/standby/postgresql.conf"
        if as_pg "$PG_BINDIR/pg_ctl" -D "$dir/standby" -l "$dir/run/standby.log" -w -t 30 start >/dev/null 2>&1; then break; fi
        [ "$attempt" = 5 ] && { tail -n 20 "$dir/run/standby.log" >&2; die "the standby did not start"; }
    done
    local recovery
    recovery="$(as_pg "$PG_BINDIR/psql" -X -A -t -h "$dir/run" -p "$port" -U postgres -d postgres -c 'SELECT pg_is_in_recovery()')"
    [ "$recovery" = t ] || die "the standby is not in recovery ($recovery)"
    ( umask 077; cat >"$env_file" <<ENV
export PREFLIGHT_TEST_PG_DEST_USER=dest_user
export PREFLIGHT_TEST_PG_DEST_PASSWORD=$pw
export PREFLIGHT_TEST_PG_DEST_OWNED_DATABASE=dest_owned
export PREFLIGHT_TEST_PG_DEST_NODROP_DATABASE=dest_nodrop
export PREFLIGHT_TEST_PG_STANDBY_PORT=$port
ENV
    )
    log "dest_user and dest_owned on main ($main_port); hot standby on 127.0.0.1:$port"
}

case "$cmd" in
    start) start "${3:-$dir/postgres-dest.env}" ;;
    stop) stop_standby; rm -rf "$dir/standby" ;;
    *) echo "usage: $0 start DIR ENVFILE | stop DIR" >&2; exit 2 ;;
esac
