#!/usr/bin/env python3
"""A TLS front for a plain-HTTP `preflight serve` (the load balancer that terminates TLS in production),
for the test of `preflight agent` against an https:// control plane.

    python3 scripts/peers/tls_front.py CERT.pem KEY.pem BACKEND_PORT

Listens on a random loopback port with CERT/KEY (Python's ssl module, TLS 1.2 and up), prints
`listening PORT` once, and relays each connection's decrypted bytes to 127.0.0.1:BACKEND_PORT and back.
Standard library only; runs until killed.
"""
import socket
import ssl
import sys
import threading

from byte_relay import both_ways


def handle(raw, context, backend):
    try:
        client = context.wrap_socket(raw, server_side=True)
    except (OSError, ssl.SSLError):
        raw.close()
        return
    try:
        upstream = socket.create_connection(("127.0.0.1", backend), timeout=10)
        upstream.settimeout(None)
    except OSError:
        client.close()
        return
    both_ways(client, upstream)


def main():
    cert, key, backend = sys.argv[1], sys.argv[2], int(sys.argv[3])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    sys.stdout.write("listening %d\n" % server.getsockname()[1])
    sys.stdout.flush()
    while True:
        raw, _ = server.accept()
        threading.Thread(target=handle, args=(raw, context, backend), daemon=True).start()


if __name__ == "__main__":
    main()
