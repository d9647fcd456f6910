"""The opportunistic usage flush, after the response of a call the limiter marked as due."""

from usage.services import usage_flush_quietly


class UsageFlushMiddleware:
    """Runs the usage flush when PlanRateThrottle left `usage_flush_due` on the request (the
    limiter script hands that claim to one caller per flush interval, across processes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "usage_flush_due", False):
            usage_flush_quietly()
        return response
