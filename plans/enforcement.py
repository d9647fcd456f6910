"""Shared by the plan permission and throttle: the caller's plan, looked up once a request."""

from __future__ import annotations

from plans.selectors import (
    PlanSnapshot,
    plan_snapshot_local,
    plan_snapshot_versioned,
    plan_version_key,
)


def request_plan(request, *, reread: bool = False) -> PlanSnapshot | None:
    """The plan of the caller's application (None for callers without one, e.g. provider
    keys). Kept on the underlying HttpRequest so the permission and throttle share it.

    The first look uses this process's copy when it has one (no I/O); `plan_guard` then
    names the version the limiter must confirm. `reread=True` reads the current plan."""
    raw = getattr(request, "_request", request)
    if reread or not hasattr(raw, "plan_snapshot"):
        plan_id = getattr(request.user, "plan_id", None)
        raw.plan_snapshot, raw.plan_version, raw.plan_confirmed = None, None, True
        if plan_id is not None:
            local = None if reread else plan_snapshot_local(plan_id=plan_id)
            if local is not None:
                (raw.plan_snapshot, raw.plan_version), raw.plan_confirmed = local, False
            else:
                raw.plan_snapshot, raw.plan_version = plan_snapshot_versioned(plan_id=plan_id)
    return raw.plan_snapshot


def plan_confirmed(request) -> bool:
    """Whether request_plan read the current plan (not this process's possibly old copy)."""
    return getattr(getattr(request, "_request", request), "plan_confirmed", True)


def plan_guard(request) -> list[tuple[str, str]]:
    """The limiter guard that confirms the plan request_plan used is still current."""
    raw = getattr(request, "_request", request)
    snapshot = getattr(raw, "plan_snapshot", None)
    if snapshot is None or raw.plan_confirmed:
        return []
    return [(plan_version_key(snapshot.id), raw.plan_version)]


def view_method(view) -> str:
    """The plan method of the view's current call: its `plan_methods` entry for the HTTP
    method (the first entry stands for methods not listed), else its fixed `plan_method`."""
    table = getattr(view, "plan_methods", None)
    if table:
        return str(table.get(view.request.method) or next(iter(table.values())))
    return str(getattr(view, "plan_method", "") or "")
