"""End-to-end race check over HTTP: fire 2N concurrent requests with one key at a running
server whose plan allows N a minute, and count how many got 200 and how many 429.

    python bench/http_limit_race.py --base http://127.0.0.1:8000 --key cmk_... --tenant tn_... \
        [--requests 120] [--concurrency 32] [--path /v1/customer/paged?limit=1]

Run it against `make run` with REDIS_URL set (several gunicorn workers share one Redis) and a
tenant on the bronze plan (60 hits a minute): exactly 60 should pass. Start it early in a
minute: a window boundary inside the burst legitimately admits a second batch. Standard
library only, so it runs from any Python 3.11.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--key", required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--path", default="/v1/customer/paged?limit=1")
    parser.add_argument("--requests", type=int, default=120)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    url = urlsplit(args.base)
    headers = {"Authorization": f"Bearer {args.key}", "x-business-tenant-id": args.tenant}
    start = threading.Barrier(args.concurrency)
    local = threading.local()

    def call(index: int) -> tuple[int, dict[str, str]]:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
            try:
                start.wait(timeout=10)  # release the first wave together
            except threading.BrokenBarrierError:
                pass
        local.conn.request("GET", args.path, headers=headers)
        response = local.conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        results = list(pool.map(call, range(args.requests)))
    elapsed = time.perf_counter() - began

    statuses = collections.Counter(status for status, _ in results)
    limits = {h.get("x-ratelimit-limit") for _, h in results if h.get("x-ratelimit-limit")}
    retry_after = sorted({h["retry-after"] for s, h in results if s == 429 and "retry-after" in h})
    print(f"{args.requests} requests, concurrency {args.concurrency}, {elapsed:.2f}s")
    print(f"statuses: {dict(sorted(statuses.items()))}  X-RateLimit-Limit: {sorted(limits)}")
    print(f"Retry-After on 429s: {retry_after[:5]}")


if __name__ == "__main__":
    main()
