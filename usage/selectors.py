"""Reads of usage: exact hourly totals (database rows plus counts still in Redis) and the
body of GET /v1/usage."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.db.models import Sum
from django.db.models.functions import TruncDay

from apikeys.models import Application
from plans import limiter, usage_store, windows
from plans.selectors import plan_snapshot_get
from usage.models import UsageRecord

TOTAL = None  # the key id of an application's own total rows (UsageRecord.key is NULL)


def _pending_rows(
    application_id: int, since: datetime
) -> list[tuple[int | None, str, datetime, int]]:
    """(key id or TOTAL, metric, hour, count) of the buckets still waiting for the flush."""
    out = []
    for hour_ts, fields in usage_store.get_usage_store().pending_usage(application_id):
        hour = datetime.fromtimestamp(hour_ts, UTC)
        if hour < since:
            continue
        for name, count in fields.items():
            key_part, metric = name.split("|", 1)
            key_id = TOTAL if key_part == usage_store.APP_TOTAL else int(key_part)
            out.append((key_id, metric, hour, count))
    return out


def usage_counts(
    *,
    application_id: int,
    since: datetime,
    per_key: bool = False,
    metrics: list[str] | None = None,
    by_day: bool = False,
) -> dict[tuple[int | None, str, datetime], int]:
    """Exact counts of an application since `since`, keyed (key id, metric, UTC hour or day):
    the application's totals (key id TOTAL), or with per_key its per-key rows. Database rows
    plus the buckets still waiting in Redis; a read that overlaps a flush (seen by the flush
    sequence number changing or being odd) is retried, so nothing is counted twice or missed.
    Days are summed by the database."""
    backend = usage_store.get_usage_store()
    since = windows.hour_start(since)
    rows = UsageRecord.objects.filter(
        application_id=application_id, key__isnull=not per_key, hour__gte=since
    )
    if metrics is not None:
        rows = rows.filter(metric__in=metrics)
    if by_day:
        rows = (
            rows.annotate(bucket=TruncDay("hour", tzinfo=UTC))
            .values("key_id", "metric", "bucket")
            .annotate(total=Sum("count"))
            .values_list("key_id", "metric", "bucket", "total")
        )
    else:
        rows = rows.values_list("key_id", "metric", "hour", "count")
    for attempt in range(6):
        before = backend.flush_seq_value()
        pending = _pending_rows(application_id, since)
        stored = list(rows)
        if before % 2 == 0 and backend.flush_seq_value() == before:
            break
        time.sleep(0.02 * (attempt + 1))
    totals: dict[tuple[int | None, str, datetime], int] = defaultdict(int)
    for key_id, metric, bucket, count in stored:
        totals[(key_id, metric, bucket.astimezone(UTC))] += count
    for key_id, metric, hour, count in pending:
        if (key_id is not TOTAL) != per_key or (metrics is not None and metric not in metrics):
            continue
        totals[(key_id, metric, hour.replace(hour=0) if by_day else hour)] += count
    return dict(totals)


def usage_hourly(
    *, application_id: int, since: datetime, metrics: list[str] | None = None
) -> dict[str, dict[datetime, int]]:
    """Exact hourly totals of an application since `since`, per metric (see usage_counts)."""
    by_metric: dict[str, dict[datetime, int]] = defaultdict(dict)
    counts = usage_counts(application_id=application_id, since=since, metrics=metrics)
    for (_key, metric, hour), count in counts.items():
        by_metric[metric][hour] = count
    return {metric: dict(sorted(hours.items())) for metric, hours in sorted(by_metric.items())}


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
