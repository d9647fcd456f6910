"""Interleaved in-process A/B: is checkout B cheaper per request than checkout A?

    git worktree add /tmp/cm-a HEAD                      # A: the code before the change
    .venv/bin/python bench/ab.py /tmp/cm-a .             # B: this working tree
    .venv/bin/python bench/ab.py . . --path-b "/v1/customer/by-email/{email}"  # two routes

Runs bench/inprocess.py's request loop for both checkouts in two processes at once (same
database, seed and Redis as `make bench`), and has them take turns: a batch of A, a batch
of B, and so on. On a machine whose speed drifts by 2x within minutes, separate runs of
inprocess.py could not tell a 5% change from the drift; batches a few hundred milliseconds
apart can. Prints the CPU per request of each side (median of batches) and the median of
the per-pair ratios B/A, with its spread (quartiles).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _start(root: str, extra: list[str], cpu: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "inprocess.py"), "--serve", "--root", root, *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        # Both sides on the same core: the two cores of a shared VM need not run as fast.
        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
    )
    for line in process.stdout:  # skip anything printed before the loop is warm
        if line.strip() == "ready":
            return process
    raise SystemExit(f"{root}: the request loop did not start")


def _batch(process: subprocess.Popen, size: int) -> float:
    process.stdin.write(f"{size}\n")
    process.stdin.flush()
    return float(process.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("a", help="checkout A (the reference)")
    parser.add_argument("b", help="checkout B")
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--batch", type=int, default=150, help="requests per batch")
    for side in "ab":
        parser.add_argument(f"--path-{side}", help=f"{side.upper()}'s inprocess.py --path")
        parser.add_argument(f"--settings-{side}", help=f"DJANGO_SETTINGS_MODULE of {side.upper()}")
    args = parser.parse_args()
    cpu = min(os.sched_getaffinity(0))
    a, b = (
        _start(
            root,
            (["--path", path] if path else []) + (["--settings", settings] if settings else []),
            cpu,
        )
        for root, path, settings in (
            (args.a, args.path_a, args.settings_a),
            (args.b, args.path_b, args.settings_b),
        )
    )
    try:
        for _ in range(3):  # settle both
            _batch(a, args.batch), _batch(b, args.batch)
        costs_a, costs_b, ratios = [], [], []
        for i in range(args.pairs):
            # Alternate who goes first, so neither always follows the other's cache effects.
            if i % 2:
                cost_b, cost_a = _batch(b, args.batch), _batch(a, args.batch)
            else:
                cost_a, cost_b = _batch(a, args.batch), _batch(b, args.batch)
            costs_a.append(cost_a)
            costs_b.append(cost_b)
            ratios.append(cost_b / cost_a)
    finally:
        for process in (a, b):
            process.stdin.close()
            process.wait(timeout=30)
    q1, median, q3 = statistics.quantiles(ratios, n=4)
    print(
        f"A {args.a}: {statistics.median(costs_a):.0f} us/request (median of {args.pairs} "
        f"batches of {args.batch})\nB {args.b}: {statistics.median(costs_b):.0f} us/request\n"
        f"B/A per pair: median {median:.3f} (quartiles {q1:.3f}-{q3:.3f})"
    )


if __name__ == "__main__":
    main()
