#!/usr/bin/env python3
"""Baseline for the oracle ping at stage 2 (listener and login): N x python-oracledb thin-mode
connect + login + close against a database (the scripted one) at concurrency C (a thread per concurrent
connection): TCP connect, TNS CONNECT/ACCEPT, protocol negotiation, data types, O5LOGON (the 12c
verifier: PBKDF2-SHA512, 4096 rounds), LOGOFF: the exchanges a Preflight oracle ping makes.
The password is read from the environment variable ORACLE_BENCH_PASSWORD; with --queries, each attempt
also runs the SQL statements of the JSON list in ORACLE_BENCH_QUERIES (Preflight's readiness queries)
before closing, as a Preflight ping does.

Prints one JSON line: {"client":"oracledb","n":..,"concurrency":..,"p50_ms":..,"p99_ms":..,
"peak_rss_mb":..,"logged_in":..,"errors":{...},"wall_s":..}

  ORACLE_BENCH_PASSWORD=... python3 bench/oracledb_login.py --port PORT --n 200 --concurrency 1
"""
import argparse
import collections
import json
import math
import os
import resource
import threading
import time

import oracledb


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--service", default="FREEPDB1")
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--concurrency", "-c", type=int, default=1)
    p.add_argument("--user", default="artie")
    p.add_argument("--queries", action="store_true")
    args = p.parse_args()
    password = os.environ["ORACLE_BENCH_PASSWORD"]
    queries = json.loads(os.environ.get("ORACLE_BENCH_QUERIES", "[]")) if args.queries else []
    latencies, errors = [], collections.Counter()
    lock = threading.Lock()
    next_index = [0]

    def worker():
        while True:
            with lock:
                if next_index[0] >= args.n:
                    return
                next_index[0] += 1
            start = time.perf_counter()
            try:
                connection = oracledb.connect(user=args.user, password=password, host="127.0.0.1", port=args.port,
                                              service_name=args.service, tcp_connect_timeout=10, retry_count=0)
                for sql in queries:
                    with connection.cursor() as cursor:
                        cursor.execute(sql)
                        cursor.fetchall()
                connection.close()
                kind = "connected"
            except oracledb.Error as e:
                kind = e.args[0].full_code
            ms = (time.perf_counter() - start) * 1000.0
            with lock:
                if kind == "connected":
                    latencies.append(ms)
                else:
                    errors[kind] += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(min(args.concurrency, args.n))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    print(json.dumps({
        "client": "oracledb" + ("+queries" if queries else ""), "version": oracledb.__version__, "n": args.n, "concurrency": args.concurrency,
        "p50_ms": round(percentile(latencies, 50) or 0, 3), "p99_ms": round(percentile(latencies, 99) or 0, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "logged_in": len(latencies), "errors": dict(errors), "wall_s": round(wall, 3),
    }))


if __name__ == "__main__":
    main()
