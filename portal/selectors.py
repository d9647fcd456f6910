"""Tenant-scoped reads for the portal pages: every function takes the tenant, so a page
cannot reach another tenant's applications, keys, users or usage."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from apikeys.models import ApiKey, Application
from apikeys.selectors import apikey_list, application_get, application_list
from plans import windows
from plans.models import HITS, RATE_LIMITED, Method
from portal.models import TenantUser
from tenants.models import Tenant
from usage.charts import bar_chart
from usage.selectors import TOTAL, usage_counts, usage_summary

HOURLY_DAYS = 7
DAILY_DAYS = 90
USAGE_METRICS = [HITS, *Method.values, RATE_LIMITED]


def tenant_user_for(*, user) -> TenantUser | None:
    """The signed-in user's membership (None for staff and other non-tenant accounts)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TenantUser.objects.select_related("tenant", "user").filter(user=user).first()


def tenant_user_list(*, tenant: Tenant):
    return TenantUser.objects.filter(tenant=tenant).select_related("user").order_by("user__email")


def tenant_user_get(*, tenant: Tenant, member_id) -> TenantUser | None:
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        return None
    return tenant_user_list(tenant=tenant).filter(pk=member_id).first()


def portal_application(*, tenant: Tenant, app_id: str | None) -> Application | None:
    """The application a page shows: the one named (of this tenant only), else the first."""
    if app_id:
        return application_get(tenant=tenant, app_id=app_id)
    return application_list(tenant=tenant).first()


def portal_overview(*, tenant: Tenant) -> list[dict]:
    """Per application: plan, state, each limit (used / remaining / reset) and today's hits."""
    today = windows.now().replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    for application in application_list(tenant=tenant):
        summary = usage_summary(application_id=application.pk, plan_id=application.plan_id, days=1)
        today_counts: dict[str, int] = defaultdict(int)
        for metric, hours in summary["hourly"].items():
            for point in hours:
                if datetime.fromisoformat(point["hour"]) >= today:
                    today_counts[metric] += point["count"]
        out.append(
            {
                "application": application,
                "limits": summary["limits"],
                "today_hits": today_counts.get(HITS, 0),
                "today": sorted(today_counts.items()),
            }
        )
    return out


def portal_keys(*, application: Application) -> list[ApiKey]:
    return list(apikey_list(application=application))


def _series(counts: dict, *, metric: str, key_id, start: datetime, step: timedelta, n: int):
    return [(start + i * step, counts.get((key_id, metric, start + i * step), 0)) for i in range(n)]


def portal_usage(*, application: Application, metric: str, key: ApiKey | None) -> dict:
    """Charts and tables of one application's usage: hits per hour (7 days) and per day
    (90 days) of `metric`, for the application or one of its keys; totals per metric and
    per key."""
    now_hour = windows.hour_start(windows.now())
    hour_start = now_hour - timedelta(hours=HOURLY_DAYS * 24 - 1)
    day_start = now_hour.replace(hour=0) - timedelta(days=DAILY_DAYS - 1)
    per_key = key is not None
    key_id = key.pk if per_key else TOTAL
    hourly = usage_counts(application_id=application.pk, since=hour_start, per_key=per_key)
    daily = usage_counts(
        application_id=application.pk, since=day_start, per_key=per_key, by_day=True
    )
    hour_points = _series(
        hourly,
        metric=metric,
        key_id=key_id,
        start=hour_start,
        step=timedelta(hours=1),
        n=HOURLY_DAYS * 24,
    )
    day_points = _series(
        daily,
        metric=metric,
        key_id=key_id,
        start=day_start,
        step=timedelta(days=1),
        n=DAILY_DAYS,
    )
    # Totals per metric (application rows) and per key (hits), from the same two reads.
    app_daily = (
        daily
        if not per_key
        else usage_counts(application_id=application.pk, since=day_start, by_day=True)
    )
    key_daily = (
        daily
        if per_key
        else usage_counts(
            application_id=application.pk,
            since=day_start,
            per_key=True,
            by_day=True,
            metrics=[HITS],
        )
    )
    week_start = now_hour.replace(hour=0) - timedelta(days=HOURLY_DAYS - 1)
    today = now_hour.replace(hour=0)
    metric_rows = defaultdict(lambda: {"today": 0, "week": 0, "quarter": 0})
    for (_key, name, day), count in app_daily.items():
        row = metric_rows[name]
        row["quarter"] += count
        row["week"] += count if day >= week_start else 0
        row["today"] += count if day >= today else 0
    keys = {k.pk: k for k in apikey_list(application=application)}
    key_rows = defaultdict(lambda: {"week": 0, "quarter": 0})
    for (kid, name, day), count in key_daily.items():
        if name != HITS or kid not in keys:
            continue
        key_rows[kid]["quarter"] += count
        key_rows[kid]["week"] += count if day >= week_start else 0
    return {
        "hourly_chart": bar_chart(
            hour_points,
            bar_width=5,
            label=lambda at: at.strftime("%a %d") if at.hour == 0 else None,
        ),
        "daily_chart": bar_chart(
            day_points,
            bar_width=9,
            label=lambda at: at.strftime("%d %b") if at.day in (1, 15) else None,
        ),
        "daily_points": list(reversed(day_points)),
        "metric_rows": [
            {"metric": name, **metric_rows[name]} for name in USAGE_METRICS if name in metric_rows
        ],
        "key_rows": [{"key": keys[kid], **key_rows[kid]} for kid in sorted(key_rows, reverse=True)],
        "hour_start": hour_start,
        "day_start": day_start,
    }


def portal_usage_csv_rows(*, application: Application, by_day: bool):
    """(period start, metric, key prefix or "" for the application's total, count) over the
    last 90 days, oldest first."""
    since = windows.hour_start(windows.now()).replace(hour=0) - timedelta(days=DAILY_DAYS - 1)
    prefixes = {k.pk: k.prefix for k in apikey_list(application=application)}
    rows = []
    for per_key in (False, True):
        counts = usage_counts(
            application_id=application.pk, since=since, per_key=per_key, by_day=by_day
        )
        for (key_id, metric, at), count in counts.items():
            prefix = "" if key_id is TOTAL else prefixes.get(key_id, str(key_id))
            rows.append((at, metric, prefix, count))
    rows.sort(key=lambda row: (row[0], row[2], row[1]))
    for at, metric, prefix, count in rows:
        stamp: datetime | date = at.date() if by_day else at.astimezone(UTC)
        yield stamp.isoformat(), metric, prefix, count
