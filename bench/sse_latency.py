#!/usr/bin/env python3
"""How long a ping's step event takes to reach a client: peer byte sent -> SSE event received, loopback.

  python3 bench/sse_latency.py --base http://127.0.0.1:PORT --key arsk_... [--pings 100] [--gap-ms 30] [--browser]

`preflight serve` must run with --allow-loopback. A PostgreSQL-shaped peer in this process decides when
three steps end, and notes the time (time.monotonic) of the act that ends each one:
  connect  its accept() returning (the TCP handshake is complete);
  tls      its 'N' answer to the SSLRequest, sent --gap-ms after the request arrived;
  auth     its ErrorResponse (28P01) to the StartupMessage, sent --gap-ms after it arrived.
The client, in the same process, reads the stream from a raw socket and notes when each `event: step`
arrives; the delay per step is arrival - act: the server's work after the peer's byte (parsing, the
report's step, the SSE write) plus loopback and this interpreter's scheduling, so an upper bound of
the server-to-client time. Prints p50/p90/p99/max per step and over all, in milliseconds, as JSON.

--browser: the client is the console's own api.js (fetch and its SSE reader) in headless Chromium
(Playwright, /usr/bin/chromium); arrival is the page's performance.timeOrigin + now(), the acts are
time.time(): the same machine's wall clock on both sides.
"""

import argparse
import json
import socket
import struct
import threading
import time
import urllib.parse


class Peer:
    def __init__(self, gap, clock):
        self.gap = gap
        self.clock = clock
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.acts = []  # one dict per connection: step -> time of the act that ends it
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            conn, _ = self.sock.accept()
            acts = {"connect": self.clock()}
            self.acts.append(acts)
            threading.Thread(target=self.talk, args=(conn, acts), daemon=True).start()

    @staticmethod
    def read_message(conn):
        head = b""
        while len(head) < 4:
            part = conn.recv(4 - len(head))
            if not part:
                return None
            head += part
        (length,) = struct.unpack("!I", head)
        body = b""
        while len(body) < length - 4:
            part = conn.recv(length - 4 - len(body))
            if not part:
                return None
            body += part
        return body

    def talk(self, conn, acts):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            first = self.read_message(conn)
            if first is not None and first[:4] == struct.pack("!I", 80877103):  # SSLRequest
                time.sleep(self.gap)
                acts["tls"] = self.clock()
                conn.sendall(b"N")
                first = self.read_message(conn)
            if first is None:
                return
            time.sleep(self.gap)
            fields = b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user \"bench\"\0\0"
            acts["auth"] = self.clock()
            conn.sendall(b"E" + struct.pack("!I", len(fields) + 4) + fields)
            time.sleep(0.5)
        finally:
            conn.close()


def stream(base, key, payload):
    """Posts the ping and answers [(time received, event name, data)] of every step event."""
    url = urllib.parse.urlparse(base)
    body = json.dumps(payload).encode()
    conn = socket.create_connection((url.hostname, url.port))
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.sendall((f"POST /connectors/ping HTTP/1.1\r\nHost: {url.hostname}\r\nAuthorization: Bearer {key}\r\n"
                  f"Accept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                  "Connection: close\r\n\r\n").encode() + body)
    events, buffer = [], b""
    while True:
        data = conn.recv(65536)
        now = time.monotonic()
        if not data:
            break
        buffer += data
        while b"\n\n" in buffer:
            block, buffer = buffer.split(b"\n\n", 1)
            lines = block.decode(errors="replace").split("\n")
            name = next((l[7:] for l in lines if l.startswith("event: ")), None)
            payload_line = next((l[6:] for l in lines if l.startswith("data: ")), None)
            if name and payload_line:
                events.append((now, name, json.loads(payload_line)))
        if any(name == "report" for _, name, _ in events):
            break
    conn.close()
    return events


BROWSER_PINGS = """async ([key, payloads]) => {
  const { Api } = await import('/console/api.js');
  const api = new Api(key);
  const runs = [];
  for (const payload of payloads) {
    const events = [];
    await api.ping(payload, (name, data) => events.push([(performance.timeOrigin + performance.now()) / 1000, name, data]));
    runs.push(events);
  }
  return runs;
}"""


def browser_runs(base, key, payloads):
    """Runs the pings from the console's page in headless Chromium; answers each one's events."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(base + "/")
        runs = page.evaluate(BROWSER_PINGS, [key, payloads])
        browser.close()
    return runs


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--pings", type=int, default=100)
    parser.add_argument("--gap-ms", type=float, default=30)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    peer = Peer(args.gap_ms / 1000, time.time if args.browser else time.monotonic)
    delays = {"connect": [], "tls": [], "auth": []}
    payload = {"type": "postgresql", "sharedConfig": {"host": "127.0.0.1", "port": peer.port, "user": "bench",
                                                       "password": "bench-password"}, "timeoutSeconds": 5}
    if args.browser:
        runs = browser_runs(args.base, args.key, [payload] * args.pings)
    else:
        runs = [stream(args.base, args.key, payload) for _ in range(args.pings)]
    for i, events in enumerate(runs):
        acts = peer.acts[i]
        for received, name, data in events:
            if name == "step" and data.get("name") in acts:
                delays[data["name"]].append((received - acts[data["name"]]) * 1000)
    everything = [d for values in delays.values() for d in values]
    summary = {"pings": args.pings, "samples": len(everything)}
    for label, values in list(delays.items()) + [("all", everything)]:
        if values:
            summary[label] = {"n": len(values), "p50": round(percentile(values, 50), 2), "p90": round(percentile(values, 90), 2),
                              "p99": round(percentile(values, 99), 2), "max": round(max(values), 2)}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
