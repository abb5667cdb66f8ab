#!/usr/bin/env python3
"""Baseline for a keyspaces ping: N x (cassandra-driver Cluster.connect over TLS + SigV4 login with
cassandra-sigv4 + SELECT release_version FROM system.local + shutdown) at concurrency C (a thread each).
A Cluster opens a control connection and a pool connection, so each sample is two TLS logins.

Prints one JSON line: {"client":"cassandra-driver","n","concurrency","p50_ms","p99_ms","max_ms","ok",
"errors","wall_s","peak_rss_mb"}.

  python3 bench/cassandra_connect.py --port PORT --ca ca.pem --key AKIA... --secret ... --n 50 --concurrency 1
"""
import argparse
import collections
import json
import math
import resource
import ssl
import threading
import time

from cassandra import ProtocolVersion
from cassandra.cluster import Cluster, ExecutionProfile, EXEC_PROFILE_DEFAULT
from cassandra.policies import WhiteListRoundRobinPolicy
from cassandra_sigv4.auth import SigV4AuthProvider


def peak_rss_mb():
    """This process's own peak RSS (VmHWM): ru_maxrss keeps the parent's peak across exec on Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(sorted_values, q):
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return None
    return sorted_values[max(1, math.ceil(q / 100.0 * len(sorted_values))) - 1]


def one(args):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(args.ca)
    auth = SigV4AuthProvider(aws_access_key_id=args.key, aws_secret_access_key=args.secret, region_name=args.region)
    profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy(["127.0.0.1"]))
    cluster = Cluster(
        ["127.0.0.1"], port=args.port, ssl_context=context, ssl_options={"server_hostname": "127.0.0.1"},
        auth_provider=auth, protocol_version=ProtocolVersion.V4, schema_metadata_enabled=False,
        token_metadata_enabled=False, execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    try:
        cluster.connect().execute("SELECT release_version FROM system.local").one()
    finally:
        cluster.shutdown()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    latencies, errors, lock = [], collections.Counter(), threading.Lock()
    remaining = [args.n]

    def worker():
        while True:
            with lock:
                if remaining[0] == 0:
                    return
                remaining[0] -= 1
            started = time.monotonic()
            try:
                one(args)
                with lock:
                    latencies.append((time.monotonic() - started) * 1000)
            except Exception as error:  # counted, reported
                with lock:
                    errors[type(error).__name__] += 1

    wall = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - wall
    latencies.sort()
    print(json.dumps({
        "client": "cassandra-driver", "n": args.n, "concurrency": args.concurrency,
        "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
        "max_ms": latencies[-1] if latencies else None, "ok": len(latencies), "errors": dict(errors),
        "wall_s": wall, "peak_rss_mb": peak_rss_mb(),
    }))


if __name__ == "__main__":
    main()
