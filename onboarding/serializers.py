"""Request bodies of /v1/signup (signup express)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from core.serializers import StrictCharField, StrictInputSerializer
from plans.selectors import plan_get_by_slug
from tenants.services import tenant_validate_region


class SignupSerializer(StrictInputSerializer):
    name = StrictCharField(max_length=200)
    plan = serializers.SlugField(max_length=50, help_text="Plan slug, e.g. bronze or trial.")
    region = StrictCharField(
        max_length=2, required=False, default="IT", help_text="Default phone region (ISO)."
    )

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
