"""CPU per request of one route, in-process (no server, no load generator): for profiling
the hot path and comparing settings. Uses `make bench`'s database and seed (run it once).

    .venv/bin/python bench/inprocess.py                          # the service, GET by id
    .venv/bin/python bench/inprocess.py --baseline               # stock DRF retrieve
    .venv/bin/python bench/inprocess.py --profile --sort tottime # cProfile on CPU time
    .venv/bin/python bench/inprocess.py --settings my_settings   # e.g. another DATABASES

Prints CPU µs per request (process time: what the request costs this process, whatever
else the machine runs), the CPU its PostgreSQL backend and the Redis server spent on it (from
/proc, when they run on this machine) and wall µs. Single thread, warm caches, random ids
of the big tenant; LOG_LEVEL=WARNING, so without the per-request log line (about 25 µs; BENCH_LOG_LEVEL=INFO to include it). CPU is also given
per batch of 250 requests: their minimum is the figure to compare on a noisy machine.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "out")) / "data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", action="store_true", help="the stock DRF baseline")
    parser.add_argument(
        "--path", help="path template ({id}, {email}, {phone}, {surname}); default: GET by id"
    )
    parser.add_argument("--settings", help="DJANGO_SETTINGS_MODULE to use instead")
    parser.add_argument("-n", type=int, default=3000, help="requests to time")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--dump", help="with --profile: also write the stats to this file")
    parser.add_argument("--root", help="serve this checkout instead (see bench/ab.py)")
    parser.add_argument(
        "--serve", action="store_true", help="after warming up, run N requests per stdin line"
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from bench.procstat import cpu_seconds  # this checkout's, before --root takes over

    if args.root:  # the app (config, customers, ...) comes from there
        sys.path.insert(0, str(Path(args.root).resolve()))

    pg = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    os.environ.update(
        DATABASE_URL=f"{pg}/{os.environ.get('BENCH_DB', 'cm_bench')}",
        REDIS_URL=f"redis://127.0.0.1:6379/{os.environ.get('BENCH_REDIS_DB', '4')}",
        SECRET_KEY="bench-only-secret-key-" + "x" * 40,
        DJANGO_SETTINGS_MODULE=args.settings
        or ("bench.baseline.settings" if args.baseline else "config.settings"),
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    )
    os.environ.pop("DJANGO_DEBUG", None)
    import importlib

    # The WSGI module the server loads, with what it does at start-up (config.wsgi: gc).
    module = "bench.baseline.wsgi" if args.baseline else "config.wsgi"
    app = importlib.import_module(module).application
    seed = json.loads((DATA / "seed.json").read_text())
    ids = (DATA / "ids.txt").read_text().split()
    path = args.path or ("/customers/{id}/" if args.baseline else "/v1/customer/{id}")
    statuses: set[str] = set()

    samples = {
        name: (DATA / f"{name}s.txt").read_text().split() for name in ("surname", "email", "phone")
    }

    def one() -> None:
        target = path.format(
            id=random.choice(ids), **{name: random.choice(v) for name, v in samples.items()}
        )
        path_info, _, query = target.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8120",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8120",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "HTTP_AUTHORIZATION": "Bearer " + seed["key"],
            "HTTP_X_BUSINESS_TENANT_ID": seed["big_tenant_id"],
        }
        body = app(environ, lambda status, headers, exc=None: statuses.add(status))
        b"".join(body)
        if hasattr(body, "close"):  # config.wsgi hands whole responses over as a list
            body.close()

    def batch_cost(size: int) -> float:
        """CPU µs per request (process time) of `size` requests."""
        started = time.process_time()
        for _ in range(size):
            one()
        return (time.process_time() - started) / size * 1e6

    for _ in range(200):  # warm: local key and plan copies, connections
        one()
    if args.serve:  # bench/ab.py: "N" in, CPU µs per request of N requests out
        print("ready", flush=True)
        for line in sys.stdin:
            print(f"{batch_cost(int(line)):.1f}", flush=True)
        return
    servers = _server_pids()
    before = {name: cpu_seconds(pid) for name, pid in servers.items()}
    wall, cpu = time.perf_counter(), time.process_time()
    # CPU µs per request of each batch of 250: their minimum resists noise.
    batches = [batch_cost(min(250, args.n - start)) for start in range(0, args.n, 250)]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    others = "".join(
        f", {name} {(cpu_seconds(pid) - before[name]) / args.n * 1e6:.0f}"
        for name, pid in servers.items()
        if before[name] is not None
    )
    print(
        f"{path}: CPU {cpu / args.n * 1e6:.0f} us/request (this process){others}; wall "
        f"{wall / args.n * 1e6:.0f} us/request over {args.n}; statuses {sorted(statuses)}; "
        f"batches of 250: min {min(batches):.0f}, median {statistics.median(batches):.0f} us"
    )
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(args.n):
            one()
        profile.disable()
        pstats.Stats(profile).sort_stats(args.sort).print_stats(60)
        if args.dump:
            profile.dump_stats(args.dump)


def _server_pids() -> dict[str, int]:
    """This process's PostgreSQL backend and, if the settings use one, the Redis server."""
    from django.conf import settings
    from django.db import connection

    pids = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pids["postgresql backend"] = cursor.fetchone()[0]
    if getattr(settings, "REDIS_URL", None):
        import redis

        pids["redis server"] = redis.Redis.from_url(settings.REDIS_URL).info("server")["process_id"]
    return pids


if __name__ == "__main__":
    main()
