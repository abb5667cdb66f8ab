#!/usr/bin/env python3
"""Captures real peer bytes from local test servers into Fuzz/seeds/<target>/real-*.

Only unauthenticated exchanges: greetings, banners, the answer to PostgreSQL's SSLRequest, a MySQL
login with an account that does not exist, Redis commands without AUTH, HTTP requests without
credentials. Usage (loopback ports of servers started by scripts/test-servers.sh or by hand):

    python3 Fuzz/seeds/capture.py --mysql PORT --redis PORT --postgres PORT --http PORT --ssh PORT
"""
import argparse
import os
import socket
import struct
import time

CORPUS = os.path.dirname(os.path.abspath(__file__))


def save(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, "real-" + name), "wb") as f:
        f.write(data)
    print(f"{target}/real-{name}: {len(data)} bytes")


def talk(port, send=b"", wait=0.7, first_wait=0.7):
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    got = b""
    try:
        time.sleep(first_wait)
        s.settimeout(0.3)
        try:
            got += s.recv(65536)
        except socket.timeout:
            pass
        if send:
            s.sendall(send)
            deadline = time.time() + wait
            while time.time() < deadline:
                try:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
                except socket.timeout:
                    pass
    finally:
        s.close()
    return got


def mysql(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    greeting = s.recv(65536)
    save("FuzzMySQLPackets", "greeting", b"\x00" + greeting)
    save("FuzzSniffer", "mysql-greeting", b"\x00" + greeting)
    # HandshakeResponse41 for a user that does not exist, announcing caching_sha2 with a dummy answer.
    caps = 0x00000200 | 0x00008000 | 0x00080000 | 0x00000001 | 0x00200000
    body = struct.pack("<IIB", caps, 1 << 24, 45) + b"\x00" * 23
    body += b"preflight_fuzz_nobody\x00" + bytes([32]) + b"\x11" * 32 + b"caching_sha2_password\x00"
    s.sendall(struct.pack("<I", len(body))[:3] + b"\x01" + body)
    time.sleep(0.5)
    s.settimeout(0.5)
    answer = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    except socket.timeout:
        pass
    s.close()
    save("FuzzMySQLPackets", "login-unknown-user", b"\x00" + answer)
    # As the authenticator sees it: caching_sha2 announced, TLS off, a password.
    save("FuzzMySQLAuth", "login-unknown-user", b"\x01" + answer)


def redis(port):
    save("FuzzRESP", "ping", talk(port, b"PING\r\n", first_wait=0.1))
    save("FuzzRESP", "hello3", talk(port, b"HELLO 3\r\n", first_wait=0.1))
    save("FuzzRESP", "info-server", talk(port, b"INFO server\r\n", first_wait=0.1))
    save("FuzzSniffer", "redis-ping", b"\x00" + talk(port, b"PING\r\n", first_wait=0.1))


def postgres(port):
    save("FuzzSniffer", "postgres-ssl-answer", b"\x00" + talk(port, struct.pack(">II", 8, 80877103), first_wait=0.1))
    startup = struct.pack(">I", 196608) + b"user\x00preflight_fuzz_nobody\x00database\x00nodb\x00\x00"
    save("FuzzSniffer", "postgres-startup-answer", b"\x00" + talk(port, struct.pack(">I", len(startup) + 4) + startup, first_wait=0.1))


def http(port):
    for name, request in [
        ("ping", b"GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        ("query-no-auth", b"GET /?query=SELECT%201 HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        ("not-found", b"GET /nothing-here HTTP/1.1\r\nHost: localhost\r\n\r\n"),
    ]:
        answer = talk(port, request, first_wait=0.1)
        save("FuzzHTTPResponse", name, b"\x00" + answer)
        save("FuzzSniffer", "http-" + name, b"\x00" + answer)


def ssh(port):
    save("FuzzSniffer", "ssh-banner", b"\x00" + talk(port, first_wait=0.7))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for name in ["mysql", "redis", "postgres", "http", "ssh"]:
        parser.add_argument("--" + name, type=int)
    args = parser.parse_args()
    for name, function in [("mysql", mysql), ("redis", redis), ("postgres", postgres), ("http", http), ("ssh", ssh)]:
        port = getattr(args, name)
        if port:
            function(port)
