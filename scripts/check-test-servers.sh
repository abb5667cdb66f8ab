#!/usr/bin/env bash
# Checks, with psql, that the servers started by scripts/test-servers.sh behave as the tests expect.
#   scripts/check-test-servers.sh [ENV_FILE]     (default: $PREFLIGHT_TEST_ENV_FILE or scripts/.test-env)
# Exits non-zero if any check fails.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ENV_FILE="${1:-${PREFLIGHT_TEST_ENV_FILE:-$SCRIPT_DIR/.test-env}}"
[ -f "$ENV_FILE" ] || { echo "no env file at $ENV_FILE (run scripts/test-servers.sh start)" >&2; exit 1; }

# A clean libpq environment: nothing from the caller's PG* variables or ~/.pgpass / ~/.psqlrc.
for v in $(compgen -e | grep '^PG' || true); do unset "$v"; done
export PGPASSFILE=/nonexistent/preflight-no-pgpass PGCONNECT_TIMEOUT=5
# shellcheck disable=SC1090
. "$ENV_FILE"
PSQL="${PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql"
[ -x "$PSQL" ] || PSQL=psql

H=$PREFLIGHT_TEST_PG_HOST P=$PREFLIGHT_TEST_PG_PORT RP=$PREFLIGHT_TEST_PG_REPLICA_PORT
ok=0 bad=0

# expect_ok NAME PASSWORD CONNINFO SQL EXPECTED   — query must succeed and print exactly EXPECTED
expect_ok() {
    local name="$1" pw="$2" conn="$3" sql="$4" want="$5" out
    if out="$(PGPASSWORD="$pw" "$PSQL" -X -A -t -q "$conn" -c "$sql" 2>&1)" && [ "$out" = "$want" ]; then
        printf 'ok    %s\n' "$name"; ok=$((ok + 1))
    else
        printf 'BAD   %s\n      wanted: %s\n      got:    %s\n' "$name" "$want" "${out//$'\n'/ | }"; bad=$((bad + 1))
    fi
}

# expect_like NAME PASSWORD CONNINFO SQL GLOB   — query must succeed and its output match the glob
expect_like() {
    local name="$1" pw="$2" conn="$3" sql="$4" want="$5" out
    # shellcheck disable=SC2053
    if out="$(PGPASSWORD="$pw" "$PSQL" -X -A -t -q "$conn" -c "$sql" 2>&1)" && [[ "$out" == $want ]]; then
        printf 'ok    %s\n' "$name"; ok=$((ok + 1))
    else
        printf 'BAD   %s\n      wanted: %s\n      got:    %s\n' "$name" "$want" "${out//$'\n'/ | }"; bad=$((bad + 1))
    fi
}

# expect_fail NAME PASSWORD CONNINFO SQL ERROR_SUBSTRING   — must fail with a message containing it
expect_fail() {
    local name="$1" pw="$2" conn="$3" sql="$4" want="$5" out
    if out="$(PGPASSWORD="$pw" "$PSQL" -X -A -t -q "$conn" -c "$sql" 2>&1)"; then
        printf 'BAD   %s\n      wanted failure containing: %s\n      but it succeeded: %s\n' "$name" "$want" "$out"; bad=$((bad + 1))
    elif [[ "$out" == *"$want"* ]]; then
        printf 'ok    %s\n' "$name"; ok=$((ok + 1))
    else
        printf 'BAD   %s\n      wanted failure containing: %s\n      got: %s\n' "$name" "$want" "${out//$'\n'/ | }"; bad=$((bad + 1))
    fi
}

main="host=$H port=$P"
su=$PREFLIGHT_TEST_PG_SUPERUSER

echo "== main cluster 127.0.0.1:$P"
# server settings
expect_ok "wal_level=logical"              "" "$main user=$su dbname=postgres sslmode=disable" "show wal_level" "logical"
expect_ok "max_replication_slots=10"       "" "$main user=$su dbname=postgres sslmode=disable" "show max_replication_slots" "10"
expect_ok "max_wal_senders=10"             "" "$main user=$su dbname=postgres sslmode=disable" "show max_wal_senders" "10"
expect_ok "ssl=on"                         "" "$main user=$su dbname=postgres sslmode=disable" "show ssl" "on"
expect_ok "superuser trust over TCP"       "" "$main user=$su dbname=postgres sslmode=disable" "select rolsuper from pg_roles where rolname=current_user" "t"

