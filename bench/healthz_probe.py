#!/usr/bin/env python3
"""Asks GET /healthz every 20 ms on one keep-alive connection for --seconds, and prints one JSON line
with the count and latency percentiles (ms). bench/run.sh runs it beside a wrk load.

  python3 bench/healthz_probe.py http://127.0.0.1:PORT --seconds 5
"""
import argparse
import http.client
import json
import time
from urllib.parse import urlparse

parser = argparse.ArgumentParser()
parser.add_argument("base")
parser.add_argument("--seconds", type=float, default=5)
args = parser.parse_args()
url = urlparse(args.base)
connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
latencies, failures = [], 0
end = time.monotonic() + args.seconds
while time.monotonic() < end:
    start = time.perf_counter()
    try:
        connection.request("GET", "/healthz")
        answer = connection.getresponse()
        answer.read()
        if answer.status != 200:
            failures += 1
    except OSError:
        failures += 1
        connection.close()
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    latencies.append((time.perf_counter() - start) * 1000)
    time.sleep(0.02)
latencies.sort()


def pct(p):
    return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 3) if latencies else None


print(json.dumps({"client": "healthz", "count": len(latencies), "failures": failures, "p50_ms": pct(50),
                  "p99_ms": pct(99), "max_ms": round(latencies[-1], 3) if latencies else None}))
