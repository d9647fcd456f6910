"""Rate-limit headers on every response of a counted call."""


def rate_limit_headers(decision) -> dict[str, str]:
    """Headers per draft-ietf-httpapi-ratelimit-headers-10, plus the common X-RateLimit-*.

    RateLimit-Policy lists every limit the call counted against (stable between calls);
    RateLimit and X-RateLimit-* describe the tightest one. Resets are delta seconds.
    """
    tightest = decision.tightest
    if tightest is None:
        return {}
    policies = []
    for counter in decision.counters:
        item = f'"{counter.limit.policy}";q={counter.limit.value}'
        if counter.window.seconds:
            item += f";w={counter.window.seconds}"
        policies.append(item)
    reset = tightest.window.reset_in(decision.now)
    current = f'"{tightest.limit.policy}";r={tightest.remaining}'
    headers = {
        "RateLimit-Policy": ", ".join(policies),
        "X-RateLimit-Limit": str(tightest.limit.value),
        "X-RateLimit-Remaining": str(tightest.remaining),
    }
    if reset is not None:
        current += f";t={reset}"
        headers["X-RateLimit-Reset"] = str(reset)
    headers["RateLimit"] = current
    return headers


class RateLimitHeadersMiddleware:
    """Copies the limiter's decision (stashed by PlanRateThrottle) onto the response,
    whatever its status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        decision = getattr(request, "ratelimit_decision", None)
        if decision is not None:
            for name, value in rate_limit_headers(decision).items():
                response[name] = value
        return response
