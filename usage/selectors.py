"""Reads of usage: exact hourly totals (database rows plus counts still in Redis) and the
body of GET /v1/usage."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from apikeys.models import Application
from plans import limiter, usage_store, windows
from plans.selectors import plan_snapshot_get
from usage.models import UsageRecord


def _pending_totals(application_id: int, since: datetime) -> dict[tuple[str, datetime], int]:
    out: dict[tuple[str, datetime], int] = defaultdict(int)
    for hour_ts, fields in usage_store.get_usage_store().pending_usage(application_id):
        hour = datetime.fromtimestamp(hour_ts, UTC)
        if hour < since:
            continue
        for name, count in fields.items():
            key_part, metric = name.split("|", 1)
            if key_part == usage_store.APP_TOTAL:
                out[(metric, hour)] += count
    return out


def usage_hourly(
    *, application_id: int, since: datetime, metrics: list[str] | None = None
) -> dict[str, dict[datetime, int]]:
    """Exact hourly totals of an application since `since`: database rows plus the buckets
    still waiting in Redis. A read that overlaps a flush (seen by the flush sequence number
    changing or being odd) is retried, so nothing is counted twice or missed."""
    backend = usage_store.get_usage_store()
    since = windows.hour_start(since)
    for attempt in range(6):
        before = backend.flush_seq_value()
        pending = _pending_totals(application_id, since)
        rows = UsageRecord.objects.filter(
            application_id=application_id, key__isnull=True, hour__gte=since
        )
        if metrics is not None:
            rows = rows.filter(metric__in=metrics)
        stored = list(rows.values_list("metric", "hour", "count"))
        if before % 2 == 0 and backend.flush_seq_value() == before:
            break
        time.sleep(0.02 * (attempt + 1))
    totals: dict[str, dict[datetime, int]] = defaultdict(lambda: defaultdict(int))
    for metric, hour, count in stored:
        totals[metric][hour.astimezone(UTC)] += count
    for (metric, hour), count in pending.items():
        if metrics is None or metric in metrics:
            totals[metric][hour] += count
    return {metric: dict(sorted(hours.items())) for metric, hours in sorted(totals.items())}


def usage_summary(*, application_id: int, plan_id: int, days: int = 30) -> dict:
    """The body of GET /v1/usage: each limit's state and hourly counts per metric."""
    plan = plan_snapshot_get(plan_id=plan_id)
    now = windows.now()
    states = limiter.peek(application_id=application_id, limits=plan.limits if plan else [])
    since = windows.hour_start(now - timedelta(days=days))
    hourly = usage_hourly(application_id=application_id, since=since)
    app_id = Application.objects.filter(pk=application_id).values_list("app_id", flat=True).first()
    return {
        "applicationId": app_id,
        "plan": plan.slug if plan else None,
        "generatedAt": now.isoformat(),
        "limits": [
            {
                "metric": s.limit.metric,
                "period": s.limit.period,
                "limit": s.limit.value,
                "used": s.used,
                "remaining": s.remaining,
                "reset": s.window.end.isoformat() if s.window.end else None,
                "resetSeconds": s.window.reset_in(now),
            }
            for s in states
        ],
        "hourlySince": since.isoformat(),
        "hourly": {
            metric: [{"hour": hour.isoformat(), "count": count} for hour, count in hours.items()]
            for metric, hours in hourly.items()
        },
    }
