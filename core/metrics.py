"""Every Prometheus metric of the service, in one place, and the /metrics view.

Label values are bounded and never identify a tenant, an application or a key: route
*patterns* (not paths), HTTP methods, status codes, plan slugs, fixed reason strings.

Several worker processes: set PROMETHEUS_MULTIPROC_DIR to an empty directory before the
server starts (`make run` does, see the README); each process then writes its samples
there and /metrics, whichever worker answers, adds them all up (prometheus-client's
multiprocess mode). Without it, metrics are this process's own.

The view is core.views.metrics. Other code increments these; what each means:
"""

from __future__ import annotations

import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

# Requests, by route pattern ("v1/customer/<str:customer_id>"; "unmatched" for a 404 no
# route took), method and status code.
HTTP_REQUESTS = Counter(
    "cm_http_requests_total", "HTTP requests answered.", ["route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "cm_http_request_duration_seconds",
    "Time to answer a request, from the first middleware to the response.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# 429s of the plan limiter, by plan slug.
RATE_LIMITED = Counter("cm_rate_limited_total", "Calls refused with 429, by plan.", ["plan"])
# Calls let through uncounted because the limiter could not be reached (policy today is to
# fail closed, so this stays 0 unless a fail-open policy is configured). `reason`: e.g.
# "redis_error", "timeout".
RATELIMIT_FAIL_OPEN = Counter(
    "cm_ratelimit_fail_open_total", "Calls admitted without a limiter decision.", ["reason"]
)
# Errors talking to a backing service, by where they were met ("request" for one that ended
# a request as a 503; others name their component, e.g. "limiter", "auth_cache", "flush").
REDIS_ERRORS = Counter("cm_redis_errors_total", "Redis commands that failed.", ["where"])
DATABASE_ERRORS = Counter(
    "cm_database_errors_total", "PostgreSQL operations that failed.", ["where"]
)
# The usage flush (Redis buckets -> database).
USAGE_FLUSH_LAST_SUCCESS = Gauge(
    "cm_usage_flush_last_success_timestamp_seconds",
    "Unix time the last usage flush finished.",
    multiprocess_mode="max",
)
USAGE_FLUSH_FAILURES = Counter("cm_usage_flush_failures_total", "Usage flushes that failed.")
USAGE_FLUSHED_HITS = Counter("cm_usage_flushed_hits_total", "Hits written by usage flushes.")
# Webhook deliveries, by outcome ("delivered", "failed", "gave_up"), once webhooks exist.
WEBHOOK_DELIVERIES = Counter(
    "cm_webhook_deliveries_total", "Webhook delivery attempts.", ["outcome"]
)

_LAG_NAME = "cm_usage_flush_lag_seconds"


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _registry():
    if multiprocess_dir() is None:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def exposition() -> tuple[str, str]:
    """(body, content type) of a scrape: every process's samples in multiprocess mode."""
    registry = _registry()
    return generate_latest(registry).decode() + _flush_lag(
        registry, time.time()
    ), CONTENT_TYPE_LATEST


def _flush_lag(registry, now: float) -> str:
    """`cm_usage_flush_lag_seconds`: seconds since the last successful flush of any process
    (absent until one has run), computed at scrape time."""
    last = max(
        (
            sample.value
            for family in registry.collect()
            if family.name == USAGE_FLUSH_LAST_SUCCESS._name
            for sample in family.samples
        ),
        default=0,
    )
    if not last:
        return ""
    return (
        f"# HELP {_LAG_NAME} Seconds since the last successful usage flush.\n"
        f"# TYPE {_LAG_NAME} gauge\n{_LAG_NAME} {max(0.0, now - last):.3f}\n"
    )
