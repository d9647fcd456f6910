"""The Smart Customer API representation: the document's hyphenated field names.

Hyphens are not Python identifiers, so the fields are declared in `get_fields()`;
drf-spectacular reads them from there like any other serializer's fields.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.serializers import NON_BLANK, StrictCharField, StrictInputSerializer

# Model field -> the document's name, for error messages raised by the services.
COMPANY_API_FIELDS = {
    "first_name": "first-name",
    "last_name": "last-name",
    "email": "email",
    "vat_number": "vat-number",
}

EXAMPLE_CUSTOMER = {
    "id": "6f1c2a9e-8a43-4a57-9a51-4e1f0f7b9d3c",
    "first-name": "John",
    "last-name": "Smith",
    "email": "john.smith@example.com",
    "vat-number": "IT12345678901",
    "created-at": "2026-11-22T09:30:00Z",
    "updated-at": "2026-11-22T09:30:00Z",
}


def _required_text(max_length: int, **kwargs) -> serializers.CharField:
    """Required, non-blank, trimmed text: the document marks all four fields Required."""
    return StrictCharField(
        required=True,
        allow_blank=False,
        max_length=max_length,
        trim_whitespace=True,
        validators=[NON_BLANK],  # says "not only spaces" in the schema (a pattern)
        **kwargs,
    )


@extend_schema_field({"type": "string", "format": "email", "maxLength": 254})
class _RequiredEmail(StrictCharField):
    """Required email; the service validates it with Django's validator."""


@extend_schema_serializer(
    examples=[OpenApiExample("A customer", value=EXAMPLE_CUSTOMER, response_only=True)]
)
class CompanyCustomerSerializer(serializers.Serializer):
    """A customer as the Smart Customer API shows it: the document's fields, id, timestamps."""

    def get_fields(self):
        return {
            "id": serializers.UUIDField(read_only=True),
            "first-name": serializers.CharField(source="first_name", read_only=True),
            "last-name": serializers.CharField(source="last_name", read_only=True),
            "email": serializers.CharField(read_only=True),
            "vat-number": serializers.CharField(
                source="vat_number", read_only=True, help_text="Compact and upper-case."
            ),
            "created-at": serializers.DateTimeField(source="created_at", read_only=True),
            "updated-at": serializers.DateTimeField(source="updated_at", read_only=True),
        }


# One instance for every response, as customers.serializers.render_customer does: building
# the serializer builds its fields, which costs more than rendering one customer.
_COMPANY_CUSTOMER = CompanyCustomerSerializer()


def render_company_customer(customer) -> dict:
    """A customer as the Smart Customer API shows it (CompanyCustomerSerializer)."""
    return _COMPANY_CUSTOMER.to_representation(customer)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "The document's example",
            value={
                "first-name": "John",
                "last-name": "Smith",
                "email": "john.smith@example.com",
                "vat-number": "IT12345678901",
            },
            request_only=True,
        )
    ]
)
class CompanyCustomerCreateSerializer(StrictInputSerializer):
    """POST body: all four fields required and non-blank; any other field is refused."""

    read_only_names = frozenset({"id", "created-at", "updated-at"})

    def get_fields(self):
        return {
            "first-name": _required_text(100, source="first_name"),
            "last-name": _required_text(100, source="last_name"),
            "email": _RequiredEmail(max_length=254, help_text="A valid email address."),
            "vat-number": _required_text(
                32,
                source="vat_number",
                help_text=(
                    "EU VAT number: country prefix and that country's format. Spaces, dots "
                    "and dashes are dropped and letters upper-cased. Check digits are only "
                    "enforced for tenants with strict VAT checking."
                ),
            ),
        }
