"""Reads for the staff analytics page: all on the aggregated hourly UsageRecord totals
(key IS NULL rows), never on per-request data; `bench/analytics_queries.py` times them."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.db.models import F, Sum

from apikeys.models import Application
from plans import limiter, windows
from plans.models import HITS, RATE_LIMITED, Method
from plans.selectors import plan_snapshot_get
from tenants.models import Tenant
from usage.models import UsageRecord

PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
NEAR_LIMIT = 0.8  # an application at 80% of any limit is "near" it


def _totals(metric: str, since: datetime):
    return UsageRecord.objects.filter(key__isnull=True, metric=metric, hour__gte=since)


def hits_per_application(*, since: datetime) -> dict[int, int]:
    """Hits of every application with usage since `since` (one grouped scan of the totals)."""
    return dict(
        _totals(HITS, since)
        .values("application_id")
        .annotate(hits=Sum("count"))
        .values_list("application_id", "hits")
    )


def top_applications(*, since: datetime, limit: int = 10, per_app=None) -> list[dict]:
    per_app = hits_per_application(since=since) if per_app is None else per_app
    top = sorted(per_app.items(), key=lambda item: (-item[1], item[0]))[:limit]
    apps = Application.objects.select_related("tenant", "plan").in_bulk([a for a, _ in top])
    return [{"application": apps[app_id], "hits": hits} for app_id, hits in top]


def top_tenants(*, since: datetime, limit: int = 10, per_app=None) -> list[dict]:
    """Tenants by the hits of all their applications (summed here from the per-application
    totals: cheaper than grouping millions of rows through two joins)."""
    per_app = hits_per_application(since=since) if per_app is None else per_app
    owners = dict(Application.objects.filter(pk__in=list(per_app)).values_list("pk", "tenant_id"))
    per_tenant: dict[int, int] = defaultdict(int)
    for app_id, hits in per_app.items():
        per_tenant[owners[app_id]] += hits
    top = sorted(per_tenant.items(), key=lambda item: (-item[1], item[0]))[:limit]
    tenants = Tenant.objects.in_bulk([t for t, _ in top])
    return [
        {"tenant_name": tenants[t].name, "tenant_id": tenants[t].public_id, "hits": hits}
        for t, hits in top
    ]


def heat_map(*, since: datetime) -> dict:
    """Hits per (weekday, UTC hour), as 7 rows of 24 cells with a 0-1 level. The database
    sums per hour (at most 720 rows for 30 days); the hours fold into the week here."""
    cells: dict[tuple[int, int], int] = defaultdict(int)
    for hour, hits in (
        _totals(HITS, since).values("hour").annotate(hits=Sum("count")).values_list("hour", "hits")
    ):
        hour = hour.astimezone(UTC)
        cells[(hour.isoweekday(), hour.hour)] += hits
    peak = max(cells.values(), default=0)
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return {
        "peak": peak,
        "rows": [
            {
                "day": names[day - 1],
                "cells": [
                    {
                        "hour": hour,
                        "hits": cells.get((day, hour), 0),
                        "level": round(cells.get((day, hour), 0) / peak, 2) if peak else 0,
                    }
                    for hour in range(24)
                ],
            }
            for day in range(1, 8)
        ],
    }


def hits_per_method(*, since: datetime) -> list[dict]:
    return list(
        UsageRecord.objects.filter(key__isnull=True, metric__in=Method.values, hour__gte=since)
        .values("metric")
        .annotate(hits=Sum("count"))
        .order_by("-hits")
    )


def rate_limited_per_plan(*, since: datetime) -> list[dict]:
    """429s per plan (the application's current plan)."""
    return list(
        _totals(RATE_LIMITED, since)
        .values(plan_name=F("application__plan__name"))
        .annotate(refused=Sum("count"))
        .order_by("-refused")
    )


def applications_near_limits(*, threshold: float = NEAR_LIMIT) -> list[dict]:
    """Live applications using at least `threshold` of a limit in its current window: the
    limiter's own counters for every application, read in one round trip."""
    apps = list(
        Application.objects.filter(state=Application.State.LIVE).select_related("tenant", "plan")
    )
    plans = {pid: plan_snapshot_get(plan_id=pid) for pid in {a.plan_id for a in apps}}
    limited = [(a, plans[a.plan_id].limits) for a in apps if plans.get(a.plan_id)]
    states = limiter.peek_many(
        applications=[(a.pk, limits) for a, limits in limited], at=windows.now()
    )
    out = []
    for (application, _limits), counters in zip(limited, states, strict=True):
        for c in counters:
            if c.limit.value and c.used / c.limit.value >= threshold:
                out.append(
                    {
                        "application": application,
                        "limit": c.limit,
                        "used": c.used,
                        "share": round(100 * c.used / c.limit.value),
                    }
                )
    return sorted(out, key=lambda row: -row["share"])


def analytics_context(*, period: str) -> dict:
    since = windows.hour_start(windows.now()) - PERIODS[period] + timedelta(hours=1)
    per_app = hits_per_application(since=since)
    return {
        "period": period,
        "periods": list(PERIODS),
        "since": since,
        "top_applications": top_applications(since=since, per_app=per_app),
        "top_tenants": top_tenants(since=since, per_app=per_app),
        "heat_map": heat_map(since=since),
        "per_method": hits_per_method(since=since),
        "rate_limited": rate_limited_per_plan(since=since),
        "near_limits": applications_near_limits(),
    }
