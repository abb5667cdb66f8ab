#!/usr/bin/env python3
"""Load and soak: many clients against one `preflight serve`, mixing the pings a real fleet sends.

  python3 bench/soak.py --bin PATH [--clients 64] [--seconds 300] [--companies 4]

Needs the test servers' env (scripts/test-servers.sh; PREFLIGHT_TEST_PG_* in the environment) for the
good and wrong-password pings. It starts its own `serve` (temporary SQLite store, --allow-loopback,
since every peer here is on 127.0.0.1), makes one API key per company with `preflight keys create`,
and a silent peer (bench/silent_peer.py) as the black hole. Each client loops over four kinds:
  good      PostgreSQL, the right password              (expects 204)
  wrong     PostgreSQL, a wrong password                (expects 200, category auth)
  refused   a closed port on 127.0.0.1                  (expects 200, category refused)
  blackhole a peer that accepts and never answers, timeoutSeconds=2 (expects 200, category timeout)
A prober reads /healthz every 100 ms on its own connection. Every 5 s the serve process's open file
descriptors and RSS are sampled from /proc. Prints one JSON line of results, and a table.
Only 127.0.0.1 is dialled.
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port():
    return free_port()


def make_key(binary, store, master, company):
    out = subprocess.run(
        [binary, "keys", "create", "--company", company, "--store", store, "--master-key-file", master],
        check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1].strip()


def proc_sample(pid):
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    rss_kb = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
    return fds, rss_kb


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--seconds", type=int, default=300)
    ap.add_argument("--companies", type=int, default=4)
    args = ap.parse_args()

    env = os.environ
    pg_host, pg_port = env["PREFLIGHT_TEST_PG_HOST"], int(env["PREFLIGHT_TEST_PG_PORT"])
    pg_user, pg_password = env["PREFLIGHT_TEST_PG_SCRAM_USER"], env["PREFLIGHT_TEST_PG_SCRAM_PASSWORD"]
    pg_db = env["PREFLIGHT_TEST_PG_DATABASE"]

    work = tempfile.mkdtemp(prefix="preflight-soak.")
    store, master = f"sqlite:{work}/store.sqlite", f"{work}/master.key"
    keys = [make_key(args.bin, store, master, f"soak-company-{i}") for i in range(args.companies)]

    silent = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "bench", "silent_peer.py"), "0", "--max-seconds", str(args.seconds + 120)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    hole_port = int(silent.stdout.readline())

    port = free_port()
    serve = subprocess.Popen(
        [args.bin, "serve", "--port", str(port), "--store", store, "--master-key-file", master, "--allow-loopback",
         "--max-in-flight", "1024"],
        stdout=open(f"{work}/serve.log", "w"), stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        print("serve did not start; see", f"{work}/serve.log", file=sys.stderr)
        serve.kill()
        return 1

    refused = closed_port()
    pg = {"host": pg_host, "port": pg_port, "user": pg_user, "sslMode": "disable"}
    bodies = {
        "good": {"type": "postgresql", "sharedConfig": dict(pg, password=pg_password), "defaultDatabase": pg_db},
        "wrong": {"type": "postgresql", "sharedConfig": dict(pg, password="not-the-password")},
        "refused": {"type": "postgresql", "sharedConfig": dict(pg, port=refused, password="x")},
        "blackhole": {"type": "postgresql", "sharedConfig": dict(pg, port=hole_port, password="x"),
                      "timeoutSeconds": 2},
    }
    expected = {"good": (204, None), "wrong": (200, "auth"), "refused": (200, "refused"), "blackhole": (200, "timeout")}
    encoded = {k: json.dumps(v).encode() for k, v in bodies.items()}

    lock = threading.Lock()
    counts = {}  # (kind, status, category) -> n
    latencies = {k: [] for k in bodies}
    errors = []
    stop_at = time.monotonic() + args.seconds
    stop = threading.Event()

    def client(index):
        key = keys[index % len(keys)]
        rng = random.Random(index)
        conn = None
        while not stop.is_set() and time.monotonic() < stop_at:
            kind = rng.choice(list(bodies))
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                t0 = time.monotonic()
                conn.request("POST", "/connectors/ping", body=encoded[kind],
                             headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
                response = conn.getresponse()
                body = response.read()
                elapsed = time.monotonic() - t0
                category = None
                if response.status == 200:
                    category = (json.loads(body).get("report") or {}).get("category")
                with lock:
                    counts[(kind, response.status, category)] = counts.get((kind, response.status, category), 0) + 1
                    latencies[kind].append(elapsed)
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    errors.append(f"{kind}: {type(e).__name__}: {e}")
                conn = None

    health = []
    health_errors = [0]

    def prober():
        conn = None
        while not stop.is_set() and time.monotonic() < stop_at:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                t0 = time.monotonic()
                conn.request("GET", "/healthz")
                r = conn.getresponse()
                r.read()
                health.append((time.monotonic() - t0, r.status))
            except (OSError, http.client.HTTPException):
                health_errors[0] += 1
                conn = None
            time.sleep(0.1)

    samples = []

    def sampler():
        t0 = time.monotonic()
        while not stop.is_set() and time.monotonic() < stop_at:
            samples.append((round(time.monotonic() - t0), *proc_sample(serve.pid)))
            time.sleep(5)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
    threads += [threading.Thread(target=prober, daemon=True), threading.Thread(target=sampler, daemon=True)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except KeyboardInterrupt:
        stop.set()
    time.sleep(1)
    final = proc_sample(serve.pid)
    serve.send_signal(signal.SIGTERM)
    try:
        serve.wait(timeout=30)
    except subprocess.TimeoutExpired:
        serve.kill()
    silent.terminate()

    total = sum(counts.values())
    fivexx = sum(n for (k, s, c), n in counts.items() if s >= 500)
    unexpected = {f"{k} {s} {c}": n for (k, s, c), n in counts.items() if (s, c) != expected[k]}
    after_first_minute = [s for s in samples if s[0] >= 60]
    base = after_first_minute[0] if after_first_minute else samples[0]
    peak_after = (max(s[1] for s in after_first_minute), max(s[2] for s in after_first_minute)) \
        if after_first_minute else (None, None)
    health_lat = [h[0] * 1000 for h in health]
    result = {
        "clients": args.clients, "seconds": args.seconds, "companies": args.companies, "requests": total,
        "per_second": round(total / args.seconds, 1), "5xx": fivexx, "client_errors": len(errors),
        "unexpected": unexpected,
        "by_kind": {k: {"n": len(v), "p50_ms": round(percentile(v, 50) * 1000, 1) if v else None,
                        "p99_ms": round(percentile(v, 99) * 1000, 1) if v else None} for k, v in latencies.items()},
        "fds": {"at_60s": base[1], "max_after_60s": peak_after[0], "end": final[0]},
        "rss_mb": {"at_60s": round(base[2] / 1024, 1), "max_after_60s": round(peak_after[1] / 1024, 1)
                   if peak_after[1] else None, "end": round(final[1] / 1024, 1)},
        "healthz": {"n": len(health), "non_200": sum(1 for h in health if h[1] != 200), "errors": health_errors[0],
                    "p50_ms": round(percentile(health_lat, 50), 1), "p99_ms": round(percentile(health_lat, 99), 1),
                    "max_ms": round(max(health_lat), 1)},
        "samples": samples,
    }
    print(json.dumps(result))
    print(f"\n{total} requests in {args.seconds}s from {args.clients} clients ({result['per_second']}/s), "
          f"5xx: {fivexx}, client errors: {len(errors)}, unexpected answers: {sum(unexpected.values())}")
    for k, v in result["by_kind"].items():
        print(f"  {k:10} n={v['n']:6}  p50={v['p50_ms']} ms  p99={v['p99_ms']} ms")
    print(f"  fds: {result['fds']}   rss MB: {result['rss_mb']}")
    print(f"  /healthz: {result['healthz']}")
    if errors:
        print("  first client errors:", errors[:5])
    return 0 if fivexx == 0 and not unexpected and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
