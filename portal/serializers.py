"""Request and response bodies of POST /v1/portal/sso."""

from rest_framework import serializers


class SsoRequestSerializer(serializers.Serializer):
    """`tenantId` (the x-business-tenant-id value; `tenant_id` is accepted too) and the
    user's email."""

    tenantId = serializers.CharField(max_length=64, required=False)  # noqa: N815 - wire name
    tenant_id = serializers.CharField(max_length=64, required=False)
    email = serializers.EmailField(max_length=254)

    def validate(self, attrs):
        tenant_id = attrs.get("tenantId") or attrs.get("tenant_id")
        if not tenant_id:
            raise serializers.ValidationError({"tenantId": "This field is required."})
        return {"tenant_id": tenant_id, "email": attrs["email"]}


class SsoResponseSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="One-time sign-in link, valid for at most 5 minutes.")
    expiresAt = serializers.DateTimeField()  # noqa: N815 - wire name
