#!/usr/bin/env python3
"""Latency of pings run on the service itself against the same pings run through a data plane's agent.

Usage: planes_latency.py BASE_URL API_KEY PLANE PORT [COUNT]

Sends COUNT sequential `POST /connectors/ping` (postgresql to 127.0.0.1:PORT) alternating between the
service's own plane (`local`) and PLANE, and prints one JSON line with p50/p99 (ms) of each.
"""
import http.client
import json
import sys
import time
import urllib.parse


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    base, key, plane, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    count = int(sys.argv[5]) if len(sys.argv) > 5 else 200
    url = urllib.parse.urlparse(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    timings = {"local": [], plane: []}
    categories = {"local": set(), plane: set()}
    for index in range(count * 2):
        name = "local" if index % 2 == 0 else plane
        body = json.dumps({"type": "postgresql", "dataPlaneName": name, "timeoutSeconds": 10,
                           "sharedConfig": {"host": "127.0.0.1", "port": port, "user": "u", "password": "p"}})
        start = time.perf_counter()
        connection.request("POST", "/connectors/ping?verbose=true", body,
                           {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        response = connection.getresponse()
        answer = response.read()
        timings[name].append((time.perf_counter() - start) * 1000)
        categories[name].add(json.loads(answer)["report"].get("category", "ok") if answer else "ok")
    print(json.dumps({name: {"count": len(values), "p50_ms": round(percentile(values, 0.5), 2),
                             "p99_ms": round(percentile(values, 0.99), 2), "categories": sorted(categories[name])}
                      for name, values in timings.items()}))


if __name__ == "__main__":
    main()
