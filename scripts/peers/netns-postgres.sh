#!/usr/bin/env bash
# A PostgreSQL reachable only from inside a Linux network namespace, for the data-plane test.
#
#   netns-postgres.sh up NAME INDEX    creates namespace NAME, a veth pair (host 10.213.INDEX.1, namespace
#                                      10.213.INDEX.2) and a PostgreSQL (trust auth, user postgres) listening
#                                      on 10.214.INDEX.1:5432, an address of the namespace's own loopback that
#                                      the host has no route to. Prints "host_ip=... db_ip=...".
#   netns-postgres.sh down NAME INDEX  stops and removes all of it.
#
# Needs root (ip netns) and the PostgreSQL binaries of scripts/test-servers.sh (PG_BINDIR).
set -euo pipefail
cmd="$1" name="$2" idx="$3"
host_if="pfh$idx" ns_if="pfn$idx"
host_ip="10.213.$idx.1" ns_ip="10.213.$idx.2" db_ip="10.214.$idx.1"
dir="/tmp/preflight-netns-$name"
PG_BINDIR="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
as_pg() { runuser -u postgres -- "$@"; }

case "$cmd" in
up)
    ip netns add "$name"
    ip link add "$host_if" type veth peer name "$ns_if"
    ip link set "$ns_if" netns "$name"
    ip addr add "$host_ip/30" dev "$host_if"
    ip link set "$host_if" up
    ip netns exec "$name" ip addr add "$ns_ip/30" dev "$ns_if"
    ip netns exec "$name" ip link set "$ns_if" up
    ip netns exec "$name" ip link set lo up
    ip netns exec "$name" ip addr add "$db_ip/32" dev lo
    # The host has no way into the private network: connections to it fail at once (no route), instead
    # of leaving by the host's default route.
    ip route add unreachable "10.214.$idx.0/24"
    mkdir -p "$dir"
    chown postgres "$dir"
    as_pg "$PG_BINDIR/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync --no-instructions \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    echo "host all all $db_ip/32 trust" >>"$dir/data/pg_hba.conf"
    ip netns exec "$name" runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
        -o "-c listen_addresses=$db_ip -p 5432 -k $dir -c fsync=off" start >/dev/null \
        || { cat "$dir/postgres.log" >&2; exit 1; }
    echo "host_ip=$host_ip db_ip=$db_ip"
    ;;
down)
    if [ -d "$dir/data" ]; then
        ip netns exec "$name" runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop \
            >/dev/null 2>&1 || true
    fi
    ip link del "$host_if" 2>/dev/null || true
    ip route del unreachable "10.214.$idx.0/24" 2>/dev/null || true
    ip netns del "$name" 2>/dev/null || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 up|down NAME INDEX" >&2
    exit 2
    ;;
esac
