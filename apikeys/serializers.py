"""Representations of API keys and the bodies of the key endpoints."""

from rest_framework import serializers

from apikeys.keys import mask_key
from apikeys.models import ALL_SCOPES, DEFAULT_ROLL_GRACE, MAX_ROLL_GRACE, ApiKey
from core.serializers import StrictCharField, StrictInputSerializer


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
    rolled_at = serializers.DateTimeField(
        allow_null=True, help_text="Set when rolled: the key is then in its grace period."
    )
    last_used_at = serializers.DateTimeField(
        allow_null=True, help_text="Updated at most once a minute."
    )

    def get_masked_key(self, key: ApiKey) -> str:
        return mask_key(key.prefix)

    def get_state(self, key: ApiKey) -> str:
        return key.state()


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The clear key: shown this once, never again.")


class ApiKeyListSerializer(serializers.Serializer):
    data = ApiKeySerializer(many=True)
    max_live_keys = serializers.IntegerField()


class ApiKeyRolledSerializer(ApiKeyCreatedSerializer):
    previous = ApiKeySerializer(help_text="The rolled key, working until its expires_at.")


def _scopes_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_SCOPES), min_length=1, **kwargs
    )


class ApiKeyCreateSerializer(StrictInputSerializer):
    label = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    scopes = _scopes_field(required=False, default=list(ALL_SCOPES))


class ApiKeyRollSerializer(StrictInputSerializer):
    expires_in = serializers.IntegerField(
        required=False,
        default=int(DEFAULT_ROLL_GRACE.total_seconds()),
        min_value=0,
        max_value=int(MAX_ROLL_GRACE.total_seconds()),
        help_text="Seconds the old key keeps working (default 86400 = 24 h, at most 7 days).",
    )
