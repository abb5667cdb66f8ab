#!/usr/bin/env python3
"""Baseline for the mssql ping against the scripted SQL Server peer: N x (connect + PRELOGIN + TLS inside
TDS when a CA file is given + LOGIN7 + the same three readiness batches a Preflight ping runs + close) with
pytds at concurrency C (a thread per concurrent connection: pytds is synchronous).

  python3 bench/pytds_connect.py PORT USER PASSWORD N C [CA_FILE]

Prints one JSON line: {"client":"pytds","n","concurrency","p50_ms","p99_ms","ok","errors","peak_rss_mb","wall_s"}.
"""
import json, math, resource, sys, threading, time
import pytds

port, user, password, n, c = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
cafile = sys.argv[6] if len(sys.argv) > 6 else None
# The peer answers on matching text; these are the probe's batches (Sources/PreflightMSSQL/MSSQLProbe+Readiness.swift).
QUERIES = [
    "SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) FROM sys.databases AS d WHERE d.database_id = DB_ID()",
    "SELECT CAST(servicename AS nvarchar(256)) FROM sys.dm_server_services WHERE servicename LIKE N'SQL Server Agent%'",
    "SELECT CAST(HAS_PERMS_BY_NAME(N'cdc', N'SCHEMA', N'SELECT') AS int)",
]
latencies, errors, lock = [], {}, threading.Lock()
counter = iter(range(n))


def worker():
    while True:
        with lock:
            if next(counter, None) is None:
                return
        start = time.perf_counter()
        try:
            tls = {"cafile": cafile, "validate_host": False} if cafile else {}
            conn = pytds.connect(server="127.0.0.1", port=int(port), user=user, password=password, database="app",
                                 autocommit=True, login_timeout=10, disable_connect_retry=True, **tls)
            cur = conn.cursor()
            for q in QUERIES:
                cur.execute(q)
                cur.fetchall()
            conn.close()
            with lock:
                latencies.append((time.perf_counter() - start) * 1000)
        except Exception as e:  # noqa: BLE001 - a benchmark counts every failure
            with lock:
                errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1


wall = time.perf_counter()
threads = [threading.Thread(target=worker) for _ in range(c)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.perf_counter() - wall
latencies.sort()


def pct(q):
    return round(latencies[max(1, math.ceil(q / 100 * len(latencies))) - 1], 2) if latencies else None


print(json.dumps({"client": "pytds", "n": n, "concurrency": c, "p50_ms": pct(50), "p99_ms": pct(99),
                  "ok": len(latencies), "errors": errors, "wall_s": round(wall, 3),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
