#!/usr/bin/env python3
"""The bastion's own handshake cost, measured with another SSH client library: N x asyncssh connecting to the
bastion (TCP, key exchange, public-key auth), then opening a direct-tcpip channel to HOST:PORT and closing, one
at a time, in one Python process (no process start, unlike `ssh -W`). Prints one JSON line like the other
clients: p50/p99/max in ms of connect+kex+auth, and p50 of the whole including the channel.

  python3 bench/asyncssh_connect.py --port SSH_PORT --user USER --key KEY_FILE --target 127.0.0.1:5432 [--n 50]
"""
import argparse
import asyncio
import json
import time
import warnings

warnings.filterwarnings("ignore")
import asyncssh  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--user", required=True)
p.add_argument("--key", required=True)
p.add_argument("--target", required=True)
p.add_argument("--n", type=int, default=50)
args = p.parse_args()
host, port = args.target.rsplit(":", 1)


async def once():
    t = time.perf_counter()
    conn = await asyncssh.connect("127.0.0.1", args.port, username=args.user, client_keys=[args.key],
                                  known_hosts=None, agent_path=None)
    authenticated = time.perf_counter()
    _, writer = await conn.open_connection(host, int(port))
    opened = time.perf_counter()
    writer.close()
    conn.close()
    await conn.wait_closed()
    return (authenticated - t) * 1000, (opened - t) * 1000


async def main():
    auth, whole, failures = [], [], 0
    for _ in range(args.n):
        try:
            a, w = await once()
            auth.append(a)
            whole.append(w)
        except Exception:  # noqa: BLE001
            failures += 1
    auth.sort()
    whole.sort()
    pct = lambda xs, q: round(xs[min(len(xs) - 1, int(q / 100 * len(xs)))], 3) if xs else None  # noqa: E731
    print(json.dumps({"client": "asyncssh", "n": args.n, "ok": len(auth), "failures": failures,
                      "p50_ms": pct(auth, 50), "p99_ms": pct(auth, 99), "max_ms": round(auth[-1], 3) if auth else None,
                      "p50_with_channel_ms": pct(whole, 50), "version": asyncssh.__version__}))


asyncio.run(main())
