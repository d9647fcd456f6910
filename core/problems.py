"""RFC 9457 problem details: the one place every error, DRF's or ours, is rendered."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError as DbInterfaceError
from django.db import OperationalError as DbOperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from core.cache_errors import CACHE_ERRORS
from core.metrics import DATABASE_ERRORS, REDIS_ERRORS
from core.request_id import current_request_id

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "/problems/"

# code -> (status, title). The catalogue served at /problems/ and used for `type` URIs.
PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "validation_error": (400, "Your request parameters didn't validate."),
    "malformed_json": (400, "The request body is not valid JSON."),
    "invalid_query": (400, "A query parameter is invalid."),
    "tenant_header_missing": (400, "The x-business-tenant-id header is required."),
    "not_authenticated": (401, "Authentication credentials were not provided."),
    "authentication_failed": (401, "The API key is invalid."),
    "api_key_expired": (401, "The API key has expired."),
    "api_key_revoked": (401, "The API key has been revoked."),
    "wrong_key_type": (401, "This kind of API key cannot call this endpoint."),
    "permission_denied": (403, "You do not have permission to perform this action."),
    "tenant_mismatch": (403, "The tenant header does not match the API key's tenant."),
    "tenant_inactive": (403, "The tenant is inactive."),
    "gateway_secret_invalid": (403, "The request did not come through the API gateway."),
    "application_pending": (403, "The application is waiting for approval."),
    "application_suspended": (403, "The application is suspended."),
    "application_trial_ended": (403, "The application's trial has ended."),
    "insufficient_scope": (403, "The API key's scopes do not allow this request."),
    "plan_method_not_allowed": (403, "Your plan does not allow this call."),
    "key_in_grace": (403, "A rolled API key cannot create, roll or revoke keys."),
    "not_found": (404, "The resource was not found."),
    "method_not_allowed": (405, "The HTTP method is not allowed on this resource."),
    "not_acceptable": (406, "The requested representation is not available."),
    "conflict": (409, "The request conflicts with the current state of the resource."),
    "duplicate_customer": (409, "A customer with the same identity already exists."),
    "key_limit_reached": (409, "The application already has the maximum number of live keys."),
    "key_not_live": (409, "The API key is revoked or expired."),
    "length_required": (411, "A request body needs a length."),
    "idempotency_key_in_use": (409, "A request with this Idempotency-Key is still in flight."),
    "idempotency_key_invalid": (400, "The Idempotency-Key header is invalid."),
    "idempotency_key_reused": (
        422,
        "This Idempotency-Key was already used with a different request.",
    ),
    "precondition_failed": (412, "The resource does not match the If-Match condition."),
    "webhook_endpoint_limit": (
        409,
        "The application already has the maximum number of webhook endpoints.",
    ),
    "customer_erased": (409, "The customer has been erased."),
    "webhook_url_refused": (400, "The webhook URL is not allowed."),
    "identity_required": (409, "The update would leave the customer without any identity."),
    "payload_too_large": (413, "The request body is too large."),
    "unsupported_media_type": (415, "The request content type is not supported."),
    "rate_limited": (429, "Too many requests."),
    "internal_error": (500, "Internal server error."),
    "service_unavailable": (503, "A backing service is unavailable."),
}


# The database could not be reached or dropped the connection (Django wraps psycopg's and
# sqlite3's errors in these). A client can retry; it is not a bug, so not a 500.
DATABASE_UNAVAILABLE = (DbOperationalError, DbInterfaceError)
MSG_DATABASE_UNAVAILABLE = "The database is unavailable; retry shortly."
DATABASE_RETRY_AFTER = "5"


class ApplicationError(Exception):
    """Base for domain errors: each subclass carries a status, a stable code and a detail."""

    status: int = 400
    code: str = "validation_error"
    detail: str = "The request could not be processed."

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail = detail or self.detail
        self.errors = errors or []
        self.extra = extra or {}
        self.headers = headers or {}
        super().__init__(self.detail)


def problem_body(
    *,
    status: int,
    code: str,
    detail: str,
    instance: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the JSON object; `title` defaults to the catalogue's title for `code`."""
    if title is None:
        title = PROBLEM_TYPES.get(code, (status, HTTPStatus(status).phrase))[1]
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "errors": errors or [],
        "request_id": current_request_id(),
    }
    if extra:
        body.update(extra)
    return body


def problem_response(request, *, status: int, code: str, detail: str, **kwargs) -> JsonResponse:
    """A plain Django response, for middleware and URL-level handlers outside DRF."""
    body = problem_body(
        status=status,
        code=code,
        detail=detail,
        instance=request.path if request is not None else None,
        **kwargs,
    )
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _flatten(detail: Any, field: str | None = None) -> list[dict[str, Any]]:
    """Turn DRF's nested ValidationError detail into [{field, code, message}] rows."""
    rows: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else None
            child = f"{field}.{name}" if field and name else (name or field)
            rows.extend(_flatten(value, child))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                rows.extend(_flatten(value, f"{field}[{index}]" if field else str(index)))
            else:
                rows.extend(_flatten(value, field))
    else:
        rows.append(
            {"field": field, "code": getattr(detail, "code", "invalid"), "message": str(detail)}
        )
    return rows


