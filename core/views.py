"""Unauthenticated plumbing endpoints and the URL-level error handlers (JSON, never HTML)."""

import sys

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from core.problems import (
    DATABASE_RETRY_AFTER,
    PROBLEM_TYPES,
    problem_response,
    unavailable_response,
)

MSG_HOST_NOT_ALLOWED = "The Host header names a host this service does not answer to."


@csrf_exempt  # GET-only: any other method is a 405 problem, not a CSRF page
@require_GET
def healthz(request):
    """Liveness: the process answers. Touches no backing service on purpose."""
    return JsonResponse({"status": "ok"})


@csrf_exempt  # GET-only: any other method is a 405 problem, not a CSRF page
@require_GET
def index(request):
    """Where to start: the docs, the schema and the health checks."""
    return JsonResponse(
        {
            "name": settings.SPECTACULAR_SETTINGS["TITLE"],
            "docs": "/api/docs/",
            "redoc": "/api/redoc/",
            "schema": "/api/schema/",
            "problems": "/problems/",
            "health": "/healthz",
            "ready": "/readyz",
        }
    )


@csrf_exempt  # GET-only: any other method is a 405 problem, not a CSRF page
@require_GET
def readyz(request):
    """Readiness: the database and (when configured) Redis answer."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            cache.set("readyz", "1", 5)
            checks["redis"] = "ok" if cache.get("readyz") == "1" else "error: no round-trip"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {exc.__class__.__name__}"
    ready = all(value == "ok" for value in checks.values())
    if not ready:
        response = problem_response(
            request,
            status=503,
            code="service_unavailable",
            detail="Not ready: " + ", ".join(f"{k} {v}" for k, v in checks.items()),
            extra={"checks": checks},
        )
        response["Retry-After"] = DATABASE_RETRY_AFTER
        return response
    return JsonResponse({"status": "ready", "checks": checks})


@csrf_exempt  # GET-only: any other method is a 405 problem, not a CSRF page
@require_GET
def problem_types(request, code: str | None = None):
    """The catalogue that problem `type` URIs point at."""
    if code is None:
        return JsonResponse(
            {name: {"status": s, "title": t} for name, (s, t) in PROBLEM_TYPES.items()}
        )
    if code not in PROBLEM_TYPES:
        return problem_response(
            request, status=404, code="not_found", detail="Unknown problem type."
        )
    status, title = PROBLEM_TYPES[code]
    return JsonResponse(
        {"type": f"/problems/{code}", "code": code, "status": status, "title": title}
    )


def handler400(request, exception=None):
    if isinstance(exception, DisallowedHost):
        # Never echo the foreign host back: it is what an attacker wants in a link.
        return problem_response(
            request, status=400, code="validation_error", detail=MSG_HOST_NOT_ALLOWED
        )
    return problem_response(request, status=400, code="validation_error", detail="Bad request.")


def handler403(request, exception=None):
    return problem_response(request, status=403, code="permission_denied", detail="Forbidden.")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's own page is HTML; ours is a problem like every other error."""
    return problem_response(
        request, status=403, code="permission_denied", detail=f"CSRF check failed: {reason}"
    )


def handler404(request, exception=None):
    return problem_response(
        request, status=404, code="not_found", detail=f"No route matches {request.path}."
    )


def handler500(request):
    # Django calls this inside its `except` block, so the exception is still at hand: a
    # database or Redis outage outside a DRF view is a 503 with Retry-After, not a 500.
    unavailable = unavailable_response(request, sys.exc_info()[1])
    if unavailable is not None:
        return unavailable
    return problem_response(
        request,
        status=500,
        code="internal_error",
        detail="An unexpected error occurred. Quote the request_id.",
    )
