#!/usr/bin/env python3
"""The bastion's own cost, measured with OpenSSH's client: N x `ssh -W HOST:PORT` through the bastion with
stdin closed (TCP, key exchange, public-key auth, a direct-tcpip channel to HOST:PORT, then EOF and close),
one at a time. Prints one JSON line like the other clients: p50/p99/max in ms, runs/s.

  python3 bench/openssh_connect.py --port SSH_PORT --user USER --key KEY_FILE --target 127.0.0.1:5432 [--n 50]
"""
import argparse
import json
import subprocess
import time

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--user", required=True)
p.add_argument("--key", required=True)
p.add_argument("--target", required=True)
p.add_argument("--n", type=int, default=50)
args = p.parse_args()
command = ["ssh", "-q", "-i", args.key, "-p", str(args.port), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
           "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ControlMaster=no",
           "-W", args.target, f"{args.user}@127.0.0.1"]
latencies, failures = [], 0
start = time.perf_counter()
for _ in range(args.n):
    t = time.perf_counter()
    result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if result.returncode == 0:
        latencies.append((time.perf_counter() - t) * 1000)
    else:
        failures += 1
wall = time.perf_counter() - start
latencies.sort()
pct = lambda q: round(latencies[min(len(latencies) - 1, int(q / 100 * len(latencies)))], 3) if latencies else None  # noqa: E731
version = subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip()
print(json.dumps({"client": "openssh", "n": args.n, "ok": len(latencies), "failures": failures, "p50_ms": pct(50),
                  "p99_ms": pct(99), "max_ms": round(latencies[-1], 3) if latencies else None,
                  "pings_per_s": round(len(latencies) / wall, 2), "version": version}))