def _classify(exc: Exception) -> tuple[int, str, str, list[dict[str, Any]], dict[str, Any]]:
    """Map any exception we know about to (status, code, detail, errors, extra)."""
    if isinstance(exc, ApplicationError):
        return exc.status, exc.code, exc.detail, exc.errors, exc.extra
    if isinstance(exc, Http404):
        return 404, "not_found", "The resource was not found.", [], {}
    if isinstance(exc, DjangoPermissionDenied):
        return 403, "permission_denied", str(exc) or PROBLEM_TYPES["permission_denied"][1], [], {}
    if isinstance(exc, RequestDataTooBig):
        return 413, "payload_too_large", "The request body is too large.", [], {}
    if isinstance(exc, drf_exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = "; ".join(
            f"{row['field']}: {row['message']}" if row["field"] else row["message"]
            for row in errors
        )
        return 400, "validation_error", detail or "Invalid input.", errors, {}
    if isinstance(exc, drf_exceptions.ParseError):
        return 400, "malformed_json", f"Malformed request body: {exc.detail}", [], {}
    if isinstance(exc, drf_exceptions.UnsupportedMediaType):
        return 415, "unsupported_media_type", str(exc.detail) + " Send application/json.", [], {}
    if isinstance(exc, drf_exceptions.NotAuthenticated):
        return 401, "not_authenticated", str(exc.detail), [], {}
    if isinstance(exc, drf_exceptions.AuthenticationFailed):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "authentication_failed"
        if code not in PROBLEM_TYPES:
            code = "authentication_failed"
        return 401, code, str(exc.detail), [], {}
    if isinstance(exc, drf_exceptions.PermissionDenied):
        return 403, "permission_denied", str(exc.detail), [], {}
    if isinstance(exc, drf_exceptions.NotFound):
        return 404, "not_found", str(exc.detail), [], {}
    if isinstance(exc, drf_exceptions.MethodNotAllowed):
        return 405, "method_not_allowed", str(exc.detail), [], {}
    if isinstance(exc, drf_exceptions.NotAcceptable):
        return 406, "not_acceptable", str(exc.detail), [], {}
    if isinstance(exc, drf_exceptions.Throttled):
        return 429, "rate_limited", str(exc.detail), [], getattr(exc, "extra", None) or {}
    if isinstance(exc, drf_exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        return exc.status_code, code, str(exc.detail), [], {}
    if isinstance(exc, CACHE_ERRORS):  # see core.cache_errors for the policy
        return (
            503,
            "service_unavailable",
            "A backing service is unavailable; retry shortly.",
            [],
            {},
        )
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return 503, "service_unavailable", MSG_DATABASE_UNAVAILABLE, [], {}
    return 500, "internal_error", "An unexpected error occurred. Quote the request_id.", [], {}


def _retry_after(exc: Exception) -> str:
    return DATABASE_RETRY_AFTER if isinstance(exc, DATABASE_UNAVAILABLE) else "1"


def unavailable_response(request, exc: BaseException | None) -> JsonResponse | None:
    """The 503 problem for a backing-service outage raised outside DRF (middleware, plain
    Django views), or None when `exc` is something else."""
    if not isinstance(exc, Exception):
        return None
    status, code, detail, _errors, _extra = _classify(exc)
    if status != 503:
        return None
    logger.warning("Backing service unavailable in %s: %r", request.path, exc)
    response = problem_response(request, status=503, code=code, detail=detail)
    response["Retry-After"] = _retry_after(exc)
    return response


def problem_for(exc: Exception, *, instance: str | None = None) -> dict[str, Any]:
    """The problem object `exc` would be answered with, as data: for one failed item of a
    bulk call, whose own response is a 200 listing each item's outcome."""
    status, code, detail, errors, extra = _classify(exc)
    return problem_body(
        status=status, code=code, detail=detail, instance=instance, errors=errors, extra=extra
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF EXCEPTION_HANDLER: every exception becomes a problem-details response, never HTML."""
    status, code, detail, errors, extra = _classify(exc)
    request = context.get("request")
    if isinstance(exc, CACHE_ERRORS):
        REDIS_ERRORS.labels("request").inc()
    elif isinstance(exc, DATABASE_UNAVAILABLE):
        DATABASE_ERRORS.labels("request").inc()
    if status == 503 and isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning("Database unavailable in %s: %r", context.get("view"), exc)
    elif status >= 500:
        logger.exception("Unhandled error in %s", context.get("view"), exc_info=exc)
    body = problem_body(
        status=status,
        code=code,
        detail=detail,
        instance=request.path if request is not None else None,
        errors=errors,
        extra=extra,
    )
    response = Response(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, drf_exceptions.APIException):
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            response["WWW-Authenticate"] = auth_header
        wait = getattr(exc, "wait", None)
        if wait is not None:
            response["Retry-After"] = str(max(1, int(wait + 0.999)))
    for name, value in getattr(exc, "headers", {}).items():
        response[name] = value
    if status == 503 and "Retry-After" not in response:
        response["Retry-After"] = _retry_after(exc)
    return response
