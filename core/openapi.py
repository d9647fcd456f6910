"""OpenAPI pieces shared by every route family: the problem schema and the auth schemes."""

import functools
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from drf_spectacular.views import SpectacularRedocView
from rest_framework import serializers

from core.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, problem_body

ProblemSerializer = inline_serializer(
    name="Problem",
    fields={
        "type": serializers.CharField(help_text="URI of the problem type (see /problems/)."),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "instance": serializers.CharField(allow_null=True),
        "code": serializers.CharField(help_text="Stable machine-readable code."),
        "errors": serializers.ListField(
            child=inline_serializer(
                name="ProblemFieldError",
                fields={
                    "field": serializers.CharField(allow_null=True),
                    "code": serializers.CharField(),
                    "message": serializers.CharField(),
                },
            )
        ),
        "request_id": serializers.CharField(help_text="Also sent as the X-Request-ID header."),
    },
)

_EXAMPLE_CODE = {
    400: "validation_error",
    401: "authentication_failed",
    403: "tenant_mismatch",
    404: "not_found",
    409: "duplicate_customer",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "idempotency_key_reused",
    429: "rate_limited",
}
_DESCRIPTIONS = {
    400: "Invalid input or query, malformed JSON, or missing x-business-tenant-id header",
    401: "Missing, malformed, unknown, revoked or expired API key",
    403: "Tenant mismatch, inactive tenant or plan/scope does not allow this",
    404: "Not found (also another tenant's resource)",
    409: "Duplicate of an active customer",
    412: "If-Match names another version: the resource changed since it was read; nothing "
    "was changed",
    413: "Body over 1 MiB",
    415: "Content type is not application/json",
    422: "The Idempotency-Key was already used with a different request",
    429: "Rate limit reached (see Retry-After)",
}


# Any authenticated route can answer these (bad input or tenant header, key, tenant, limits).
COMMON_ERROR_STATUSES = (400, 401, 403, 429)


def error_responses(
    *statuses: int,
    instance: str = "/v1/customer",
    descriptions: dict[int, str] | None = None,
    examples: dict[int, dict[str, Any]] | None = None,
) -> dict[tuple[int, str], OpenApiResponse]:
    """Problem-details responses for the common statuses plus `statuses`, each with an example.

    Keyed by (status, media type) so the schema says `application/problem+json`, which is
    what the handler sends; drf-spectacular drops examples whose media type is not listed.

    A route family passes its own `instance` path, `descriptions` and example overrides
    (`{400: {"code": ..., "detail": ..., "errors": [...]}}`) so its examples use its names.
    """
    descriptions, examples = descriptions or {}, examples or {}
    responses = {}
    for status in sorted(set(COMMON_ERROR_STATUSES) | set(statuses)):
        override = examples.get(status, {})
        code = override.get("code", _EXAMPLE_CODE[status])
        example = problem_body(
            status=status,
            code=code,
            detail=override.get("detail", PROBLEM_TYPES[code][1]),
            instance=instance,
            errors=override.get("errors"),
        )
        example["request_id"] = "3f0c7e9b2a1d4c5e8f6a7b8c9d0e1f2a"
        responses[(status, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(
            response=ProblemSerializer,
            description=descriptions.get(status, _DESCRIPTIONS[status]),
            examples=[OpenApiExample(code, value=example, media_type=PROBLEM_CONTENT_TYPE)],
        )
    return responses


class StrictInputSerializerExtension(OpenApiSerializerExtension):
    """Request bodies refuse unknown fields, so the schema says additionalProperties: false."""

    target_class = "core.serializers.StrictInputSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        schema.update(self.target.body_schema or {})
        return schema


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Both headers in one security requirement, so Swagger UI's Authorize sets both."""

    target_class = "apikeys.authentication.ApiKeyAuthentication"
    name = ["bearerAuth", "tenantHeader"]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "cmk_<32 base62><6 base62 CRC32>",
                "description": "1 of 2 for every route but signup: your API key (`cmk_…`), "
                "shown once when it was created. Authorize both parts.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "x-business-tenant-id",
                "description": "2 of 2: the tenant id the key belongs to (`tn_…`). "
                "Optional on the Smart Customer API and Churnkey routes.",
            },
        ]


class ProviderKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Provider keys (signup express) send only the bearer key, no tenant header."""

    target_class = "apikeys.authentication.ProviderKeyAuthentication"
    name = "providerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "cmp_<32 base62><6 base62 CRC32>",
            "description": "Only for `POST /v1/signup`: a provider key from "
            "`manage.py create_provider_key`. Leave empty otherwise.",
        }


def drop_trailing_slash_aliases(endpoints):
    """Every API route also answers with a trailing slash (see core.urls); document it once."""
    return [endpoint for endpoint in endpoints if not endpoint[0].endswith("/")]


def order_security_schemes(result, generator, request, public):
    """Swagger UI's Authorize dialog lists schemes in schema order (alphabetical by default):
    put the tenant key's two parts first, side by side, and the signup-only provider key last."""
    schemes = result.get("components", {}).get("securitySchemes")
    if schemes:
        first = [name for name in ("bearerAuth", "tenantHeader") if name in schemes]
        rest = [name for name in schemes if name not in first]
        result["components"]["securitySchemes"] = {name: schemes[name] for name in first + rest}
    return result


_REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
# ReDoc's bundle always puts a "Redocly" logo from this CDN in its sidebar (no option hides it).
_REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


@functools.cache
def _redoc_bundle() -> bytes:
    """The sidecar's ReDoc bundle with the CDN logo swapped for an empty data URL: the image
    fails to decode, ReDoc leaves it out, and the docs page never reaches outside the host."""
    source = Path(finders.find(_REDOC_BUNDLE)).read_bytes()
    if _REDOC_CDN_LOGO not in source:  # a new bundle: the browser test will say what it loads
        return source
    return source.replace(_REDOC_CDN_LOGO, b"data:,")


@require_safe
def redoc_bundle(request):
    return HttpResponse(
        _redoc_bundle(),
        content_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


class RedocView(SpectacularRedocView):
    """ReDoc served with the offline bundle above (the template adds a same-origin CSP)."""

    @staticmethod
    def _redoc_standalone():
        return reverse("redoc-bundle")


def document_idempotency_key(result, generator, request, public):
    """Every authenticated POST takes Idempotency-Key (core.idempotency applies it to every
    POST route), so the schema says so once here rather than in each view."""
    problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        operation = path_item.get("post")
        if operation is None or not operation.get("security"):
            continue
        operation.setdefault("parameters", []).append(
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                # Visible ASCII (core.idempotency), no edge spaces: HTTP strips those.
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 255,
                    "pattern": "^[!-~]([ -~]*[!-~])?$",
                },
                "description": (
                    "Makes retries safe: a retry with the same key and body (same application) "
                    "gets the first response again, with `Idempotent-Replayed: true`, and "
                    "writes nothing; error responses replay too. Another body with the same key "
                    "is a 422 `idempotency_key_reused`; while the first request is in flight, "
                    "409 `idempotency_key_in_use`. At most 255 characters (else 400 "
                    "`idempotency_key_invalid`); visible ASCII only; kept at least 24 hours."
                ),
            }
        )
        responses = operation.setdefault("responses", {})
        responses.setdefault(
            "422",
            {
                "description": "Idempotency-Key already used with another request",
                "content": problem,
            },
        )
        conflict = responses.setdefault("409", {"description": "", "content": problem})
        conflict["description"] = (conflict["description"] + "; or idempotency_key_in_use").lstrip(
            "; "
        )
    return result
