#!/usr/bin/env python3
"""Throughput of a data plane served by several agents through several instances, beside the same pings
run by the instances themselves, in one run.

Usage: fleet_load.py PLANE PORT COUNT CONCURRENCY KEY BASE_URL [BASE_URL ...]

With FLEET_XACT_CMD set (a shell command printing the store database's committed transactions, e.g.
psql's `SELECT xact_commit FROM pg_stat_database ...`), each pass also says how many store
transactions (statements, as the service runs each in its own) it cost per ping. With FLEET_PIDS set
("serve:PID agent:PID ...") and FLEET_PG_PIDS_CMD (a command printing the store's backend PIDs), each pass
also says the CPU milliseconds per ping that each kind of process spent (the machine's other load aside).

Sends COUNT `POST /connectors/ping` (postgresql to 127.0.0.1:PORT, a closed port: `refused` at once, so
the figures are the path's cost) at CONCURRENCY, spread round-robin over the BASE_URLs: first with
`dataPlaneName: "local"` (each instance runs the ping itself), then with PLANE (an agent runs it). Prints
one JSON line per pass: pings/s, p50/p99/max latency (ms), the categories seen, and errors.
"""
import http.client
import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.parse


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def committed():
    command = os.environ.get("FLEET_XACT_CMD")
    if not command:
        return None
    time.sleep(1.5)  # PostgreSQL publishes a backend's counters within a second of its last commit
    try:
        return int(subprocess.run(command, shell=True, capture_output=True, text=True, timeout=30).stdout.strip())
    except (ValueError, subprocess.SubprocessError):
        return None


def cpu_seconds():
    """CPU seconds (user + system) so far, by kind of process: serve, agent, postgres (the store's backends)."""
    pids = [item.split(":", 1) for item in os.environ.get("FLEET_PIDS", "").split()]
    command = os.environ.get("FLEET_PG_PIDS_CMD")
    if command:
        try:
            listed = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=30).stdout.split()
            pids += [("postgres", pid) for pid in listed if pid.isdigit()]
        except subprocess.SubprocessError:
            pass
    ticks = os.sysconf("SC_CLK_TCK")
    totals = {}
    for kind, pid in pids:
        try:
            with open("/proc/%s/stat" % pid) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            totals[(kind, pid)] = (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, ValueError, IndexError):
            pass
    return totals


def cpu_per_ping(before, after, count):
    spent = {}
    for (kind, pid), seconds in after.items():
        spent[kind] = spent.get(kind, 0) + seconds - before.get((kind, pid), 0)
    return {kind: round(seconds * 1000 / count, 2) for kind, seconds in sorted(spent.items())}


def run_pass(plane, port, count, concurrency, key, bases):
    before = committed()
    cpu_before = cpu_seconds()
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
    cpu_after = cpu_seconds()
    after = committed()
    per_ping = round((after - before) / count, 2) if before is not None and after is not None else None
    return {"plane": plane, "count": count, "concurrency": concurrency, "instances": len(bases),
            "pings_per_s": round(len(timings) / wall, 1), "p50_ms": round(percentile(timings, 0.5), 2),
            "p90_ms": round(percentile(timings, 0.9), 2), "p99_ms": round(percentile(timings, 0.99), 2),
            "max_ms": round(max(timings), 2), "store_transactions_per_ping": per_ping,
            "cpu_ms_per_ping": cpu_per_ping(cpu_before, cpu_after, count) or None,
            "categories": categories, "errors": len(errors), "first_error": errors[0] if errors else None}


def main():
    plane, port, count, concurrency, key = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    bases = sys.argv[6:]
    run_pass("local", port, min(200, count), concurrency, key, bases)  # warm-up, not printed
    print("pass local", file=sys.stderr, flush=True)
    local = run_pass("local", port, count, concurrency, key, bases)
    print(json.dumps(local))
    print("pass " + plane, file=sys.stderr, flush=True)
    through = run_pass(plane, port, count, concurrency, key, bases)
    print(json.dumps(through))
    print(json.dumps({"ratio_plane_to_local_pings_per_s": round(through["pings_per_s"] / local["pings_per_s"], 2)}))


if __name__ == "__main__":
    main()
