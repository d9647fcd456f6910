"""Domain errors of plan gating and rate limiting; messages are constants tests import."""

from rest_framework import exceptions

from core.problems import ApplicationError

MSG_FAMILY_NOT_GRANTED = "The {plan} plan does not include the {family} API."
MSG_METHOD_NOT_ENABLED = "The {plan} plan does not enable {method}."
MSG_LIMIT_REACHED = "The {plan} plan allows {value} {metric} per {period}; the limit is reached."
MSG_LIMITER_UNAVAILABLE = "The rate limiter is unavailable; retry shortly."


class PlanMethodNotAllowed(ApplicationError):
    status = 403
    code = "plan_method_not_allowed"
    detail = "Your plan does not allow this call."


class RateLimiterUnavailable(ApplicationError):
    status = 503
    code = "service_unavailable"
    detail = MSG_LIMITER_UNAVAILABLE

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "1"})


class PlanLimitReached(exceptions.Throttled):
    """DRF's Throttled (so 429 and Retry-After from `wait`), plus problem extension members."""

    def __init__(self, *, wait: int | None, detail: str, extra: dict) -> None:
        super().__init__(wait=wait, detail=detail)
        self.extra = extra
