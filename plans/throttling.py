"""The per-plan DRF throttle: one atomic limiter call per request (see plans.limiter)."""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from core.cache_errors import CACHE_ERRORS, fail_open
from plans import limiter
from plans.enforcement import plan_confirmed, plan_guard, request_plan, view_method
from plans.exceptions import MSG_LIMIT_REACHED, PlanLimitReached, RateLimiterUnavailable
from plans.models import HITS


class PlanRateThrottle(BaseThrottle):
    """Counts the call against the application's `hits` limits and its method's limits.

    Only views with an `api_family` and callers with an application are counted. The state
    of the limits is left on the request for RateLimitHeadersMiddleware; a refusal raises
    DRF's Throttled (429 problem with Retry-After).
    """

    def allow_request(self, request, view) -> bool:
        if not getattr(view, "api_family", ""):
            return _confirmed(request, view)
        principal = request.user
        application_id = getattr(principal, "application_id", None)
        plan = request_plan(request)
        if application_id is None or plan is None:
            return _confirmed(request, view)
        method = view_method(view)
        decision = _hit(request, method)
        if decision is None:  # Redis unavailable and limits fail open: served uncounted
            return _confirmed(request, view)
        if decision.stale:
            # This process's copy of the key or plan is out of date: nothing was counted.
            # Decide again on current data (permissions included), then count.
            request.user = principal.refreshed()
            request_plan(request, reread=True)
            view.check_permissions(request)
            decision = _hit(request, method)
        if any(decision.claimed):
            request.user.record_use()
        raw = request._request
        raw.ratelimit_decision = decision
        raw.usage_flush_due = decision.flush_due
        if decision.allowed:
            return True
        blocking = max(
            decision.blocking,
            key=lambda c: c.window.reset_in(decision.now) or float("inf"),
        )
        raise PlanLimitReached(
            wait=decision.retry_after,
            detail=MSG_LIMIT_REACHED.format(
                plan=plan.name,
                value=blocking.limit.value,
                metric=blocking.limit.metric,
                period=blocking.limit.period,
            ),
            extra={
                "plan": plan.slug,
                "violated-policies": [c.limit.policy for c in decision.blocking],
            },
        )

    def wait(self):  # never reached: a refusal raises with its own wait
        return None


def _guards(request) -> list[tuple[str, str]]:
    return [*getattr(request.user, "guards", ()), *plan_guard(request)]


def _hit(request, method: str) -> limiter.Decision | None:
    """One limiter call that also confirms whatever this process took from its own copies
    (the key's and the plan's version tokens) and claims the once-a-minute last-use write.
    None when Redis is unavailable and limits fail open (core.cache_errors)."""
    principal, plan = request.user, request_plan(request)
    try:
        return limiter.hit(
            application_id=principal.application_id,
            key_id=getattr(principal, "key_id", None),
            limits=plan.limits_for(method),
            metrics=[HITS, method] if method else [HITS],
            guards=_guards(request),
            claims=getattr(principal, "use_claims", ()),
        )
    except CACHE_ERRORS as exc:
        if settings.RATELIMIT_FAIL_CLOSED:
            raise RateLimiterUnavailable() from exc
        fail_open(f"application {principal.application_id}")
        return None


def _confirmed(request, view) -> bool:
    """Calls that are not counted still must not run on out-of-date local copies: read the
    key and plan again (from the database if Redis is down) and re-check the permissions."""
    principal = request.user
    if not (getattr(principal, "confirmed", True) and plan_confirmed(request)):
        if not getattr(principal, "confirmed", True):
            request.user = principal.refreshed()
        request_plan(request, reread=True)
        view.check_permissions(request)
    return True
