"""Time the staff analytics queries on 1,000 applications x 90 days of hourly usage.

    createdb -h 127.0.0.1 -U postgres cm_analytics_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cm_analytics_bench \
        .venv/bin/python bench/analytics_queries.py [--apps 1000] [--days 90] [--runs 5]

Migrates that database, seeds it once with COPY (100 tenants of 10 applications each; per
application and UTC hour a `hits` row, a `customer.list` row and, one hour in twenty, a
`rate_limited` row: about 4.4 M UsageRecord rows), then runs each query of
usage.analytics `--runs` times per period and prints the median and worst wall time.
Reruns reuse the seed. Needs PostgreSQL (the point is the production database).

Measured 2026-11-30 (PostgreSQL 15, 4,427,759 rows, 2 shared cores at load average ~8,
--runs 5, median / worst ms):

    query                  24h          7d           30d
    top_applications       46 / 65      111 / 132    411 / 439
    top_tenants            55 / 185     121 / 180    401 / 451
    heat_map               37 / 41      99 / 108     462 / 519
    hits_per_method        22 / 26      69 / 76      287 / 325
    rate_limited_per_plan  14 / 24      30 / 47      115 / 132
    applications_near_limits (in-process limiter, 1,000 applications): 255 / 393
    whole page at 30d (one shared per-application scan): 2,075 / 2,135

Before the partial (metric, hour) index on the totals rows, top_applications took 604 ms
at 24h and top_tenants / heat_map (grouped in SQL through joins and EXTRACT) 1.6 s at 30d.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")


def _setup() -> None:
    import django

    django.setup()
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database made for this benchmark.")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(apps: int, days: int) -> None:
    from django.db import connection

    from apikeys.models import Application
    from plans.models import HITS, RATE_LIMITED, Plan
    from tenants.models import Tenant
    from usage.models import UsageRecord

    if Application.objects.count() >= apps:
        print(f"seed present: {UsageRecord.objects.count():,} usage rows")
        return
    started = time.perf_counter()
    plans = list(Plan.objects.all())
    tenants = Tenant.objects.bulk_create(
        [Tenant(name=f"Bench tenant {i}") for i in range(apps // 10)]
    )
    applications = Application.objects.bulk_create(
        [
            Application(tenant=tenants[i // 10], plan=plans[i % len(plans)], name=f"bench {i}")
            for i in range(apps)
        ]
    )
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    hours = [end - timedelta(hours=h) for h in range(days * 24)]
    rng = random.Random(13)
    table = UsageRecord._meta.db_table
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(
            f"COPY {table} (application_id, key_id, metric, hour, count) FROM STDIN"
        ) as copy:
            for app in applications:
                weight = rng.randint(1, 200)
                for hour in hours:
                    busy = 3 if 8 <= hour.hour <= 18 and hour.isoweekday() <= 5 else 1
                    hits = rng.randint(0, weight) * busy
                    copy.write_row((app.pk, None, HITS, hour, hits))
                    copy.write_row((app.pk, None, "customer.list", hour, hits // 2))
                    if rng.random() < 0.05:
                        copy.write_row((app.pk, None, RATE_LIMITED, hour, rng.randint(1, 50)))
        cursor.execute(f"ANALYZE {table}")
    print(
        f"seeded {apps} applications x {days} days: {UsageRecord.objects.count():,} rows "
        f"in {time.perf_counter() - started:.0f} s"
    )


def _time(fn, runs: int) -> tuple[float, float]:
    fn()  # warm caches and the plan snapshot cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    _setup()
    _seed(args.apps, args.days)

    from plans import windows
    from usage import analytics

    print(f"{'query':<28}{'period':>7}{'median ms':>11}{'worst ms':>10}")
    for period, span in analytics.PERIODS.items():
        since = windows.hour_start(windows.now()) - span
        queries = {
            "top_applications": lambda s=since: analytics.top_applications(since=s),
            "top_tenants": lambda s=since: analytics.top_tenants(since=s),
            "heat_map": lambda s=since: analytics.heat_map(since=s),
            "hits_per_method": lambda s=since: analytics.hits_per_method(since=s),
            "rate_limited_per_plan": lambda s=since: analytics.rate_limited_per_plan(since=s),
        }
        for name, fn in queries.items():
            median, worst = _time(fn, args.runs)
            print(f"{name:<28}{period:>7}{median:>11.1f}{worst:>10.1f}")
    median, worst = _time(analytics.applications_near_limits, args.runs)
    print(f"{'applications_near_limits':<28}{'now':>7}{median:>11.1f}{worst:>10.1f}")
    median, worst = _time(lambda: analytics.analytics_context(period="30d"), args.runs)
    print(f"{'whole page (30d)':<28}{'':>7}{median:>11.1f}{worst:>10.1f}")


if __name__ == "__main__":
    main()
