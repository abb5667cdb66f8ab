"""A small HTTP/1.1 keep-alive load generator (standard library only) for the service's own overhead:
N pings of one payload at concurrency C against POST /connectors/ping, while a side loop asks /healthz
every 20 ms; prints one JSON line with pings/s, latency percentiles and the healthz percentiles.

usage: http_load.py BASE_URL API_KEY PAYLOAD_JSON COUNT CONCURRENCY
"""
import asyncio
import json
import sys
import time
from urllib.parse import urlparse


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 3)


class Connection:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, method, path, headers, body=b""):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
            if name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status


async def main():
    base, key, payload, count, concurrency = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    url = urlparse(base)
    body = payload.encode()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    latencies, statuses, healthz = [], {}, []
    remaining = count
    done = asyncio.Event()

    async def worker():
        nonlocal remaining
        connection = Connection(url.hostname, url.port)
        while remaining > 0:
            remaining -= 1
            start = time.perf_counter()
            status = await connection.request("POST", "/connectors/ping", headers, body)
            latencies.append((time.perf_counter() - start) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

    async def health():
        connection = Connection(url.hostname, url.port)
        while not done.is_set():
            start = time.perf_counter()
            await connection.request("GET", "/healthz", {})
            healthz.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.02)

    side = asyncio.create_task(health())
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    done.set()
    await side
    print(json.dumps({
        "client": "http", "count": count, "concurrency": concurrency, "seconds": round(elapsed, 3),
        "pings_per_s": round(count / elapsed, 1), "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99), "statuses": statuses,
        "healthz_count": len(healthz), "healthz_p50_ms": percentile(healthz, 50), "healthz_p99_ms": percentile(healthz, 99),
    }))


asyncio.run(main())
