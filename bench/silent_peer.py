#!/usr/bin/env python3
"""A TCP peer that accepts connections on 127.0.0.1 and never sends a byte (for timeout benchmarks).

  python3 bench/silent_peer.py [PORT] [--max-seconds S]

PORT 0 (the default) picks a free port. The first line on stdout is the port, then it serves until
SIGTERM/SIGINT or --max-seconds (default 900) pass, so it always stops by itself. Connections are
kept open (whatever the client sends is read and dropped) until the client closes them. On exit it
prints a summary line to stderr.
"""
import argparse
import asyncio
import resource
import signal
import sys


async def main(port, max_seconds, backlog):
    stats = {"accepted": 0, "open": 0, "peak_open": 0, "bytes_in": 0}

    async def handle(reader, writer):
        stats["accepted"] += 1
        stats["open"] += 1
        stats["peak_open"] = max(stats["peak_open"], stats["open"])
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                stats["bytes_in"] += len(data)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            stats["open"] -= 1
            writer.transport.abort()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=backlog, reuse_address=True)
    print(server.sockets[0].getsockname()[1], flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), max_seconds)
    except asyncio.TimeoutError:
        pass
    server.close()
    print(f"silent_peer: accepted={stats['accepted']} peak_open={stats['peak_open']} "
          f"bytes_in={stats['bytes_in']}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("port", nargs="?", type=int, default=0)
    p.add_argument("--max-seconds", type=float, default=900.0)
    p.add_argument("--backlog", type=int, default=4096)
    a = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass
    asyncio.run(main(a.port, a.max_seconds, a.backlog))
