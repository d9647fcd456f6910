"""The /v1 customer representation (camelCase) and its query parameters."""

import copy
from collections.abc import Callable
from datetime import UTC
from functools import partial

import django_filters
from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.openapi import ProblemSerializer
from core.pagination import make_sorts
from core.serializers import (
    NON_BLANK_PATTERN,
    CursorField,
    MetadataField,
    SharedInstanceParse,
    StorableDateTimeField,
    StrictCharField,
    StrictInputSerializer,
)
from customers.filters import CustomerFilter
from customers.models import WRITABLE_FIELDS, CustomerState, CustomerType

# The one list of /v1 sort keys: the query serializer's choices and the paging code use it.
V1_SORTS = make_sorts(
    {
        "createdAt": ("created_at", True),
        "updatedAt": ("updated_at", True),
        "lastName": ("last_name", False),
        "firstName": ("first_name", False),
        "email": ("email", False),
    }
)
MAX_PAGE_LIMIT = 100


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A customer",
            value={
                "id": "6f1c2a9e-8a43-4a57-9a51-4e1f0f7b9d3c",
                "firstName": "Mario",
                "lastName": "Rossi",
                "email": "mario.rossi@example.com",
                "phone": "+390612345678",
                "vatNumber": "IT12345678901",
                "customerType": "regular",
                "state": "active",
                "metadata": {"crmId": "A-1042"},
                "createdAt": "2026-11-22T09:30:00Z",
                "updatedAt": "2026-11-22T09:30:00Z",
                "deletedAt": None,
            },
            response_only=True,
        )
    ]
)
class CustomerSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    firstName = serializers.CharField(source="first_name")  # noqa: N815
    lastName = serializers.CharField(source="last_name")  # noqa: N815
    email = serializers.CharField()
    phone = serializers.CharField(help_text="E.164")
    vatNumber = serializers.CharField(source="vat_number")  # noqa: N815
    customerType = serializers.ChoiceField(  # noqa: N815
        source="customer_type", choices=CustomerType.choices
    )
    state = serializers.ChoiceField(choices=CustomerState.choices)
    metadata = serializers.DictField(child=serializers.JSONField())
    # In UTC ("...Z") whatever time zone a request activates; naming it here also spares
    # each value DRF's lookup of the current time zone (a context-local read per field).
    createdAt = serializers.DateTimeField(source="created_at", default_timezone=UTC)  # noqa: N815
    updatedAt = serializers.DateTimeField(source="updated_at", default_timezone=UTC)  # noqa: N815
    deletedAt = serializers.DateTimeField(  # noqa: N815
        source="deleted_at", allow_null=True, default_timezone=UTC
    )


def _field_plan(serializer: serializers.Serializer) -> list[tuple[str, str, Callable]]:
    """(output name, model attribute, to_representation) of each field: what
    Serializer.to_representation does per field, minus its generic attribute walk, which
    only plain one-attribute sources make safe to skip."""
    plan = []
    for name, field in serializer.fields.items():
        if not field.source_attrs or len(field.source_attrs) != 1:
            raise ImproperlyConfigured(f"{name}: only one-attribute sources can be planned")
        plan.append((name, field.source_attrs[0], field.to_representation))
    return plan


# Built once: building a serializer deep-copies its fields, which cost more than rendering
# one customer, and its fields keep no per-call state. tests/customers/test_render.py keeps
# the result equal to CustomerSerializer(customer).data.
_CUSTOMER_PLAN = _field_plan(CustomerSerializer())


def render_customer(customer) -> dict:
    """A customer as every /v1 response shows it: CustomerSerializer's fields, applied
    directly (no serializer built per call)."""
    out = {}
    for name, attr, represent in _CUSTOMER_PLAN:
        value = getattr(customer, attr)
        out[name] = None if value is None else represent(value)
    return out


def _text(max_length: int, **kwargs) -> serializers.CharField:
    """Optional text; null clears the field like an empty string."""
    return StrictCharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=max_length,
        trim_whitespace=True,
        **kwargs,
    )


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 254,
        "nullable": True,
        "anyOf": [{"format": "email"}, {"maxLength": 0}],
        "description": "An email address, or empty/null to clear it.",
    }
)
class _EmailText(StrictCharField):
    """Optional email: valid (Django's validator, in the service) or empty/null to clear."""


def _email(max_length: int, **kwargs) -> serializers.CharField:
    return _EmailText(
        required=False, allow_blank=True, allow_null=True, max_length=max_length, **kwargs
    )


# The identity rule (customers.services._has_identity) as JSON Schema, for create bodies:
# at least one of these, as a string with a non-space character. On update the rule depends
# on the stored customer, so an update that would leave none is a 409 instead.
_IDENTITY_ANY_OF = [
    {"required": [name], "properties": {name: {"type": "string", "pattern": NON_BLANK_PATTERN}}}
    for name in ("firstName", "lastName", "email", "phone")
]

