#!/usr/bin/env python3
"""A small HTTP CONNECT proxy on loopback, for the test of `preflight agent` behind `HTTPS_PROXY`.

    python3 scripts/peers/connect_proxy.py

Prints `listening PORT` once, then one line per request it receives: `CONNECT host:port` for each
tunnel it opens (then relays bytes both ways, without reading them: TLS runs end to end through it), or
`REFUSED METHOD target` for anything else (answered 405). Standard library only; runs until killed.
"""
import socket
import sys
import threading

from byte_relay import both_ways


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def handle(client):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = client.recv(4096)
        if not chunk or len(head) > 65536:
            client.close()
            return
        head += chunk
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = request_line.split(" ")
    if len(parts) != 3 or parts[0] != "CONNECT":
        say("REFUSED %s %s" % (parts[0] if parts else "?", parts[1] if len(parts) > 1 else "?"))
        client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        client.close()
        return
    target = parts[1]
    host, _, port = target.rpartition(":")
    say("CONNECT " + target)
    try:
        upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        upstream.settimeout(None)
    except (OSError, ValueError):
        client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        client.close()
        return
    client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
    rest = head.split(b"\r\n\r\n", 1)[1]
    if rest:
        upstream.sendall(rest)
    both_ways(client, upstream)


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    say("listening %d" % server.getsockname()[1])
    while True:
        client, _ = server.accept()
        threading.Thread(target=handle, args=(client,), daemon=True).start()


if __name__ == "__main__":
    main()
