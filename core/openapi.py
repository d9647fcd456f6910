"""OpenAPI pieces shared by every route family: the problem schema and the auth schemes."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
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
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}
_DESCRIPTIONS = {
    400: "Invalid input or query, malformed JSON, or missing x-business-tenant-id header",
    401: "Missing, malformed, unknown, revoked or expired API key",
    403: "Tenant mismatch, inactive tenant or plan/scope does not allow this",
    404: "Not found (also another tenant's resource)",
    409: "Duplicate of an active customer",
    413: "Body over 1 MiB",
    415: "Content type is not application/json",
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
                "description": "API key, shown once when it is created.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "x-business-tenant-id",
                "description": "The tenant id the key belongs to (e.g. tn_0123456789abcdef).",
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
            "description": "Provider key from `manage.py create_provider_key`.",
        }


def drop_trailing_slash_aliases(endpoints):
    """Every API route also answers with a trailing slash (see core.urls); document it once."""
    return [endpoint for endpoint in endpoints if not endpoint[0].endswith("/")]
