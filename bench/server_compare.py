"""Compare HTTP servers on the same app: wrk throughput on an authenticated GET /v1/customer/{id}
(8 connections, rounds alternating between servers, medians) and the slow-client test.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/server_compare.py \
        [--rounds 3] [--seconds 8] [--workers 1] [--port 8140] [--only granian,gunicorn-gthread-8]

Needs wrk (apt-get install -y wrk), the demo credentials (`make run` once, or
`python manage.py demo`), and for the non-default candidates `pip install gunicorn uvicorn waitress`
(a missing one is skipped). Prints a Markdown table for bench/SERVER.md. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import slow_clients  # noqa: E402

ROOT = slow_clients.ROOT
BIN = Path(sys.executable).parent

ASGI_SHIM = (
    "import os\n"
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
    "from django.core.asgi import get_asgi_application\n"
    "application = get_asgi_application()\n"
)


def candidates(port: int, workers: int, shim_dir: Path) -> dict[str, tuple[list[str], dict]]:
    w = str(workers)
    gunicorn = [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    return {
        "granian (config.serve, 64 threads)": (
            [sys.executable, "-m", "config.serve"],
            {"PORT": str(port), "WEB_CONCURRENCY": w, "SERVER_ACCESS_LOG": "false"},
        ),
        "gunicorn gthread 8 threads (old make run)": (
            [*gunicorn, "--workers", w, "--worker-class", "gthread", "--threads", "8"],
            {},
        ),
        "gunicorn gthread 128 threads": (
            [*gunicorn, "--workers", w, "--worker-class", "gthread", "--threads", "128"],
            {},
        ),
        "waitress 8 threads": (
            [str(BIN / "waitress-serve"), "--host", "127.0.0.1", "--port", str(port)]
            + ["--threads", "8", "config.wsgi:application"],
            {},
        ),
        "granian + Django ASGI": (
            [sys.executable, "-m", "granian", "--interface", "asgi", "--port", str(port)]
            + ["--workers", w, "--no-log", "bench_asgi:application"],
            {"PYTHONPATH": f"{shim_dir}:{ROOT}"},
        ),
        "uvicorn + Django ASGI": (
            [str(BIN / "uvicorn"), "bench_asgi:application", "--port", str(port)]
            + ["--workers", w, "--no-access-log", "--app-dir", str(shim_dir)],
            {},
        ),
    }


def wrk(base: str, path: str, headers: dict, seconds: int) -> dict:
    argv = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", base + path]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30).stdout

    def ms(label):
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)\b", out)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": ms("50"),
        "p99": ms("99"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=8140)
    parser.add_argument("--slow-seconds", type=float, default=10)
    parser.add_argument("--only", help="comma-separated name prefixes")
    parser.add_argument("--credentials", default=str(ROOT / ".demo_credentials.json"))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the finally: stop the server
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    creds = json.loads(Path(args.credentials).read_text())
    auth = {
        "Authorization": f"Bearer {creds['api_key']}",
        "x-business-tenant-id": creds["tenant_id"],
    }
    base = f"http://127.0.0.1:{args.port}"
    shim_dir = ROOT / "bench" / "results"
    shim_dir.mkdir(exist_ok=True)
    (shim_dir / "bench_asgi.py").write_text(ASGI_SHIM)

    chosen = {}
    for name, (argv, env) in candidates(args.port, args.workers, shim_dir).items():
        if args.only and not any(name.startswith(p) for p in args.only.split(",")):
            continue
        if argv[0] != sys.executable and not Path(argv[0]).exists():
            print(f"skipping {name}: {argv[0]} is not installed", file=sys.stderr)
            continue
        chosen[name] = (argv, env)

    def start(argv, env):
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        slow_clients.wait_until_up("127.0.0.1", args.port, proc)
        return proc

    results: dict[str, list[dict]] = {name: [] for name in chosen}
    slow: dict[str, dict] = {}
    customer_path = None
    for round_no in range(args.rounds):
        for name, (argv, env) in chosen.items():
            proc = start(argv, env)
            try:
                if customer_path is None:
                    status, raw = slow_clients._request(
                        "127.0.0.1",
                        args.port,
                        "POST",
                        "/v1/customer",
                        {**auth, "Content-Type": "application/json"},
                        json.dumps({"firstName": "Bench", "lastName": str(time.time_ns())}),
                    )
                    assert status == 201, (status, raw[:200])
                    customer_path = f"/v1/customer/{json.loads(raw)['id']}"
                wrk(base, customer_path, auth, 2)  # warm-up: keys cached, connections open
                figures = wrk(base, customer_path, auth, args.seconds)
                results[name].append(figures)
                print(f"round {round_no + 1} {name}: {figures}", file=sys.stderr)
                if round_no == 0:
                    slow[name] = slow_clients.run(
                        base,
                        creds["api_key"],
                        creds["tenant_id"],
                        slow_headers=40,
                        slow_bodies=40,
                        duration=args.slow_seconds,
                        deadline=1.0,
                        log=lambda line: print(line, file=sys.stderr),
                    )
            finally:
                slow_clients.stop_server(proc)

    print(
        f"\n{args.rounds} rounds x {args.seconds}s, wrk -t2 -c8, workers={args.workers}, "
        f"nproc={os.cpu_count()}\n"
    )
    # Ratios are paired per round (this machine class is noisy; only ratios count), against
    # the first candidate that ran: the default server.
    reference = next(iter(results))
    print(
        "| server | req/s (median) | ratio to first row (median of per-round ratios) "
        "| p50 ms | p99 ms | 40+40 slow clients: worst probe |"
    )
    print("|---|---|---|---|---|---|")
    for name, runs in results.items():
        ratio = statistics.median(
            r["rps"] / ref["rps"]
            for r, ref in zip(runs, results[reference], strict=True)
            if ref["rps"]
        )
        med = {
            k: statistics.median(r[k] for r in runs if r[k] is not None)
            for k in ("rps", "p50", "p99")
        }
        s = slow.get(name, {})
        worst = max(
            s.get("healthz", {}).get("max_ms") or 0, s.get("customer", {}).get("max_ms") or 0
        )
        verdict = (
            "pass" if s and not s["failures"] else f"FAIL ({len(s.get('failures', []))} probes)"
        )
        print(
            f"| {name} | {med['rps']:.0f} | {ratio:.2f}x | {med['p50']:.1f} | {med['p99']:.1f} | "
            f"{verdict}, {worst:.0f} ms |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
