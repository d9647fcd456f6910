"""Structured logs: one JSON object a line (python-json-logger), or text for humans.

python-json-logger is a formatter for the standard `logging` module, so every logger we,
Django, gunicorn or a library use emits the same JSON with no change at the call sites
(structlog would have meant a second logging API to route the stdlib's records through).
`settings.LOGGING` (built by `logging_config`) picks it by LOG_FORMAT=json|text.

Every record carries `request_id` (the X-Request-ID of the request being served, or null in
a command), added by RequestIdFilter. What a request line holds is decided by
core.observability; nothing logs keys, bodies or personal fields.
"""

from __future__ import annotations

import logging

from core.request_id import current_request_id

FORMATS = ("json", "text")
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


UNMATCHED = "unmatched"  # the route of a request no URL pattern took


def route_of(request) -> str:
    """The URL pattern that served `request` ("v1/customer/<str:customer_id>"), never its
    path, which can hold an email or a phone number."""
    match = getattr(request, "resolver_match", None)
    return (match.route or match.view_name or UNMATCHED) if match else UNMATCHED


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (None outside a request), and keeps
    paths out: Django's own records ("Internal Server Error: <path>") carry the request,
    whose path and repr would be logged; they get its route pattern instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        request = record.__dict__.pop("request", None)
        if request is not None:
            record.route = route_of(request)
            path = getattr(request, "path", None)
            if path is not None and isinstance(record.args, tuple):
                record.args = tuple(record.route if a == path else a for a in record.args)
        return True


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING dictConfig for LOG_FORMAT (`json`: one object a line; `text`)."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {FORMATS}, got {log_format!r}")
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        }
        if log_format == "json"
        else {"format": _TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The request line (core.observability) replaces Django's own per-request
            # warnings for 4xx; its errors (5xx, with the traceback) stay, path redacted.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "ERROR"},
        },
    }
