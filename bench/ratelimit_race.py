"""Race benchmark: 2N concurrent calls against a limit of N, our Lua limiter vs DRF's stock
SimpleRateThrottle, both on the same Redis. Exactly N should get through.

    python bench/ratelimit_race.py [--requests 400] [--limit 50] [--concurrency 32]
                                   [--runs 5] [--processes 1]

REDIS_URL defaults to redis://127.0.0.1:6379/3. With --processes P the calls are spread
over P processes (concurrency/P threads each) released together by a flag in Redis.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")


def _setup() -> None:
    import django

    django.setup()


def _ours(run_id: str, limit: int, at: datetime):
    from plans import limiter
    from plans.limiter import LimitSpec

    limits = [LimitSpec("hits", "minute", limit)]

    def call(_):
        return limiter.hit(
            application_id=run_id, key_id=None, limits=limits, metrics=[], at=at, flush_interval=0
        ).allowed

    return call


def _drf(run_id: str, limit: int, at: datetime):
    from rest_framework.throttling import SimpleRateThrottle

    class BenchThrottle(SimpleRateThrottle):
        rate = f"{limit}/min"

        def get_cache_key(self, request, view):
            return f"bench:drf:{run_id}"

    def call(_):
        return BenchThrottle().allow_request(request=None, view=None)  # a new one per request

    return call


CALLERS = {"lua": _ours, "drf": _drf}


def _fire(kind: str, run_id: str, limit: int, at: datetime, requests: int, threads: int) -> int:
    call = CALLERS[kind](run_id, limit, at)
    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(call, range(requests)))


def _worker(args) -> int:
    kind, run_id, limit, at, requests, threads, go = args
    _setup()
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    if kind == "lua":
        from plans import limiter

        limiter.get_backend()  # register the script before the start flag
    deadline = time.monotonic() + 30
    while not redis.exists(go) and time.monotonic() < deadline:
        time.sleep(0.002)
    return _fire(kind, run_id, limit, at, requests, threads)


def run_once(kind: str, *, requests: int, limit: int, concurrency: int, processes: int) -> int:
    run_id = f"bench-{uuid.uuid4().hex}"
    at = datetime.now(UTC)
    if processes == 1:
        return _fire(kind, run_id, limit, at, requests, concurrency)
    from django_redis import get_redis_connection

    go = f"bench:go:{run_id}"
    share = [requests // processes + (i < requests % processes) for i in range(processes)]
    threads = max(1, concurrency // processes)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes) as pool:
        pending = pool.map_async(
            _worker, [(kind, run_id, limit, at, n, threads, go) for n in share]
        )
        time.sleep(1.5)  # let every worker start and connect
        get_redis_connection("default").set(go, "1", ex=60)
        return sum(pending.get(timeout=120))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    _setup()
    from django.conf import settings

    print(
        f"{args.requests} calls, limit {args.limit}, concurrency {args.concurrency}, "
        f"{args.processes} process(es), {args.runs} runs, Redis {settings.REDIS_URL}"
    )
    for kind, label in (
        ("lua", "Lua limiter (plans.limiter)"),
        ("drf", "DRF SimpleRateThrottle"),
    ):
        results = [
            run_once(
                kind,
                requests=args.requests,
                limit=args.limit,
                concurrency=args.concurrency,
                processes=args.processes,
            )
            for _ in range(args.runs)
        ]
        print(
            f"{label:32} admitted per run {results}  median {statistics.median(results):g}"
            f"  (expected {args.limit})"
        )


if __name__ == "__main__":
    main()
