"""One log line and the metrics of every request (see core.logging and core.metrics)."""

from __future__ import annotations

import logging
import time

from core.logging import route_of
from core.metrics import HTTP_LATENCY, HTTP_REQUESTS, RATE_LIMITED

logger = logging.getLogger("cm.request")


def _caller(request) -> dict:
    """Who called, as ids safe to log: the principal's own `log_context` (tenant id,
    application id, key prefix; never the key), or nothing for anonymous callers."""
    context = getattr(getattr(request, "user", None), "log_context", None)
    return dict(context) if context else {}


class ObservabilityMiddleware:
    """Times the request and, once answered, logs one `request` line and records the
    request metrics. Sits right after RequestIdMiddleware, so it sees every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration = time.perf_counter() - started
        route, status = route_of(request), response.status_code
        HTTP_REQUESTS.labels(route, request.method, str(status)).inc()
        HTTP_LATENCY.labels(route, request.method, str(status)).observe(duration)
        plan = getattr(getattr(request, "plan_snapshot", None), "slug", None)
        if status == 429:
            RATE_LIMITED.labels(plan or "none").inc()
        logger.info(
            "request",
            extra={
                "request_id": getattr(request, "request_id", None),
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": round(duration * 1000, 2),
                "plan": plan,
                **_caller(request),
            },
        )
        return response
