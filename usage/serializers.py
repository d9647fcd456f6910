"""Shapes of GET /v1/usage (documentation only: the selector builds the body)."""

from rest_framework import serializers


class UsageLimitSerializer(serializers.Serializer):
    metric = serializers.CharField(help_text="`hits` or a method such as `customer.create`.")
    period = serializers.CharField(help_text="minute, hour, day, week, month, year, eternity.")
    limit = serializers.IntegerField()
    used = serializers.IntegerField(help_text="Counted in the current window, this call included.")
    remaining = serializers.IntegerField()
    reset = serializers.DateTimeField(allow_null=True, help_text="Window end (UTC); null: never.")
    resetSeconds = serializers.IntegerField(allow_null=True)  # noqa: N815


class UsageHourSerializer(serializers.Serializer):
    hour = serializers.DateTimeField(help_text="Start of the UTC hour.")
    count = serializers.IntegerField()


class UsageSerializer(serializers.Serializer):
    applicationId = serializers.CharField()  # noqa: N815
    plan = serializers.CharField()
    generatedAt = serializers.DateTimeField()  # noqa: N815
    limits = UsageLimitSerializer(many=True)
    hourlySince = serializers.DateTimeField()  # noqa: N815
    hourly = serializers.DictField(
        child=UsageHourSerializer(many=True),
        help_text="Per metric, the hours with calls (zero hours left out), oldest first.",
    )
