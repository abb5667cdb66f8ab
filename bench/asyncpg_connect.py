#!/usr/bin/env python3
"""Baseline for `preflight bench`: N x (connect + authenticate + close) with asyncpg at concurrency C.

Prints one JSON line:
  {"client":"asyncpg","n":..,"concurrency":..,"pings_per_s":..,"p50_ms":..,"p99_ms":..,"peak_rss_mb":..,
   "max_ms":..,"ok":..,"errors":{...},"wall_s":..}
Latency percentiles are over successful pings; pings_per_s is successful pings / wall-clock seconds.

  python3 bench/asyncpg_connect.py --host 127.0.0.1 --port 5432 --user u --password p \
      --database postgres --sslmode disable --n 200 --concurrency 1
"""
import argparse
import asyncio
import collections
import json
import math
import resource
import ssl
import sys
import os
import re
import time

import asyncpg


def readiness_queries():
    """The readiness statements a Preflight postgresql ping runs, read from its source
    (Sources/PreflightPostgres/PostgresQueries.swift) so the two never drift apart."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "PreflightPostgres",
                        "PostgresQueries.swift")
    text = open(path).read()
    return [re.sub(r"\s+", " ", block).strip() for block in re.findall(r'sql: """\n(.*?)"""', text, re.S)]


def percentile(sorted_values, q):
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def ssl_argument(sslmode, rootcert):
    if sslmode in ("verify-ca", "verify-full"):
        if not rootcert:
            return sslmode  # asyncpg then uses the system store / PGSSLROOTCERT
        ctx = ssl.create_default_context(cafile=rootcert)
        ctx.check_hostname = sslmode == "verify-full"
        return ctx
    return sslmode  # disable, allow, prefer, require: asyncpg understands the libpq names


async def run(args):
    ssl_arg = ssl_argument(args.sslmode, args.sslrootcert)
    latencies = []
    errors = collections.Counter()
    next_index = 0
    queries = readiness_queries() if args.queries else []

    async def one():
        start = time.perf_counter()
        conn = await asyncpg.connect(
            host=args.host, port=args.port, user=args.user, password=args.password,
            database=args.database, ssl=ssl_arg, timeout=args.timeout,
        )
        for statement in queries:
            await conn.execute(statement)
        await conn.close(timeout=args.timeout)
        return (time.perf_counter() - start) * 1000.0

    async def worker():
        nonlocal next_index
        while next_index < args.n:
            next_index += 1
            try:
                latencies.append(await asyncio.wait_for(one(), args.timeout * 2))
            except Exception as e:  # noqa: BLE001 - counted by kind, the run goes on
                errors[type(e).__name__] += 1
                if args.verbose:
                    print(f"error: {type(e).__name__}: {e}", file=sys.stderr)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(args.concurrency, args.n))))
    wall = time.perf_counter() - t0

    latencies.sort()
    r = lambda v: None if v is None else round(v, 3)  # noqa: E731
    return {
        "client": "asyncpg" + (f"+{len(queries)} queries" if queries else ""),
        "n": args.n,
        "concurrency": args.concurrency,
        "pings_per_s": round(len(latencies) / wall, 2) if wall > 0 else None,
        "p50_ms": r(percentile(latencies, 50)),
        "p99_ms": r(percentile(latencies, 99)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "max_ms": r(latencies[-1] if latencies else None),
        "ok": len(latencies),
        "errors": dict(errors),
        "wall_s": round(wall, 3),
        "asyncpg": asyncpg.__version__,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", default="")
    p.add_argument("--database", default="postgres")
    p.add_argument("--sslmode", default="disable",
                   choices=["disable", "allow", "prefer", "require", "verify-ca", "verify-full"])
    p.add_argument("--sslrootcert", default=None, help="CA PEM for verify-ca / verify-full")
    p.add_argument("--n", "--count", dest="n", type=int, default=200)
    p.add_argument("--concurrency", "-c", type=int, default=1)
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per connect (and per close)")
    p.add_argument("--queries", action="store_true",
                   help="after logging in, run the readiness statements a Preflight ping runs, one round trip each")
    p.add_argument("--verbose", "-v", action="store_true")
    args = p.parse_args()
    if args.n < 1 or args.concurrency < 1:
        p.error("--n and --concurrency must be >= 1")
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        p.error("benchmarks only target loopback (127.0.0.1, ::1, localhost)")
    result = asyncio.run(run(args))
    print(json.dumps(result), flush=True)
    return 0 if result["ok"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