# scram_user
S="$PREFLIGHT_TEST_PG_SCRAM_PASSWORD"
expect_ok "scram_user connects to postgres" "$S" "$main user=$PREFLIGHT_TEST_PG_SCRAM_USER dbname=postgres sslmode=disable" "select 1" "1"
expect_ok "scram_user connects to appdb"   "$S" "$main user=$PREFLIGHT_TEST_PG_SCRAM_USER dbname=$PREFLIGHT_TEST_PG_DATABASE sslmode=disable" "select count(*) from public.items" "10"
expect_ok "scram_user over TLS (require)"  "$S" "$main user=$PREFLIGHT_TEST_PG_SCRAM_USER dbname=postgres sslmode=require" "select ssl from pg_stat_ssl where pid=pg_backend_pid()" "t"
expect_fail "scram_user wrong password"    "wrong-$S" "$main user=$PREFLIGHT_TEST_PG_SCRAM_USER dbname=postgres sslmode=disable" "select 1" "password authentication failed"
expect_ok "scram_user stored as SCRAM"     "" "$main user=$su dbname=postgres sslmode=disable" "select left(rolpassword,14) from pg_authid where rolname='$PREFLIGHT_TEST_PG_SCRAM_USER'" "SCRAM-SHA-256\$"
expect_ok "scram_user has REPLICATION"     "" "$main user=$su dbname=postgres sslmode=disable" "select rolreplication::text || rolsuper::text from pg_roles where rolname='$PREFLIGHT_TEST_PG_SCRAM_USER'" "truefalse"
expect_like "scram_user replication conn (IDENTIFY_SYSTEM)" "$S" "$main user=$PREFLIGHT_TEST_PG_SCRAM_USER dbname=$PREFLIGHT_TEST_PG_DATABASE replication=database sslmode=disable" "IDENTIFY_SYSTEM" "*|$PREFLIGHT_TEST_PG_DATABASE"

# md5_user
M="$PREFLIGHT_TEST_PG_MD5_PASSWORD"
expect_ok "md5_user connects"              "$M" "$main user=$PREFLIGHT_TEST_PG_MD5_USER dbname=postgres sslmode=disable" "select 1" "1"
expect_fail "md5_user wrong password"      "x$M" "$main user=$PREFLIGHT_TEST_PG_MD5_USER dbname=postgres sslmode=disable" "select 1" "password authentication failed"
expect_ok "md5_user stored as md5"         "" "$main user=$su dbname=postgres sslmode=disable" "select left(rolpassword,3) from pg_authid where rolname='$PREFLIGHT_TEST_PG_MD5_USER'" "md5"

# tls_user
T="$PREFLIGHT_TEST_PG_TLS_PASSWORD"
expect_fail "tls_user rejected without TLS" "$T" "$main user=$PREFLIGHT_TEST_PG_TLS_USER dbname=postgres sslmode=disable" "select 1" "no encryption"
expect_ok "tls_user with sslmode=require"  "$T" "$main user=$PREFLIGHT_TEST_PG_TLS_USER dbname=postgres sslmode=require" "select 1" "1"
expect_ok "tls_user verify-full (CA, 127.0.0.1)" "$T" "$main user=$PREFLIGHT_TEST_PG_TLS_USER dbname=postgres sslmode=verify-full sslrootcert=$PREFLIGHT_TEST_PG_CA_FILE" "select 1" "1"
expect_ok "tls_user verify-full (CA, localhost)" "$T" "host=localhost hostaddr=127.0.0.1 port=$P user=$PREFLIGHT_TEST_PG_TLS_USER dbname=postgres sslmode=verify-full sslrootcert=$PREFLIGHT_TEST_PG_CA_FILE" "select 1" "1"
expect_fail "tls_user verify-ca, unrelated CA" "$T" "$main user=$PREFLIGHT_TEST_PG_TLS_USER dbname=postgres sslmode=verify-ca sslrootcert=$PREFLIGHT_TEST_PG_OTHER_CA_FILE" "select 1" "certificate verify failed"
expect_ok "tls_user stored as SCRAM"       "" "$main user=$su dbname=postgres sslmode=disable" "select left(rolpassword,14) from pg_authid where rolname='$PREFLIGHT_TEST_PG_TLS_USER'" "SCRAM-SHA-256\$"

# norepl_user
N="$PREFLIGHT_TEST_PG_NOREPL_PASSWORD"
expect_ok "norepl_user connects"           "$N" "$main user=$PREFLIGHT_TEST_PG_NOREPL_USER dbname=$PREFLIGHT_TEST_PG_DATABASE sslmode=disable" "select 1" "1"
expect_ok "norepl_user no REPLICATION/superuser" "" "$main user=$su dbname=postgres sslmode=disable" "select rolreplication::text || rolsuper::text from pg_roles where rolname='$PREFLIGHT_TEST_PG_NOREPL_USER'" "falsefalse"
expect_fail "norepl_user cannot SELECT items" "$N" "$main user=$PREFLIGHT_TEST_PG_NOREPL_USER dbname=$PREFLIGHT_TEST_PG_DATABASE sslmode=disable" "select * from public.items" "permission denied"
expect_fail "norepl_user replication conn refused" "$N" "$main user=$PREFLIGHT_TEST_PG_NOREPL_USER dbname=$PREFLIGHT_TEST_PG_DATABASE replication=database sslmode=disable" "IDENTIFY_SYSTEM" "replication"
expect_ok "norepl_user stored as SCRAM"    "" "$main user=$su dbname=postgres sslmode=disable" "select left(rolpassword,14) from pg_authid where rolname='$PREFLIGHT_TEST_PG_NOREPL_USER'" "SCRAM-SHA-256\$"

