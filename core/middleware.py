"""Request plumbing that must run before any view: request ids, body size, gateway secret,
and the last line that turns any error page into a problem."""

import hmac
import io
import re
from http import HTTPStatus

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.handlers.wsgi import LimitedStream

from core.problems import PROBLEM_CONTENT_TYPE, problem_response
from core.request_id import new_request_id, reset_request_id, set_request_id

# Status -> problem code for error responses that Django or a decorator rendered themselves.
_FALLBACK_CODES = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "service_unavailable",
}
# Headers of the original error response that still mean something on the problem.
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After", "Vary")


class RequestIdMiddleware:
    """Gives every request an id, echoed as X-Request-ID and quoted in problem bodies, and
    makes the request and its id current (core.request_id) while it is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = new_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = set_request_id(request_id, request)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


class ProblemFallbackMiddleware:
    """Every 4xx/5xx leaves as problem+json: error pages Django renders itself (the 405 of
    `require_GET`, an HTML error from a view) are replaced, keeping status and Allow etc."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith(
            (PROBLEM_CONTENT_TYPE, "application/json")
        ):
            return response
        status = response.status_code
        code = _FALLBACK_CODES.get(
            status, "internal_error" if status >= 500 else "validation_error"
        )
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:  # a non-standard status code
            phrase = "Error"
        problem = problem_response(
            request,
            status=status,
            code=code,
            detail=f"{phrase}: {request.method} {request.path}",
        )
        for name in _KEPT_HEADERS:
            if name in response:
                problem[name] = response[name]
        return problem


def _chunked_body(request):
    """Read a chunked body (no Content-Length) up front, so it is parsed, not taken as empty.

    Only a server that de-chunks and terminates the input (granian, gunicorn: the WSGI
    `wsgi.input_terminated` flag) can be read to its end safely; elsewhere it is a 411.
    Returns a problem response, or None once the body is in place."""
    if not request.environ.get("wsgi.input_terminated"):
        return problem_response(
            request,
            status=411,
            code="length_required",
            detail="Chunked request bodies are not supported here; send Content-Length.",
        )
    limit = settings.MAX_REQUEST_BODY_BYTES
    data = request.environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        return _too_large(request)
    request._stream = LimitedStream(io.BytesIO(data), len(data))
    request.META["CONTENT_LENGTH"] = str(len(data))
    return None


def _too_large(request):
    return problem_response(
        request,
        status=413,
        code="payload_too_large",
        detail=f"The request body exceeds {settings.MAX_REQUEST_BODY_BYTES} bytes.",
    )


class BodySizeLimitMiddleware:
    """Refuses bodies over MAX_REQUEST_BODY_BYTES with a 413 problem before anything reads them,
    reads chunked bodies (bounded by the same limit), and refuses NUL characters in the path
    or query, which no database text column can hold."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return problem_response(
                request,
                status=400,
                code="validation_error",
                detail="NUL characters are not allowed.",
            )
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return problem_response(
                request, status=400, code="validation_error", detail="Invalid Content-Length."
            )
        if length > settings.MAX_REQUEST_BODY_BYTES:
            return _too_large(request)
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            refused = _chunked_body(request)
            if refused is not None:
                return refused
        return self.get_response(request)


class GatewaySecretMiddleware:
    """With GATEWAY_SECRET_TOKEN set, only requests relayed by the API gateway get through."""

    header = "X-3scale-Proxy-Secret-Token"
    open_paths = ("/healthz", "/readyz", "/metrics")  # /metrics has its own token

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        secret = settings.GATEWAY_SECRET_TOKEN
        if secret and not request.path.startswith(self.open_paths):
            sent = request.headers.get(self.header, "")
            if not hmac.compare_digest(sent.encode(), secret.encode()):
                return problem_response(
                    request,
                    status=403,
                    code="gateway_secret_invalid",
                    detail=f"Requests must come through the API gateway ({self.header}).",
                )
        return self.get_response(request)


# --- Middleware that only pages for people need ---------------------------------------------

_API_PATH = re.compile(settings.API_PATH_PATTERN)


def is_api_path(path: str) -> bool:
    """Whether `path` is one of the key-authenticated JSON APIs (settings.API_PATH_PATTERN),
    which never use a session, a staff login or flash messages."""
    return _API_PATH.match(path) is not None


class _BrowserOnly:
    """Skips the Django middleware it is mixed into on API paths (a subclass, so Django's
    admin checks still find it in MIDDLEWARE, and so its hooks keep their place)."""

    def __call__(self, request):
        if is_api_path(request.path_info):
            return self.get_response(request)
        return super().__call__(request)


class BrowserSessionMiddleware(_BrowserOnly, SessionMiddleware):
    """Sessions, for the admin and the portal only."""


class BrowserAuthenticationMiddleware(_BrowserOnly, AuthenticationMiddleware):
    """`request.user` as the staff or portal user, for the admin and the portal only (API
    calls get theirs from DRF's key authentication)."""


class BrowserMessageMiddleware(_BrowserOnly, MessageMiddleware):
    """Flash messages, for the admin and the portal only."""
