#!/usr/bin/env python3
"""Baselines for `preflight bench` against the warehouse/cloud peers that run here, done by well-known clients:

  redis       redis-py: connect, HELLO 3 AUTH, SELECT db, PING, close            (Preflight: auth, select, ping)
  s3          boto3 against moto: a new client, ListBuckets, HeadBucket, close   (Preflight: list_buckets, head_bucket)
  dynamodb    boto3 against moto: a new client, DescribeStream, close            (Preflight: describe_stream)
  clickhouse  requests: GET /ping, then SELECT version() with the user's headers (Preflight: ping, auth)

Each iteration opens its own connection(s), as a Preflight ping does. Prints one JSON line in the shape
`preflight bench --json` prints: {"client","n","concurrency","pings_per_s","p50_ms","p99_ms","max_ms","peak_rss_mb",
"ok","errors","wall_s"}. Only loopback targets are allowed.
"""
import argparse
import collections
import json
import math
import resource
import sys
import threading
import time


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def make_work(args):
    if args.kind == "redis":
        import redis
        version = redis.__version__

        def one():
            client = redis.Redis(host=args.host, port=args.port, username=args.user or None, password=args.password or None,
                                 db=args.database, protocol=3, socket_timeout=args.timeout, single_connection_client=True)
            client.ping()
            client.close()
        return one, "redis-py", version
    if args.kind in ("s3", "dynamodb"):
        import boto3
        import botocore
        from botocore.config import Config
        config = Config(retries={"max_attempts": 1}, connect_timeout=args.timeout, read_timeout=args.timeout)

        def one():
            service = "s3" if args.kind == "s3" else "dynamodbstreams"
            client = boto3.client(service, endpoint_url=args.endpoint, region_name=args.region,
                                  aws_access_key_id=args.access_key, aws_secret_access_key=args.secret_key, config=config)
            if args.kind == "s3":
                client.list_buckets()
                if args.bucket:
                    client.head_bucket(Bucket=args.bucket)
            else:
                client.describe_stream(StreamArn=args.stream_arn)
            client.close()
        return one, "boto3", boto3.__version__ + "/botocore " + botocore.__version__
    if args.kind == "clickhouse":
        import requests

        def one():
            with requests.Session() as session:
                base = f"http://{args.host}:{args.port}"
                r = session.get(base + "/ping", timeout=args.timeout)
                r.raise_for_status()
                r = session.post(base + "/", data="SELECT version()", timeout=args.timeout,
                                 headers={"X-ClickHouse-User": args.user, "X-ClickHouse-Key": args.password})
                r.raise_for_status()
        return one, "requests", requests.__version__
    raise SystemExit(f"unknown kind {args.kind}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kind", required=True, choices=["redis", "s3", "dynamodb", "clickhouse"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int)
    p.add_argument("--user", default="")
    p.add_argument("--password", default="")
    p.add_argument("--database", type=int, default=0)
    p.add_argument("--endpoint", help="AWS endpoint URL (moto)")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--access-key")
    p.add_argument("--secret-key")
    p.add_argument("--bucket")
    p.add_argument("--stream-arn")
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--verbose", "-v", action="store_true")
    args = p.parse_args()
    target = args.endpoint or args.host
    if not any(h in target for h in ("127.0.0.1", "::1", "localhost")):
        p.error("benchmarks only target loopback")

    one, client_name, version = make_work(args)
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
                one()
                ms = (time.perf_counter() - start) * 1000.0
                with lock:
                    latencies.append(ms)
            except Exception as e:  # noqa: BLE001 - counted by kind
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
    print(json.dumps({
        "client": f"{client_name}-{args.kind}", "n": args.n, "concurrency": args.concurrency,
        "pings_per_s": round(len(latencies) / wall, 2) if wall > 0 else None,
        "p50_ms": r(percentile(latencies, 50)), "p99_ms": r(percentile(latencies, 99)),
        "max_ms": r(latencies[-1] if latencies else None),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "ok": len(latencies), "errors": dict(errors), "wall_s": round(wall, 3), "version": version,
    }))


if __name__ == "__main__":
    main()
