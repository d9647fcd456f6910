"""Reads of plans and usage. The per-request ones are served from the cache once warm."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.cache import cache

from plans import limiter, usage_store, windows
from plans.models import HITS, Plan, UsageRecord

PLAN_CACHE_SECONDS = 600


def plan_get_default() -> Plan:
    """The plan new applications get when none is named (a data migration guarantees one)."""
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        raise Plan.DoesNotExist("No default plan: mark one plan as default in admin.")
    return plan


def plan_get_by_slug(*, slug: str) -> Plan | None:
    return Plan.objects.filter(slug=slug).first()


@dataclass(frozen=True)
class PlanSnapshot:
    """What enforcement needs of a plan, small enough to cache and pickle."""

    id: int
    slug: str
    name: str
    families: frozenset[str]
    methods: frozenset[str]
    trial_days: int | None
    limits: tuple[limiter.LimitSpec, ...]

    def limits_for(self, method: str | None) -> list[limiter.LimitSpec]:
        """The limits one call counts against: `hits` and, if any, its method's."""
        return [
            lim for lim in self.limits if lim.metric == HITS or (method and lim.metric == method)
        ]


def plan_version_key(plan_id: int) -> str:
    return f"plans:version:{plan_id}"


def _plan_version(plan_id: int) -> str:
    version = cache.get(plan_version_key(plan_id))
    if version is None:
        cache.add(plan_version_key(plan_id), uuid.uuid4().hex, None)
        version = cache.get(plan_version_key(plan_id))
    return version


def plan_snapshot_get(*, plan_id: int) -> PlanSnapshot | None:
    """The plan as enforcement sees it: two cache reads once warm, no database query.

    The version is read before the database, so a snapshot built from data that a
    concurrent `plan_touch` replaced is stored under the old version and never read.
    """
    version = _plan_version(plan_id)
    key = f"plans:snapshot:{plan_id}:{version}"
    snapshot = cache.get(key)
    if snapshot is None:
        plan = Plan.objects.filter(pk=plan_id).prefetch_related("limits").first()
        if plan is None:
            return None
        snapshot = PlanSnapshot(
            id=plan.pk,
            slug=plan.slug,
            name=plan.name,
            families=frozenset(plan.families or []),
            methods=frozenset(plan.methods or []),
            trial_days=plan.trial_days,
            limits=tuple(
                limiter.LimitSpec(lim.metric, lim.period, lim.value)
                for lim in sorted(plan.limits.all(), key=lambda lim: (lim.metric, lim.period))
            ),
        )
        cache.set(key, snapshot, PLAN_CACHE_SECONDS)
    return snapshot


# --- Usage ----------------------------------------------------------------------------------


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
    from apikeys.models import Application

    plan = plan_snapshot_get(plan_id=plan_id)
    now = windows.now()
    states = limiter.peek(application_id=application_id, limits=plan.limits if plan else [])
    since = windows.hour_start(now - timedelta(days=days))
    hourly = usage_hourly(application_id=application_id, since=since)
    app_id = Application.objects.filter(pk=application_id).values_list("app_id", flat=True).first()
    return {
        "application_id": app_id,
        "plan": plan.slug if plan else None,
        "generated_at": now.isoformat(),
        "limits": [
            {
                "metric": s.limit.metric,
                "period": s.limit.period,
                "limit": s.limit.value,
                "used": s.used,
                "remaining": s.remaining,
                "reset": s.window.end.isoformat() if s.window.end else None,
                "reset_seconds": s.window.reset_in(now),
            }
            for s in states
        ],
        "hourly_since": since.isoformat(),
        "hourly": {
            metric: [{"hour": hour.isoformat(), "count": count} for hour, count in hours.items()]
            for metric, hours in hourly.items()
        },
    }
