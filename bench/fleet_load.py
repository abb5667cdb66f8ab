#!/usr/bin/env python3
"""Throughput of a data plane served by several agents through several instances, beside the same pings
run by the instances themselves, in one run.

Usage: fleet_load.py PLANE PORT COUNT CONCURRENCY KEY BASE_URL [BASE_URL ...]

Sends COUNT `POST /connectors/ping` (postgresql to 127.0.0.1:PORT, a closed port: `refused` at once, so
the figures are the path's cost) at CONCURRENCY, spread round-robin over the BASE_URLs: first with
`dataPlaneName: "local"` (each instance runs the ping itself), then with PLANE (an agent runs it). Prints
one JSON line per pass: pings/s, p50/p99/max latency (ms), the categories seen, and errors.
"""
import http.client
import json
import queue
import sys
import threading
import time
import urllib.parse


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_pass(plane, port, count, concurrency, key, bases):
    jobs = queue.Queue()
    for index in range(count):
        jobs.put(index)
    timings, categories, errors = [], {}, []
    lock = threading.Lock()
    body = json.dumps({"type": "postgresql", "dataPlaneName": plane, "timeoutSeconds": 30,
                       "sharedConfig": {"host": "127.0.0.1", "port": port, "user": "u", "password": "p"}})

    def worker(number):
        url = urllib.parse.urlparse(bases[number % len(bases)])
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        while True:
            try:
                jobs.get_nowait()
            except queue.Empty:
                return
            start = time.perf_counter()
            try:
                connection.request("POST", "/connectors/ping", body,
                                   {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
                response = connection.getresponse()
                answer = response.read()
                elapsed = (time.perf_counter() - start) * 1000
                category = json.loads(answer)["report"].get("category", "?") if answer else "ok"
                with lock:
                    timings.append(elapsed)
                    categories[category] = categories.get(category, 0) + 1
            except Exception as error:  # a refused or reset connection is a figure too
                with lock:
                    errors.append(str(error)[:120])
                connection.close()
                connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(number,)) for number in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"plane": plane, "count": count, "concurrency": concurrency, "instances": len(bases),
            "pings_per_s": round(len(timings) / wall, 1), "p50_ms": round(percentile(timings, 0.5), 2),
            "p99_ms": round(percentile(timings, 0.99), 2), "max_ms": round(max(timings), 2),
            "categories": categories, "errors": len(errors), "first_error": errors[0] if errors else None}


def main():
    plane, port, count, concurrency, key = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    bases = sys.argv[6:]
    run_pass("local", port, min(200, count), concurrency, key, bases)  # warm-up, not printed
    local = run_pass("local", port, count, concurrency, key, bases)
    print(json.dumps(local))
    through = run_pass(plane, port, count, concurrency, key, bases)
    print(json.dumps(through))
    print(json.dumps({"ratio_plane_to_local_pings_per_s": round(through["pings_per_s"] / local["pings_per_s"], 2)}))


if __name__ == "__main__":
    main()
