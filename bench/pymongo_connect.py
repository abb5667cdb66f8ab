#!/usr/bin/env python3
"""Baseline for `preflight bench` on MongoDB: N x (connect + authenticate + hello + close) with pymongo
at concurrency C (threads: pymongo is synchronous).

Prints one JSON line:
  {"client":"pymongo","n":..,"concurrency":..,"pings_per_s":..,"p50_ms":..,"p99_ms":..,"peak_rss_mb":..,
   "max_ms":..,"ok":..,"errors":{...},"wall_s":..,"pymongo":".."}
Latency percentiles are over successful pings; pings_per_s is successful pings / wall-clock seconds.

pymongo comes from PyPI into a venv under ~/.cache (scripts/servers/mongo.sh makes the same one):
  python3 -m venv ~/.cache/preflight-mongo-venv && ~/.cache/preflight-mongo-venv/bin/pip install pymongo
  ~/.cache/preflight-mongo-venv/bin/python bench/pymongo_connect.py --port 27017 --user u --password p \
      --n 200 --concurrency 1
"""
import argparse
import collections
import json
import math
import resource
import sys
import threading
import time

try:
    import pymongo
    from pymongo import MongoClient
except ImportError:  # pragma: no cover - says how to get it
    sys.exit("pymongo is missing: python3 -m venv ~/.cache/preflight-mongo-venv && "
             "~/.cache/preflight-mongo-venv/bin/pip install pymongo, then run this with that venv's python")


def percentile(sorted_values, q):
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def client_options(args):
    options = {
        "host": args.host, "port": args.port, "directConnection": True,
        "serverSelectionTimeoutMS": int(args.timeout * 1000), "connectTimeoutMS": int(args.timeout * 1000),
        "socketTimeoutMS": int(args.timeout * 1000), "maxPoolSize": 1, "appname": "pymongo-bench",
    }
    if args.user:
        options.update(username=args.user, password=args.password, authSource=args.auth_source)
        if args.auth_mechanism:
            options["authMechanism"] = args.auth_mechanism
    if args.tls:
        options["tls"] = True
        if args.tls_ca_file:
            options["tlsCAFile"] = args.tls_ca_file
        if args.tls_insecure:
            options["tlsInsecure"] = True
    return options


def run(args):
    options = client_options(args)
    latencies = []
    errors = collections.Counter()
    lock = threading.Lock()
    counter = iter(range(args.n))

    def one():
        start = time.perf_counter()
        client = MongoClient(**options)
        try:
            # The first command checks out a connection: TCP (+TLS), the handshake, then SCRAM.
            client.admin.command("hello")
            if args.readiness:
                # What a Preflight mongodb ping asks after logging in (MongoProbe+Readiness.swift): the build,
                # then a change stream opened with batchSize 0 (an error on a standalone server is an answer too).
                client.admin.command("buildInfo")
                try:
                    client.admin.command({"aggregate": 1, "pipeline": [{"$changeStream": {"allChangesForCluster": True}}],
                                          "cursor": {"batchSize": 0}})
                except pymongo.errors.OperationFailure:
                    pass
        finally:
            client.close()
        return (time.perf_counter() - start) * 1000.0

    def worker():
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            try:
                latency = one()
                with lock:
                    latencies.append(latency)
            except Exception as e:  # noqa: BLE001 - counted by kind, the run goes on
                with lock:
                    errors[type(e).__name__] += 1
                if args.verbose:
                    print(f"error: {type(e).__name__}: {e}", file=sys.stderr)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(min(args.concurrency, args.n))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - t0

    latencies.sort()
    r = lambda v: None if v is None else round(v, 3)  # noqa: E731
    return {
        "client": "pymongo" + ("+readiness" if args.readiness else ""),
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
        "pymongo": pymongo.version,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", default=None)
    p.add_argument("--password", default="")
    p.add_argument("--auth-source", default="admin")
    p.add_argument("--auth-mechanism", default=None, choices=[None, "SCRAM-SHA-1", "SCRAM-SHA-256"])
    p.add_argument("--tls", action="store_true")
    p.add_argument("--tls-ca-file", default=None)
    p.add_argument("--tls-insecure", action="store_true")
    p.add_argument("--n", "--count", dest="n", type=int, default=200)
    p.add_argument("--concurrency", "-c", type=int, default=1)
    p.add_argument("--timeout", type=float, default=10.0, help="seconds for connect, server selection and each command")
    p.add_argument("--readiness", action="store_true", help="also the commands a Preflight ping sends after logging in")
    p.add_argument("--verbose", "-v", action="store_true")
    args = p.parse_args()
    if args.n < 1 or args.concurrency < 1:
        p.error("--n and --concurrency must be >= 1")
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        p.error("benchmarks only target loopback (127.0.0.1, ::1, localhost)")
    result = run(args)
    print(json.dumps(result), flush=True)
    return 0 if result["ok"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
