"""Hands a due usage flush to the background flusher once the response is ready."""

from django.conf import settings

from usage import flusher
from usage.services import usage_flush_quietly


class UsageFlushMiddleware:
    """When PlanRateThrottle left `usage_flush_due` on the request (the limiter script hands
    that claim to one caller per flush interval, across processes), wakes this process's
    flush thread (usage.flusher): the request itself never waits for the database write.

    USAGE_FLUSH_BACKGROUND=false (the tests' setting) flushes in the request instead, so a
    test's transaction sees the rows and no thread writes beside it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "usage_flush_due", False):
            if settings.USAGE_FLUSH_BACKGROUND:
                flusher.wake()
            else:
                usage_flush_quietly()
        return response
