#!/usr/bin/env python3
"""Baseline for `preflight bench` against MySQL/MariaDB: N x (connect + authenticate + COM_QUIT/close)
with PyMySQL at concurrency C (a thread per concurrent connection: PyMySQL is synchronous).

Prints one JSON line, the shape `preflight bench --json` prints:
  {"client":"pymysql","n":..,"concurrency":..,"pings_per_s":..,"p50_ms":..,"p99_ms":..,"peak_rss_mb":..,
   "max_ms":..,"ok":..,"errors":{...},"wall_s":..,"pymysql":"1.x"}
Latency percentiles are over successful connections; pings_per_s is successful ones / wall-clock seconds.

  python3 -m venv ~/.cache/preflight-bench-venv && ~/.cache/preflight-bench-venv/bin/pip install PyMySQL
  ~/.cache/preflight-bench-venv/bin/python bench/pymysql_connect.py --port 3306 --user u --password p \
      --database appdb --ssl-mode disable --n 200 --concurrency 1
"""
import argparse
import collections
import json
import math
import resource
import ssl
import sys
import threading
import time

import pymysql


# The statements a Preflight mysql ping runs after logging in (Sources/PreflightMySQL/MySQLProbe.swift).
READINESS_QUERIES = [
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'version_comment', 'log_bin', 'binlog_format', "
    "'binlog_row_image', 'binlog_expire_logs_seconds', 'expire_logs_days', 'gtid_mode', 'enforce_gtid_consistency', "
    "'gtid_strict_mode', 'gtid_current_pos', 'aurora_version', 'basedir', 'server_id', 'read_only')",
    "SHOW GRANTS",
    "SELECT CURRENT_USER()",
]


def percentile(sorted_values, q):
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def ssl_argument(mode, ca):
    if mode == "disable":
        return None
    if mode in ("verify-ca", "verify-full"):
        ctx = ssl.create_default_context(cafile=ca)
        ctx.check_hostname = mode == "verify-full"
        return ctx
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", default="")
    p.add_argument("--database", default=None)
    p.add_argument("--ssl-mode", default="disable", choices=["disable", "require", "verify-ca", "verify-full"])
    p.add_argument("--ssl-ca", default=None, help="CA PEM for verify-ca / verify-full")
    p.add_argument("--n", "--count", dest="n", type=int, default=200)
    p.add_argument("--concurrency", "-c", type=int, default=1)
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per connect")
    p.add_argument("--readiness", action="store_true",
                   help="also run the read-only queries a Preflight ping runs (SHOW GLOBAL VARIABLES ..., SHOW GRANTS, "
                        "SELECT CURRENT_USER()), so that the work per connection matches `preflight bench`")
    p.add_argument("--verbose", "-v", action="store_true")
    args = p.parse_args()
    if args.n < 1 or args.concurrency < 1:
        p.error("--n and --concurrency must be >= 1")
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        p.error("benchmarks only target loopback (127.0.0.1, ::1, localhost)")

    ssl_arg = ssl_argument(args.ssl_mode, args.ssl_ca)
    latencies = []
    errors = collections.Counter()
    lock = threading.Lock()
    next_index = [0]

    def one():
        start = time.perf_counter()
        # ssl_disabled: without it PyMySQL builds a default SSL context (loading the system CA store,
        # ~25 ms) on every connect even when no TLS is asked for.
        conn = pymysql.connect(host=args.host, port=args.port, user=args.user, password=args.password,
                               database=args.database, connect_timeout=args.timeout, ssl=ssl_arg,
                               ssl_disabled=ssl_arg is None)
        if args.readiness:
            with conn.cursor() as cur:
                for sql in READINESS_QUERIES:
                    cur.execute(sql)
                    cur.fetchall()
        conn.close()  # sends COM_QUIT
        return (time.perf_counter() - start) * 1000.0

    def worker():
        while True:
            with lock:
                if next_index[0] >= args.n:
                    return
                next_index[0] += 1
            try:
                ms = one()
                with lock:
                    latencies.append(ms)
            except Exception as e:  # noqa: BLE001 - counted by kind, the run goes on
                with lock:
                    errors[type(e).__name__] += 1
                if args.verbose:
                    print(f"error: {type(e).__name__}: {e}", file=sys.stderr)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(min(args.concurrency, args.n))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0

    latencies.sort()
    r = lambda v: None if v is None else round(v, 3)  # noqa: E731
    result = {
        "client": "pymysql",
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
        "readiness_queries": args.readiness,
        "pymysql": pymysql.__version__,
    }
    print(json.dumps(result), flush=True)
    return 0 if result["ok"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
