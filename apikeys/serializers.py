"""Representations of API keys and the bodies of the key and signup endpoints."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from apikeys.keys import mask_key
from apikeys.models import ALL_SCOPES, ApiKey
from apikeys.services import MAX_ROLL_GRACE
from core.serializers import StrictCharField, StrictInputSerializer
from plans.selectors import plan_get_by_slug
from tenants.services import tenant_validate_region


def key_state(key: ApiKey, now=None) -> str:
    """live, expiring (will stop at expires_at, e.g. rolled), expired or revoked."""
    now = now or timezone.now()
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None:
        return "expired" if key.expires_at <= now else "expiring"
    return "live"


class ApiKeySerializer(serializers.Serializer):
    """A key as listed: never the key itself, only its non-secret lookup prefix."""

    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField()
    masked_key = serializers.SerializerMethodField(help_text="Lookup prefix and dots.")
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ALL_SCOPES))
    state = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(
        allow_null=True, help_text="Updated at most once a minute."
    )

    def get_masked_key(self, key: ApiKey) -> str:
        return mask_key(key.prefix)

    def get_state(self, key: ApiKey) -> str:
        return key_state(key)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The clear key: shown this once, never again.")


class ApiKeyListSerializer(serializers.Serializer):
    data = ApiKeySerializer(many=True)
    max_live_keys = serializers.IntegerField()


class ApiKeyRolledSerializer(ApiKeyCreatedSerializer):
    previous = ApiKeySerializer(help_text="The rolled key, working until its expires_at.")


def _scopes_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_SCOPES), allow_empty=False, **kwargs
    )


class ApiKeyCreateSerializer(StrictInputSerializer):
    label = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    scopes = _scopes_field(required=False, default=list(ALL_SCOPES))


class ApiKeyRollSerializer(StrictInputSerializer):
    expires_in = serializers.IntegerField(
        required=False,
        default=24 * 3600,
        min_value=0,
        max_value=int(MAX_ROLL_GRACE.total_seconds()),
        help_text="Seconds the old key keeps working (default 86400 = 24 h, at most 7 days).",
    )


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
    tenant_id = serializers.CharField(help_text="Send it as x-business-tenant-id.")
    application_id = serializers.CharField()
    api_key = serializers.CharField(help_text="The first key: shown this once, never again.")
    application_state = serializers.ChoiceField(choices=["pending", "live"])
    plan = serializers.CharField()
