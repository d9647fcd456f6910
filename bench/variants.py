"""Server or code variants side by side under wrk, with where the machine's CPU went.

    .venv/bin/python bench/variants.py --rounds 3 --seconds 5 \\
        base=drf_retrieve svc=get_by_id svc4=get_by_id:threads=4

Each variant is `name=scenario[:key=value,...]`, a scenario of bench/run.py, served by its
own server (the service or the stock DRF baseline, as the scenario says) started with
`make bench`'s command on its own port. Keys: `threads=N` (granian --blocking-threads),
`pool=N` (DB_POOL_SIZE, the database connections per process; 0 for one persistent
connection per thread), `args=...` (more granian options, space-separated), `root=DIR`
(another checkout, e.g. a `git worktree` of an older commit, to compare code). Rounds
alternate the variants; each line gives req/s, p50/p99, the cores the whole machine used
while wrk ran, the machine's CPU per request, and the part of it spent by the variant's
server processes, PostgreSQL and Redis (from /proc; the rest is wrk and the kernel).
Ratios are to the first variant, paired per round. Uses `make bench`'s database and seed
(run that once first).

This is how the blocking-thread figures in bench/SERVER.md were measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bench.run as bench  # noqa: E402 - after the path is set
from bench.procstat import TICKS_PER_SECOND, cpu_ticks, stat_fields  # noqa: E402


def _machine_busy() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return sum(ticks) - idle, sum(ticks)


def _group_ticks(server_pgids: dict[int, str]) -> dict[str, int]:
    """CPU ticks (user + system, all threads) per group: each server, postgres, redis."""
    out: dict[str, int] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = stat_fields(pid)
        if fields is None:
            continue
        group = server_pgids.get(int(fields[2]))  # the process group: a server's own pid
        if group is None:
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            group = "postgres" if "postgres" in cmd else "redis" if "redis-server" in cmd else None
        if group:
            out[group] = out.get(group, 0) + cpu_ticks(fields)
    return out


def _parse(spec: str, port: int) -> dict:
    name, _, rest = spec.partition("=")
    scenario, _, options = rest.partition(":")
    variant = {"name": name, "scenario": scenario, "port": port, "root": str(ROOT)}
    for item in filter(None, options.split(",")):
        key, _, value = item.partition("=")
        variant[key] = value
    return variant


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "variants", nargs="+", help="name=scenario[:threads=N,pool=N,args=...,root=DIR]"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()

    scenarios = {s.name: s for s in bench.SCENARIOS}
    info = json.loads((bench.DATA / "seed.json").read_text())
    variants = [_parse(spec, bench.PORT + 10 + 2 * i) for i, spec in enumerate(args.variants)]
    servers = {}  # process group (the server's pid) -> variant name
    results: dict[str, list[dict]] = {v["name"]: [] for v in variants}
    try:
        for v in variants:
            s = scenarios[v["scenario"]]
            app, settings = (
                ("config.wsgi:application", "config.settings")
                if s.target == "service"
                else ("bench.baseline.wsgi:application", "bench.baseline.settings")
            )
            server = bench.Server(
                f"variant-{v['name']}", app, v["port"], settings, root=Path(v["root"])
            )
            if "threads" in v:
                server.cmd = server.cmd.replace(
                    "--blocking-threads 64", f"--blocking-threads {v['threads']}"
                )
            if "pool" in v:  # DB_POOL_SIZE (0: a persistent connection per thread)
                server.env["DB_POOL_SIZE"] = v["pool"]
            if "args" in v:
                server.cmd = server.cmd.replace(" --respawn", f" {v['args']} --respawn")
            server.start()
            v["server"] = server
            servers[server.proc.pid] = v["name"]
        first_id = (bench.DATA / "ids.txt").read_text().split("\n", 1)[0]
        for v in variants:
            target = scenarios[v["scenario"]].target
            v["server"].wait_ready("/healthz" if target == "service" else f"/customers/{first_id}/")
        for rnd in range(args.rounds + 1):  # round 0 warms up and is not counted
            for v in variants:
                s = scenarios[v["scenario"]]
                groups0, (busy0, total0) = _group_ticks(servers), _machine_busy()
                seconds = 2 if rnd == 0 else args.seconds
                r = bench.run_wrk(s, info, seconds, str(time.time_ns()), rnd, port=v["port"])
                (busy1, total1), groups1 = _machine_busy(), _group_ticks(servers)
                bench.wait_idle()
                if rnd == 0:
                    continue
                per_request = 1e6 / TICKS_PER_SECOND / r.requests
                row = {
                    "rps": r.rps,
                    "p50": r.p50_ms,
                    "p99": r.p99_ms,
                    "cores": (busy1 - busy0) / (total1 - total0) * (os.cpu_count() or 1),
                    "cpu_us": (busy1 - busy0) * per_request,
                    **{
                        f"{g}_us": (groups1.get(g, 0) - groups0.get(g, 0)) * per_request
                        for g in (v["name"], "postgres", "redis")
                    },
                }
                results[v["name"]].append(row)
                print(
                    f"round {rnd} {v['name']:<10} {r.rps:8.1f} req/s  p50 {r.p50_ms:5.1f} ms  "
                    f"p99 {r.p99_ms:6.1f} ms  cores {row['cores']:.2f}  CPU/request "
                    f"{row['cpu_us']:5.0f} us (server {row[v['name'] + '_us']:.0f}, "
                    f"postgres {row['postgres_us']:.0f}, redis {row['redis_us']:.0f})",
                    flush=True,
                )
    finally:
        for v in variants:
            if "server" in v:
                v["server"].stop()
    first = variants[0]["name"]
    print()
    for v in variants:
        rows = results[v["name"]]
        ratios = [a["rps"] / b["rps"] for a, b in zip(rows, results[first], strict=True)]
        print(
            f"{v['name']:<10} median {statistics.median(r['rps'] for r in rows):8.1f} req/s  "
            f"cores {statistics.median(r['cores'] for r in rows):.2f}  CPU/request "
            f"{statistics.median(r['cpu_us'] for r in rows):5.0f} us  "
            f"ratio to {first}: {' '.join(f'{x:.2f}' for x in ratios)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
