"""Request and response bodies of POST /v1/portal/sso."""

from rest_framework import serializers


class SsoRequestSerializer(serializers.Serializer):
    """`tenantId` (the x-business-tenant-id value) and the user's email. `tenant_id`, the
    3scale-style name, is read as `tenantId` when that is absent."""

    tenantId = serializers.CharField(max_length=64)  # noqa: N815 - wire name
    email = serializers.EmailField(max_length=254)

    def to_internal_value(self, data):
        if isinstance(data, dict) and "tenantId" not in data and "tenant_id" in data:
            data = {**data, "tenantId": data["tenant_id"]}
        return super().to_internal_value(data)

    def validate(self, attrs):
        return {"tenant_id": attrs["tenantId"], "email": attrs["email"]}


class SsoResponseSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="One-time sign-in link, valid for at most 5 minutes.")
    expiresAt = serializers.DateTimeField()  # noqa: N815 - wire name
