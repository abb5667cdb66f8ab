#!/usr/bin/env bash
# A ClickHouse server for the clickhouse probe's integration tests, on random free loopback ports.
#
#   bash scripts/servers/clickhouse.sh deps                # install the package if missing (apt)
#   bash scripts/servers/clickhouse.sh start DIR ENVFILE   # install if missing, start, append exports to ENVFILE
#   bash scripts/servers/clickhouse.sh stop DIR            # idempotent
#
# Debian bookworm's clickhouse-server package (ClickHouse 18.16, from 2018: old error format
# "Code: 193, e.displayText() = DB::Exception: ...", no RBAC, no X-ClickHouse-Exception-Code header).
# A private config in DIR/clickhouse: listens on 127.0.0.1 only, a random HTTP port and native TCP port,
# data under DIR, and users.xml with
#   * default      (password; the admin that creates the database)
#   * preflight    (password, full profile)
#   * preflight_ro (password, readonly profile)
#   * preflight_scoped (password, allow_databases = default only: other databases answer code 291)
# and a database preflight_db. Started with --daemon and its pidfile in DIR/clickhouse.
set -euo pipefail

cmd="${1:-}"; dir="${2:-}"
[ "$cmd" = deps ] || { [ -n "$cmd" ] && [ -n "$dir" ]; } || { echo "usage: $0 deps | start DIR ENVFILE | stop DIR" >&2; exit 2; }
ch_dir="$dir/clickhouse"
server=/usr/sbin/clickhouse-server

stop() {
    local pidfile="$ch_dir/clickhouse.pid"
    if [ -f "$pidfile" ]; then
        local pid
        pid="$(cat "$pidfile" 2>/dev/null || true)"
        if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$pidfile"
    fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
secret() { openssl rand -hex 12; }

http() {  # http PORT USER PASSWORD QUERY
    python3 - "$@" <<'PY'
import sys, urllib.request
port, user, password, query = sys.argv[1:5]
request = urllib.request.Request(f"http://127.0.0.1:{port}/", data=query.encode(), method="POST",
                                 headers={"X-ClickHouse-User": user, "X-ClickHouse-Key": password})
print(urllib.request.urlopen(request, timeout=5).read().decode().strip())
PY
}

install() {
    if [ ! -x "$server" ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends clickhouse-server </dev/null >/dev/null
        # The package may start the system server on 8123/9000; the tests don't use it.
        if command -v systemctl >/dev/null; then systemctl stop clickhouse-server 2>/dev/null || true; fi
    fi
}

start() {
    local envfile="${3:-}"
    [ -n "$envfile" ] || { echo "start needs ENVFILE" >&2; exit 2; }
    install
    stop
    rm -rf "$ch_dir"
    mkdir -p "$ch_dir"/{data,tmp,user_files,format_schemas}
    local http_port tcp_port admin_password password ro_password scoped_password
    http_port="$(free_port)"; tcp_port="$(free_port)"
    while [ "$tcp_port" = "$http_port" ]; do tcp_port="$(free_port)"; done
    admin_password="ca-$(secret)"; password="cp-$(secret)"; ro_password="cr-$(secret)"; scoped_password="cs-$(secret)"
    cat > "$ch_dir/config.xml" <<CONF
<?xml version="1.0"?>
<yandex>
  <logger><level>information</level><log>$ch_dir/server.log</log><errorlog>$ch_dir/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>200</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>50</max_concurrent_queries>
  <uncompressed_cache_size>104857600</uncompressed_cache_size>
  <mark_cache_size>104857600</mark_cache_size>
  <path>$ch_dir/data/</path>
  <tmp_path>$ch_dir/tmp/</tmp_path>
  <user_files_path>$ch_dir/user_files/</user_files_path>
  <format_schema_path>$ch_dir/format_schemas/</format_schema_path>
  <users_config>$ch_dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
CONF
    local user
    user() {  # user NAME PASSWORD PROFILE [EXTRA]
        printf '    <%s><password>%s</password><networks><ip>127.0.0.1</ip></networks><profile>%s</profile><quota>default</quota>%s</%s>\n' "$1" "$2" "$3" "${4:-}" "$1"
    }
    {
        echo '<?xml version="1.0"?>'
        echo '<yandex>'
        echo '  <profiles><default><max_memory_usage>1000000000</max_memory_usage></default><readonly><readonly>1</readonly></readonly></profiles>'
        echo '  <users>'
        user default "$admin_password" default
        user preflight "$password" default
        user preflight_ro "$ro_password" readonly
        user preflight_scoped "$scoped_password" default '<allow_databases><database>default</database></allow_databases>'
        echo '  </users>'
        echo '  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>'
        echo '</yandex>'
    } > "$ch_dir/users.xml"
    chmod 600 "$ch_dir/users.xml"
    "$server" --config-file="$ch_dir/config.xml" --pid-file="$ch_dir/clickhouse.pid" --daemon
    local ready=no
    for _ in $(seq 1 150); do
        if python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$http_port/ping', timeout=1).read()==b'Ok.\n' else 1)" 2>/dev/null; then
            ready=yes; break
        fi
        sleep 0.2
    done
    [ "$ready" = yes ] || { echo "[clickhouse] did not start; see $ch_dir/server.err.log" >&2; tail -n 20 "$ch_dir/server.err.log" >&2 || true; exit 1; }
    http "$http_port" default "$admin_password" "CREATE DATABASE IF NOT EXISTS preflight_db" >/dev/null
    local version
    version="$(http "$http_port" default "$admin_password" "SELECT version()")"
    cat >> "$envfile" <<ENV
export PREFLIGHT_TEST_CLICKHOUSE_HOST=127.0.0.1
export PREFLIGHT_TEST_CLICKHOUSE_HTTP_PORT=$http_port
export PREFLIGHT_TEST_CLICKHOUSE_TCP_PORT=$tcp_port
export PREFLIGHT_TEST_CLICKHOUSE_USER=preflight
export PREFLIGHT_TEST_CLICKHOUSE_PASSWORD=$password
export PREFLIGHT_TEST_CLICKHOUSE_READONLY_USER=preflight_ro
export PREFLIGHT_TEST_CLICKHOUSE_READONLY_PASSWORD=$ro_password
export PREFLIGHT_TEST_CLICKHOUSE_SCOPED_USER=preflight_scoped
export PREFLIGHT_TEST_CLICKHOUSE_SCOPED_PASSWORD=$scoped_password
export PREFLIGHT_TEST_CLICKHOUSE_DATABASE=preflight_db
export PREFLIGHT_TEST_CLICKHOUSE_VERSION=$version
ENV
    echo "[clickhouse] $version on 127.0.0.1: HTTP $http_port, native $tcp_port" >&2
}

case "$cmd" in
    deps) install ;;
    start) start "$@" ;;
    stop) stop ;;
    *) echo "usage: $0 deps | start DIR ENVFILE | stop DIR" >&2; exit 2 ;;
esac
