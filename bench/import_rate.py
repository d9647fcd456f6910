"""Import rate: `manage.py import_customers` on a generated file, into the DATABASE_URL
database (migrated first), for a fresh tenant each run. The issue asks for >= 5,000 rows/s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cm_bench \\
        python bench/import_rate.py [--rows 100000] [--format csv|jsonl] [--runs 1]

The file has valid rows with email, phone (national and international formats), VAT and
metadata, plus 1% bad rows and 1% duplicates, so the numbers include the rejection and
duplicate paths. Prints rows/s per run and the best; the tenant is deleted afterwards.

On a shared machine the wall-clock rate says more about the neighbours than about the
import, so each run also reports the CPU it cost, per row: this process, its validation
workers and the PostgreSQL backend that did the writes (read from /proc; same host only),
and the rate that CPU cost allows on this machine's cores when they are free for it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.procstat import cpu_seconds  # noqa: E402 - after the path is set

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")

COLUMNS = ["firstName", "lastName", "email", "phone", "vatNumber", "customerType", "metadata"]


def generate(path: Path, rows: int, fmt: str, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle) if fmt == "csv" else None
        if writer:
            writer.writerow(COLUMNS)
        for n in range(rows):
            row = {
                "firstName": rng.choice(["Mario", "Anna", "Luca", "Giulia", "Marco"]),
                "lastName": f"Rossi{n}",
                "email": f"user{n}@example.com",
                "phone": f"+39 06 {10000000 + n}" if n % 2 else f"06 {10000000 + n}",
                "vatNumber": "IT12345678901" if n % 3 == 0 else "",
                "customerType": "regular",
                "metadata": {"crmId": f"A-{n}"} if n % 4 == 0 else {},
            }
            if n % 100 == 1:
                row["email"] = "not-an-email"  # 1% rejected
            if n % 100 == 2 and n > 2:
                row["email"] = f"USER{n - 2}@example.com"  # 1% duplicates of an earlier row
                row["phone"] = ""
            if writer:
                cells = dict(row, metadata=json.dumps(row["metadata"]) if row["metadata"] else "")
                writer.writerow([cells[c] for c in COLUMNS])
            else:
                handle.write(json.dumps({k: v for k, v in row.items() if v}) + "\n")


def _own_cpu() -> tuple[float, float]:
    """CPU seconds of (this process, its finished child processes: the workers)."""
    usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return tuple(u.ru_utime + u.ru_stime for u in usage)


def _backend_cpu(connection) -> float:
    """CPU seconds of this connection's PostgreSQL backend (0 if not on this host)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return cpu_seconds(pid) or 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--chunk-size", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from customers.models import Customer
    from tenants.models import Tenant
    from tenants.services import tenant_create

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}, {os.cpu_count()} CPUs, {args.rows} rows, {args.format}")
    rates = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"customers.{args.format}"
        generate(path, args.rows, args.format)
        for run in range(args.runs):
            tenant = tenant_create(name=f"bench import {run}", region="IT")
            try:
                connection.close()  # the import reconnects; its backend is measured after
                cpu_before = _own_cpu()
                started = time.perf_counter()
                call_command(
                    "import_customers",
                    str(path),
                    tenant=tenant.public_id,
                    chunk_size=args.chunk_size,
                    progress="none",
                    report=str(Path(tmp) / "rejected.csv"),
                )
                elapsed = time.perf_counter() - started
                parent, workers = (a - b for a, b in zip(_own_cpu(), cpu_before, strict=True))
                backend = _backend_cpu(connection)
                cpu = parent + workers + backend
                count = Customer.objects.filter(tenant=tenant).count()
                rates.append(args.rows / elapsed)
                cores = os.cpu_count() or 1
                print(
                    f"run {run + 1}: {args.rows} rows in {elapsed:.2f}s = {rates[-1]:,.0f} "
                    f"rows/s ({count} customers written); CPU {cpu:.1f}s = "
                    f"{cpu / args.rows * 1e6:.0f} us/row, {cores * args.rows / cpu:,.0f} rows/s "
                    f"on {cores} free cores; load average {os.getloadavg()[0]:.1f}"
                )
                print(
                    "  us/row: "
                    + ", ".join(
                        f"{name} {seconds / args.rows * 1e6:.0f}"
                        for name, seconds in (
                            ("main process", parent),
                            ("validation workers", workers),
                            ("PostgreSQL backend", backend),
                        )
                    )
                )
            finally:
                Customer.objects.filter(tenant=tenant).delete()
                Tenant.objects.filter(pk=tenant.pk).delete()
    print(f"best: {max(rates):,.0f} rows/s")


if __name__ == "__main__":
    main()
