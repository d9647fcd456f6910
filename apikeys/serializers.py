"""Representations of API keys and the bodies of the key endpoints."""

from rest_framework import serializers

from apikeys.keys import mask_key
from apikeys.models import ALL_SCOPES, DEFAULT_ROLL_GRACE, MAX_ROLL_GRACE, ApiKey
from core.serializers import (
    CursorPageSerializer,
    CursorQuerySerializer,
    StrictCharField,
    StrictInputSerializer,
)


class ApiKeySerializer(serializers.Serializer):
    """A key as listed: never the key itself, only its non-secret lookup prefix."""

    id = serializers.CharField(source="public_id", read_only=True, help_text="`key_…`")
    label = serializers.CharField()
    maskedKey = serializers.SerializerMethodField(help_text="Lookup prefix and dots.")  # noqa: N815
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ALL_SCOPES))
    state = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815
    expiresAt = serializers.DateTimeField(source="expires_at", allow_null=True)  # noqa: N815
    revokedAt = serializers.DateTimeField(source="revoked_at", allow_null=True)  # noqa: N815
    rolledAt = serializers.DateTimeField(  # noqa: N815
        source="rolled_at",
        allow_null=True,
        help_text="Set when rolled: the key is then in its grace period.",
    )
    lastUsedAt = serializers.DateTimeField(  # noqa: N815
        source="last_used_at", allow_null=True, help_text="Updated at most once a minute."
    )

    def get_maskedKey(self, key: ApiKey) -> str:  # noqa: N802
        return mask_key(key.prefix)

    def get_state(self, key: ApiKey) -> str:
        return key.state()


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The clear key: shown this once, never again.")


class ApiKeyListSerializer(CursorPageSerializer):
    data = ApiKeySerializer(many=True)


class ApiKeyListQuerySerializer(CursorQuerySerializer):
    """GET /v1/keys: newest first, `limit` at a time."""


class ApiKeyRolledSerializer(ApiKeyCreatedSerializer):
    previous = ApiKeySerializer(help_text="The rolled key, working until its expiresAt.")


def _scopes_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_SCOPES), min_length=1, **kwargs
    )


class ApiKeyCreateSerializer(StrictInputSerializer):
    label = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    scopes = _scopes_field(required=False, default=list(ALL_SCOPES))


class ApiKeyRollSerializer(StrictInputSerializer):
    expiresIn = serializers.IntegerField(  # noqa: N815
        source="expires_in",
        required=False,
        default=int(DEFAULT_ROLL_GRACE.total_seconds()),
        min_value=0,
        max_value=int(MAX_ROLL_GRACE.total_seconds()),
        help_text="Seconds the old key keeps working (default 86400 = 24 h, at most 7 days).",
    )
