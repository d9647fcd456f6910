"""Request bodies of /v1/signup (signup express)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import NON_BLANK, StrictCharField, StrictInputSerializer
from plans.selectors import plan_get_by_slug, plan_slugs
from tenants.services import REGION_CODES, tenant_validate_region


class PlanSlugField(StrictCharField):
    """A plan slug; the OpenAPI enum lists the plans that exist when the schema is served."""


class PlanSlugFieldExtension(OpenApiSerializerFieldExtension):
    target_class = PlanSlugField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": plan_slugs(), "description": self.target.help_text}


@extend_schema_field(
    {
        "type": "string",
        "enum": REGION_CODES + [code.lower() for code in REGION_CODES],
        "default": "IT",
        "description": "Default phone region (ISO 3166 alpha-2, either case).",
    }
)
class RegionField(StrictCharField):
    """A two-letter phone region, checked by tenants.services.tenant_validate_region."""


class SignupSerializer(StrictInputSerializer):
    name = StrictCharField(max_length=200, validators=[NON_BLANK])
    plan = PlanSlugField(max_length=50, help_text="Plan slug, e.g. bronze or trial.")
    region = RegionField(max_length=2, required=False, default="IT")

    def validate_plan(self, value: str):
        plan = plan_get_by_slug(slug=value)
        if plan is None:
            raise serializers.ValidationError(f"Unknown plan {value!r}.", code="unknown_plan")
        return plan

    def validate_region(self, value: str) -> str:
        try:
            return tenant_validate_region(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code="unknown_region") from exc


class SignupResultSerializer(serializers.Serializer):
    tenantId = serializers.CharField(help_text="Send it as x-business-tenant-id.")  # noqa: N815
    applicationId = serializers.CharField()  # noqa: N815
    apiKey = serializers.CharField(  # noqa: N815
        help_text="The first key: shown this once, never again."
    )
    applicationState = serializers.ChoiceField(choices=["pending", "live"])  # noqa: N815
    plan = serializers.CharField()
