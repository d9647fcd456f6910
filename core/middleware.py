"""Request plumbing that must run before any view: request ids, body size, gateway secret."""

import hmac

from django.conf import settings

from core.problems import problem_response
from core.request_id import new_request_id, reset_request_id, set_request_id


class RequestIdMiddleware:
    """Gives every request an id, echoed as X-Request-ID and quoted in problem bodies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = new_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


class BodySizeLimitMiddleware:
    """Refuses bodies over MAX_REQUEST_BODY_BYTES with a 413 problem before anything reads them,
    and NUL characters in the path or query, which no database text column can hold."""

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
            return problem_response(
                request,
                status=413,
                code="payload_too_large",
                detail=f"The request body exceeds {settings.MAX_REQUEST_BODY_BYTES} bytes.",
            )
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
