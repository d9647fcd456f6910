"""Our customer mapped onto Churnkey's Customer model (see docs/churnkey.md for the mapping)."""

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

EXAMPLE_CUSTOMER = {
    "id": "6f1c2a9e-8a43-4a57-9a51-4e1f0f7b9d3c",
    "email": "mario.rossi@example.com",
    "phone": "+390612345678",
    "name": "Mario Rossi",
    "created": "2026-11-22T09:30:00Z",
    "metadata": {"crmId": "A-1042"},
}


@extend_schema_serializer(
    examples=[OpenApiExample("A customer", value=EXAMPLE_CUSTOMER, response_only=True)]
)
class ChurnkeyCustomerSerializer(serializers.Serializer):
    """id, email, phone (E.164), name ("first last"), created (ISO 8601), metadata.
    A value we do not have is null rather than an empty string."""

    id = serializers.CharField(read_only=True, help_text="Our customer id (a UUID).")
    email = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField(help_text="E.164, e.g. +390612345678.")
    name = serializers.SerializerMethodField(help_text="First and last name, space-separated.")
    created = serializers.DateTimeField(source="created_at", read_only=True)
    metadata = serializers.DictField(child=serializers.JSONField(), read_only=True)

    def get_email(self, customer) -> str | None:
        return customer.email or None

    def get_phone(self, customer) -> str | None:
        return customer.phone or None

    def get_name(self, customer) -> str | None:
        return f"{customer.first_name} {customer.last_name}".strip() or None


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A page with more to come",
            value={"data": [EXAMPLE_CUSTOMER], "next": "eyJzIjoiY3JlYXRlZEF0IiwidiI6Ii4uLiJ9"},
            response_only=True,
        )
    ]
)
class ChurnkeyCustomerListSerializer(serializers.Serializer):
    data = ChurnkeyCustomerSerializer(many=True)
    next = serializers.CharField(
        allow_null=True,
        help_text="Pass as `cursor` to get the next page; null on the last page.",
    )
