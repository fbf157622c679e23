"""Open-loop load: send N requests per second for S seconds, each at its scheduled time, and report latency
from the scheduled time (so a slow server cannot hide its queueing). Prints JSON: count, ok, p50_ms, p99_ms.

    python bench/open_loop.py URL BODY_FILE SIGNATURE RATE SECONDS RUN_ID
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit


def main() -> None:
    url, body_file, signature, rate, seconds, run_id = sys.argv[1:7]
    parts = urlsplit(url)
    body = open(body_file, "rb").read()
    total = int(float(rate) * float(seconds))
    local = threading.local()
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def send(index: int, due: float) -> None:
        nonlocal failures
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Event-Id": f"{run_id}-open-{index}",
        }
        try:
            local.conn.request("POST", parts.path, body=body, headers=headers)
            response = local.conn.getresponse()
            response.read()
            ok = 200 <= response.status < 300
        except OSError:
            local.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            ok = False
        elapsed = time.perf_counter() - due
        with lock:
            latencies.append(elapsed)
            failures += 0 if ok else 1

    start = time.perf_counter() + 0.2
    interval = 1.0 / float(rate)
    with ThreadPoolExecutor(max_workers=32) as pool:
        for index in range(total):
            pool.submit(send, index, start + index * interval)
    latencies.sort()
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2)  # noqa: E731
    print(json.dumps({"count": total, "ok": total - failures, "p50_ms": pick(0.50), "p99_ms": pick(0.99)}))


if __name__ == "__main__":
    main()