# How /v1 validates each writable field (its name and source come from WRITABLE_FIELDS).
_WRITE_FIELDS: dict[str, Callable[..., serializers.Field]] = {
    "first_name": partial(_text, 100),
    "last_name": partial(_text, 100),
    "email": partial(_email, 254),
    "phone": partial(
        _text, 40, help_text="Any common format; stored as E.164 using the tenant's region."
    ),
    "vat_number": partial(_text, 20, help_text="EU VAT number, e.g. IT12345678901."),
    "customer_type": partial(serializers.ChoiceField, choices=CustomerType.choices, required=False),
    "metadata": partial(MetadataField, required=False, allow_null=True),
}
if set(_WRITE_FIELDS) != set(WRITABLE_FIELDS):  # a new writable field needs its validation here
    raise ImproperlyConfigured("customers.serializers._WRITE_FIELDS must match WRITABLE_FIELDS")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Create",
            value={
                "firstName": "Mario",
                "lastName": "Rossi",
                "email": "mario.rossi@example.com",
                "phone": "06 1234 5678",
                "customerType": "regular",
                "metadata": {"crmId": "A-1042"},
            },
            request_only=True,
        )
    ]
)
class CustomerWriteSerializer(StrictInputSerializer):
    """Create and (partial) update body. At least one of firstName, lastName, email, phone."""

    read_only_names = frozenset(
        {"id", "tenant", "tenantId", "state", "createdAt", "updatedAt", "deletedAt"}
    )

    def get_fields(self):
        """One field per writable customer field, named and sourced as WRITABLE_FIELDS says."""
        return {
            name: _WRITE_FIELDS[field](**({"source": field} if field != name else {}))
            for field, name in WRITABLE_FIELDS.items()
        }

    def validate(self, attrs):
        return {
            key: ("" if value is None and key != "metadata" else value)
            for key, value in attrs.items()
        }


class CustomerCreateSerializer(CustomerWriteSerializer):
    """Create body: the write fields, and at least one identity field (said in the schema)."""

    body_schema = {"anyOf": _IDENTITY_ANY_OF}


def _filter_query_field(filter_: django_filters.Filter) -> serializers.Field:
    """The query parameter for one CustomerFilter filter: documents it in OpenAPI and
    validates it first, so a bad value is a 400 naming the parameter."""
    if isinstance(filter_, django_filters.ChoiceFilter):
        return serializers.ChoiceField(required=False, choices=filter_.extra["choices"])
    if isinstance(filter_, django_filters.DateTimeFilter):
        return StorableDateTimeField(required=False)
    if isinstance(filter_, django_filters.CharFilter):
        max_length = filter_.extra.get("max_length")
        return serializers.CharField(required=False, allow_blank=True, max_length=max_length)
    raise ImproperlyConfigured(f"No query parameter field for {type(filter_).__name__}")


# The list filters are CustomerFilter's; these are their query parameters, in its order.
_FILTER_FIELDS = {
    name: _filter_query_field(filter_) for name, filter_ in CustomerFilter.base_filters.items()
}


class CustomerListQuerySerializer(SharedInstanceParse, serializers.Serializer):
    """Query parameters of GET /v1/customer/paged: paging, sorting, and CustomerFilter's filters."""

    page = serializers.IntegerField(required=False, min_value=1, default=1)
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_LIMIT,
        default=20,
        help_text=f"1 to {MAX_PAGE_LIMIT}; a larger value is refused with 400.",
    )
    sort = serializers.ChoiceField(
        required=False,
        default="-createdAt",
        choices=list(V1_SORTS),
    )
    cursor = CursorField(
        help_text="Keyset mode: send empty for the first page, then the returned nextCursor."
    )
    includeDeleted = serializers.BooleanField(required=False, default=False)  # noqa: N815

    def get_fields(self):
        return {**super().get_fields(), **copy.deepcopy(_FILTER_FIELDS)}


class IncludeDeletedQuerySerializer(serializers.Serializer):
    includeDeleted = serializers.BooleanField(required=False, default=False)  # noqa: N815


class CustomerPageSerializer(serializers.Serializer):
    """Page-number mode has page/total/totalPages; cursor mode has nextCursor instead."""

    data = CustomerSerializer(many=True)
    page = serializers.IntegerField(required=False)
    limit = serializers.IntegerField()
    total = serializers.IntegerField(required=False)
    totalPages = serializers.IntegerField(required=False)  # noqa: N815
    totalExact = serializers.BooleanField(  # noqa: N815
        required=False,
        help_text="Page mode: false when a filtered list has more matches than were counted "
        "(1,000, or the end of the page asked for if further); `total` and `totalPages` are "
        "then lower bounds. Always true without a filter.",
    )
    nextCursor = serializers.CharField(allow_null=True, required=False)  # noqa: N815


MAX_BULK_ITEMS = 1000


class CustomerBulkListSerializer(StrictInputSerializer):
    """POST /v1/customer/bulk: up to 1000 create bodies; each is validated on its own."""

    customers = serializers.ListField(
        child=serializers.JSONField(),
        allow_empty=False,
        help_text=(
            f"1 to {MAX_BULK_ITEMS} customer create bodies (as POST /v1/customer takes); "
            "more is a 413."
        ),
    )


class CustomerBulkSerializer(StrictInputSerializer):
    """The bulk body as documented: each item is a create body (CustomerBulkListSerializer
    parses the list, so that each item is then validated, and answered, on its own)."""

    customers = serializers.ListField(  # a ListField: the schema then states minItems/maxItems
        child=CustomerWriteSerializer(),
        min_length=1,
        max_length=MAX_BULK_ITEMS,
        help_text=f"1 to {MAX_BULK_ITEMS} items.",
    )


class CustomerBulkResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in `customers`.")
    status = serializers.IntegerField(help_text="201, or 400 / 409 as a single create says.")
    customer = CustomerSerializer(required=False, help_text="When status is 201.")
    error = ProblemSerializer.__class__(required=False, help_text="The problem object otherwise.")


class CustomerBulkResponseSerializer(serializers.Serializer):
    results = CustomerBulkResultSerializer(many=True)
