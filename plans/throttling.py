"""The per-plan DRF throttle: one atomic limiter call per request (see plans.limiter)."""

from rest_framework.throttling import BaseThrottle

from core.cache_errors import CACHE_ERRORS
from core.metrics import REDIS_ERRORS
from plans import limiter
from plans.enforcement import request_plan, view_method
from plans.exceptions import MSG_LIMIT_REACHED, PlanLimitReached, RateLimiterUnavailable
from plans.models import HITS


def request_cost(request, view) -> int:
    """What the call counts as: 1, unless the view says otherwise (`limit_cost(request)`,
    e.g. a bulk create counts each of its items as one call)."""
    cost = getattr(view, "limit_cost", None)
    return max(1, cost(request)) if cost is not None else 1


class PlanRateThrottle(BaseThrottle):
    """Counts the call against the application's `hits` limits and its method's limits,
    as many times as `request_cost` says (all or nothing, in the same one limiter call).

    Only views with an `api_family` and callers with an application are counted. The state
    of the limits is left on the request for RateLimitHeadersMiddleware; a refusal raises
    DRF's Throttled (429 problem with Retry-After).
    """

    def allow_request(self, request, view) -> bool:
        if not getattr(view, "api_family", ""):
            return True
        principal = request.user
        application_id = getattr(principal, "application_id", None)
        plan = request_plan(request)
        if application_id is None or plan is None:
            return True
        method = view_method(view)
        try:
            decision = limiter.hit(
                application_id=application_id,
                key_id=getattr(principal, "key_id", None),
                limits=plan.limits_for(method),
                metrics=[HITS, method] if method else [HITS],
                cost=request_cost(request, view),
            )
        except CACHE_ERRORS as exc:  # fail closed: never let a call through uncounted
            REDIS_ERRORS.labels("limiter").inc()
            raise RateLimiterUnavailable() from exc
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
