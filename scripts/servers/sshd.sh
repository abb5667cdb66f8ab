#!/usr/bin/env bash
# OpenSSH bastions for the SSH-tunnel tests, on random free loopback ports.
#
#   bash scripts/servers/sshd.sh start DIR ENVFILE   # install if missing, start, append exports to ENVFILE
#   bash scripts/servers/sshd.sh stop DIR            # idempotent
#
# Two sshd instances share one Ed25519 host key and one login user (preflight_tunnel):
#   * "fwd":   AllowTcpForwarding yes   (PREFLIGHT_TEST_SSH_PORT)
#   * "nofwd": AllowTcpForwarding no    (PREFLIGHT_TEST_SSH_NOFWD_PORT)
# AuthorizedKeysFile is DIR/ssh/authorized_keys (StrictModes no), re-read at each login, so tests may
# append the public keys the service generates. Client keys made here: Ed25519, ECDSA and RSA (the last
# for the "RSA is not supported" path).
set -euo pipefail

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start DIR ENVFILE | stop DIR" >&2; exit 2; }
ssh_dir="$dir/ssh"
user=preflight_tunnel

stop() {
    for name in fwd nofwd; do
        pidfile="$ssh_dir/sshd_$name.pid"
        if [ -f "$pidfile" ]; then
            pid="$(cat "$pidfile" 2>/dev/null || true)"
            [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
            rm -f "$pidfile"
        fi
    done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start() {
    local envfile="${3:-}"
    [ -n "$envfile" ] || { echo "start needs ENVFILE" >&2; exit 2; }
    if [ ! -x /usr/sbin/sshd ] || ! command -v ssh-keygen >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends openssh-server openssh-client </dev/null >/dev/null
        # The package may start the system sshd on port 22; the tests don't use it.
        command -v systemctl >/dev/null && systemctl stop ssh 2>/dev/null || true
    fi
    stop
    rm -rf "$ssh_dir"
    mkdir -p "$ssh_dir" /run/sshd
    chmod 755 /run/sshd
    id "$user" >/dev/null 2>&1 || useradd -M -d "$ssh_dir" -s /bin/sh "$user"
    usermod -p '*' "$user" >/dev/null   # a locked account (!) may not log in even with keys
    ssh-keygen -q -t ed25519 -N '' -C preflight-test-host -f "$ssh_dir/host_ed25519"
    ssh-keygen -q -t ed25519 -N '' -C preflight-test-client -f "$ssh_dir/client_ed25519"
    ssh-keygen -q -t ecdsa -b 256 -N '' -C preflight-test-ecdsa -f "$ssh_dir/client_ecdsa"
    ssh-keygen -q -t rsa -b 2048 -N '' -C preflight-test-rsa -f "$ssh_dir/client_rsa"
    cat "$ssh_dir/client_ed25519.pub" "$ssh_dir/client_ecdsa.pub" > "$ssh_dir/authorized_keys"
    chmod 666 "$ssh_dir/authorized_keys"
    chmod 755 "$ssh_dir"
    local port_fwd port_nofwd
    for name in fwd nofwd; do
        local port forwarding
        port="$(free_port)"
        forwarding=$([ "$name" = fwd ] && echo yes || echo no)
        cat > "$ssh_dir/sshd_$name.conf" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $ssh_dir/host_ed25519
PidFile $ssh_dir/sshd_$name.pid
AuthorizedKeysFile $ssh_dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowUsers $user
AllowTcpForwarding $forwarding
PermitTTY no
X11Forwarding no
MaxStartups 200:30:400
MaxSessions 50
LogLevel VERBOSE
CONF
        /usr/sbin/sshd -f "$ssh_dir/sshd_$name.conf" -E "$ssh_dir/sshd_$name.log"
        [ "$name" = fwd ] && port_fwd=$port || port_nofwd=$port
    done
    for _ in $(seq 1 50); do
        if python3 - "$port_fwd" "$port_nofwd" <<'PY'
import socket, sys
for p in sys.argv[1:]:
    s = socket.create_connection(("127.0.0.1", int(p)), timeout=0.5); banner = s.recv(64); s.close()
    assert banner.startswith(b"SSH-"), banner
PY
        then break; fi
        sleep 0.1
    done
    local fingerprint
    fingerprint="$(ssh-keygen -l -E sha256 -f "$ssh_dir/host_ed25519.pub" | awk '{print $2}')"
    cat >> "$envfile" <<ENV
export PREFLIGHT_TEST_SSH_HOST=127.0.0.1
export PREFLIGHT_TEST_SSH_PORT=$port_fwd
export PREFLIGHT_TEST_SSH_NOFWD_PORT=$port_nofwd
export PREFLIGHT_TEST_SSH_USER=$user
export PREFLIGHT_TEST_SSH_KEY_FILE=$ssh_dir/client_ed25519
export PREFLIGHT_TEST_SSH_ECDSA_KEY_FILE=$ssh_dir/client_ecdsa
export PREFLIGHT_TEST_SSH_RSA_KEY_FILE=$ssh_dir/client_rsa
export PREFLIGHT_TEST_SSH_AUTHORIZED_KEYS=$ssh_dir/authorized_keys
export PREFLIGHT_TEST_SSH_HOST_FINGERPRINT=$fingerprint
ENV
    echo "[sshd] forwarding on 127.0.0.1:$port_fwd, no forwarding on 127.0.0.1:$port_nofwd, host key $fingerprint" >&2
}

case "$cmd" in
    start) start "$@" ;;
    stop) stop ;;
    *) echo "usage: $0 start DIR ENVFILE | stop DIR" >&2; exit 2 ;;
esac
