"""Shared by the plan permission and throttle: the caller's plan, looked up once a request."""

from __future__ import annotations

from core.cache_errors import CACHE_ERRORS
from core.metrics import REDIS_ERRORS
from plans.exceptions import RateLimiterUnavailable
from plans.selectors import PlanSnapshot, plan_snapshot_get


def request_plan(request) -> PlanSnapshot | None:
    """The plan of the caller's application (None for callers without one, e.g. provider
    keys). Kept on the underlying HttpRequest so the permission and throttle share it."""
    raw = getattr(request, "_request", request)
    if not hasattr(raw, "plan_snapshot"):
        plan_id = getattr(request.user, "plan_id", None)
        try:
            raw.plan_snapshot = plan_snapshot_get(plan_id=plan_id) if plan_id is not None else None
        except CACHE_ERRORS as exc:  # the cache is Redis: fail closed
            REDIS_ERRORS.labels("plan_lookup").inc()
            raise RateLimiterUnavailable() from exc
    return raw.plan_snapshot


def view_method(view) -> str:
    """The plan method of the view's current call: its `plan_methods` entry for the HTTP
    method (the first entry stands for methods not listed), else its fixed `plan_method`."""
    table = getattr(view, "plan_methods", None)
    if table:
        return str(table.get(view.request.method) or next(iter(table.values())))
    return str(getattr(view, "plan_method", "") or "")