# appdb objects
expect_ok "publication preflight_pub (all tables)" "" "$main user=$su dbname=$PREFLIGHT_TEST_PG_DATABASE sslmode=disable" "select puballtables from pg_publication where pubname='preflight_pub'" "t"
expect_ok "slot preflight_slot (pgoutput, appdb)"  "" "$main user=$su dbname=postgres sslmode=disable" "select plugin||'/'||database||'/'||slot_type from pg_replication_slots where slot_name='preflight_slot'" "pgoutput/$PREFLIGHT_TEST_PG_DATABASE/logical"

if [ "${PREFLIGHT_TEST_PG_IPV6:-0}" = 1 ]; then
    expect_ok "scram_user over ::1"        "$S" "host=::1 port=$P user=$PREFLIGHT_TEST_PG_SCRAM_USER dbname=postgres sslmode=disable" "select 1" "1"
    expect_fail "verify-full over ::1 fails (::1 not in SAN)" "$T" "host=::1 port=$P user=$PREFLIGHT_TEST_PG_TLS_USER dbname=postgres sslmode=verify-full sslrootcert=$PREFLIGHT_TEST_PG_CA_FILE" "select 1" "does not match"
    expect_fail "tls_user over ::1 without TLS" "$T" "host=::1 port=$P user=$PREFLIGHT_TEST_PG_TLS_USER dbname=postgres sslmode=disable" "select 1" "no encryption"
fi

echo "== replica-level cluster 127.0.0.1:$RP"
W="$PREFLIGHT_TEST_PG_REPLICA_PASSWORD"
rep="host=$H port=$RP"
expect_ok "replica wal_level=replica"      "" "$rep user=$su dbname=postgres sslmode=disable" "show wal_level" "replica"
expect_ok "replica ssl=off"                "" "$rep user=$su dbname=postgres sslmode=disable" "show ssl" "off"
expect_ok "walrep_user connects"           "$W" "$rep user=$PREFLIGHT_TEST_PG_REPLICA_USER dbname=postgres sslmode=disable" "select 1" "1"
expect_fail "walrep_user TLS refused (ssl off)" "$W" "$rep user=$PREFLIGHT_TEST_PG_REPLICA_USER dbname=postgres sslmode=require" "select 1" "does not support SSL"
expect_ok "walrep_user has REPLICATION, SCRAM" "" "$rep user=$su dbname=postgres sslmode=disable" "select rolreplication::text || left(rolpassword,14) from pg_authid where rolname='$PREFLIGHT_TEST_PG_REPLICA_USER'" "trueSCRAM-SHA-256\$"

if [ -n "${PREFLIGHT_TEST_PG_STANDBY_PORT:-}" ]; then
    echo "== destination fixtures (scripts/servers/postgres-dest.sh)"
    D="$PREFLIGHT_TEST_PG_DEST_PASSWORD"
    expect_ok "dest_user: no CREATE on appdb's public, TEMP yes" "$D" "$main user=$PREFLIGHT_TEST_PG_DEST_USER dbname=$PREFLIGHT_TEST_PG_DATABASE sslmode=disable" "select has_schema_privilege('public','CREATE')::text || has_database_privilege(current_database(),'TEMP')::text" "falsetrue"
    expect_ok "dest_user owns dest_owned (CREATE on public)" "$D" "$main user=$PREFLIGHT_TEST_PG_DEST_USER dbname=$PREFLIGHT_TEST_PG_DEST_OWNED_DATABASE sslmode=disable" "select has_schema_privilege('public','CREATE')::text || has_database_privilege(current_database(),'CREATE')::text" "truetrue"
    expect_ok "standby is in recovery" "$D" "host=$H port=$PREFLIGHT_TEST_PG_STANDBY_PORT user=$PREFLIGHT_TEST_PG_DEST_USER dbname=$PREFLIGHT_TEST_PG_DEST_OWNED_DATABASE sslmode=disable" "select pg_is_in_recovery()" "t"
fi

echo "check-test-servers: $ok ok, $bad bad"
[ "$bad" = 0 ]
