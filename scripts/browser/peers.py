"""Loopback peers for the console's browser tests: a silent port and a hostile banner.

Each runs in a daemon thread of the test process on a random 127.0.0.1 port.
"""

import socket
import threading


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
