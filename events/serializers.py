"""Representations and inputs of history, the events feed and webhook endpoints."""

from rest_framework import serializers

from core.serializers import CursorQuerySerializer, StorableDateTimeField, StrictInputSerializer
from events.exceptions import MSG_EVENT_PATTERN
from events.models import EventType

EVENT_PATTERNS = [*EventType.values, "customer.*"]


def _check_patterns(values: list[str]) -> list[str]:
    unknown = [value for value in values if value not in EVENT_PATTERNS]
    if unknown:
        raise serializers.ValidationError(
            MSG_EVENT_PATTERN.format(types=", ".join(EventType.values)), code="invalid"
        )
    return values


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.CharField()
    action = serializers.CharField(help_text="created, updated, deleted, restored, erased")
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        help_text='{"field": [old, new]}',
    )
    actor = serializers.DictField(
        child=serializers.JSONField(),
        help_text='{"type": "api_key", "application", "keyPrefix"} or {"type": "staff", …} '
        'or {"type": "command", "name"}',
    )
    requestId = serializers.CharField(source="request_id")  # noqa: N815
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815


class HistoryPageSerializer(serializers.Serializer):
    data = HistoryEntrySerializer(many=True)
    nextCursor = serializers.CharField(allow_null=True)  # noqa: N815


class EventSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="evt_…; also the webhook-id header of its deliveries")
    type = serializers.ChoiceField(choices=EventType.choices)
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815
    data = serializers.DictField(
        child=serializers.JSONField(),
        help_text='{"object": the customer as GET /v1/customer/{id} renders it, '
        '"previousAttributes": {...} (updates only)}',
    )


class EventPageSerializer(serializers.Serializer):
    data = EventSerializer(many=True)
    nextCursor = serializers.CharField(allow_null=True)  # noqa: N815


class EventListQuerySerializer(CursorQuerySerializer):
    type = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="Repeatable; an exact type or `customer.*`.",
    )
    createdAfter = StorableDateTimeField(required=False)  # noqa: N815

    def validate_type(self, value):
        return _check_patterns(value)


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.CharField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    description = serializers.CharField()
    enabled = serializers.BooleanField()
    failing = serializers.SerializerMethodField()
    failingSince = serializers.DateTimeField(source="failing_since", allow_null=True)  # noqa: N815
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815
    updatedAt = serializers.DateTimeField(source="updated_at")  # noqa: N815

    def get_failing(self, obj) -> bool:
        return obj.failing_since is not None


class WebhookEndpointListSerializer(serializers.Serializer):
    data = WebhookEndpointSerializer(many=True)


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="whsec_… — shown only now; sign checks use it.")


class _EndpointInput(StrictInputSerializer):
    url = serializers.URLField(max_length=2048)
    events = serializers.ListField(child=serializers.CharField(), min_length=1, max_length=10)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate_events(self, value):
        return _check_patterns(value)


class WebhookEndpointCreateSerializer(_EndpointInput):
    pass


class WebhookEndpointUpdateSerializer(_EndpointInput):
    enabled = serializers.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class WebhookAttemptSerializer(serializers.Serializer):
    attemptedAt = serializers.DateTimeField(source="attempted_at")  # noqa: N815
    succeeded = serializers.BooleanField()
    responseStatus = serializers.IntegerField(source="response_status", allow_null=True)  # noqa: N815
    latencyMs = serializers.IntegerField(source="latency_ms")  # noqa: N815
    error = serializers.CharField()


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    eventId = serializers.CharField(source="event_id")  # noqa: N815
    status = serializers.CharField(help_text="pending, succeeded or failed")
    attempts = WebhookAttemptSerializer(many=True, source="tries.all")
    nextAttemptAt = serializers.DateTimeField(source="next_attempt_at", allow_null=True)  # noqa: N815
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815


class WebhookDeliveryPageSerializer(serializers.Serializer):
    data = WebhookDeliverySerializer(many=True)
    nextCursor = serializers.CharField(allow_null=True)  # noqa: N815


class RedeliverySerializer(serializers.Serializer):
    eventId = serializers.CharField()  # noqa: N815
    deliveries = serializers.IntegerField(help_text="How many endpoints it was queued for.")
