"""Loopback peers for the console's browser tests: a silent port, a hostile SSH banner, a hostile PostgreSQL error.

Each runs in a daemon thread of the test process on a random 127.0.0.1 port.
"""

import socket
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "peers"))
import byte_relay  # noqa: E402  (scripts/peers: the relay the other test peers share)


class Peer:
    """Accepts connections on 127.0.0.1:<random>; `greeting` (bytes or None) is sent on accept, then
    the connection is held open without another byte until the peer is closed."""

    def __init__(self, greeting=None):
        self.greeting = greeting
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.accepted = 0
        self.closed = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)
            if self.greeting is not None:
                try:
                    conn.sendall(self.greeting)
                except OSError:
                    pass

    def close(self):
        self.closed = True
        for conn in self.held:
            try:
                conn.close()
            except OSError:
                pass
        try:
            self.sock.close()
        except OSError:
            pass


def silent():
    """A port that accepts and never says anything (a stalled server)."""
    return Peer(None)


XSS_PAYLOAD = "<img src=x onerror=window.__xss=1>"


def hostile_ssh_banner():
    """A port that greets like an SSH server whose version text is markup meant to run in a page."""
    return Peer(("SSH-2.0-" + XSS_PAYLOAD + "\r\n").encode())


def _read_message(conn):
    """One PostgreSQL startup-phase message (int32 length first), or None when the client went away."""
    data = b""
    while len(data) < 4:
        part = conn.recv(4 - len(data))
        if not part:
            return None
        data += part
    length = int.from_bytes(data, "big")
    body = b""
    while len(body) < length - 4:
        part = conn.recv(length - 4 - len(body))
        if not part:
            return None
        body += part
    return data + body


class HostilePostgres(Peer):
    """Speaks PostgreSQL's startup just far enough to refuse the login with an ErrorResponse whose message
    is markup: it declines TLS ('N' to the SSLRequest), then answers the StartupMessage with FATAL 28000."""

    def __init__(self):
        super().__init__(None)

    def _serve(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    @staticmethod
    def _talk(conn):
        try:
            first = _read_message(conn)
            if first is not None and first[4:8] == (80877103).to_bytes(4, "big"):  # SSLRequest
                conn.sendall(b"N")
                first = _read_message(conn)
            if first is None:
                return
            text = "no pg_hba.conf entry for " + XSS_PAYLOAD
            fields = b"SFATAL\0VFATAL\0C28000\0M" + text.encode() + b"\0\0"
            conn.sendall(b"E" + (len(fields) + 4).to_bytes(4, "big") + fields)
        except OSError:
            pass


def hostile_postgres_error():
    """A PostgreSQL-shaped peer whose error message is markup meant to run in a page."""
    return HostilePostgres()


class LatencyRelay:
    """Relays 127.0.0.1:<random> to a real server, holding each chunk the server sends for `delay`
    seconds, as a network between the service and a database would: on loopback a whole ping ends in a
    few milliseconds and its step events reach the browser in one read, so a timeline could not show
    steps arriving one by one."""

    def __init__(self, host, port, delay=0.03):
        self.target = (host, int(port))
        self.delay = delay
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            threading.Thread(target=byte_relay.relay, args=(client, upstream), daemon=True).start()
            threading.Thread(target=byte_relay.relay, args=(upstream, client, self.delay), daemon=True).start()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
