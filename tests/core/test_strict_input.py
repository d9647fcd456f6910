"""StrictInputSerializer.parse: one shared instance per class, the same result as is_valid."""

import pytest
from rest_framework.exceptions import ValidationError

from core.serializers import _SHARED
from customers.company_serializers import CompanyCustomerCreateSerializer
from customers.serializers import CustomerCreateSerializer


def _is_valid(serializer_class, data):
    serializer = serializer_class(data=data)
    try:
        serializer.is_valid(raise_exception=True)
    except ValidationError as exc:
        return "error", exc.detail
    return "ok", serializer.validated_data


def _parse(serializer_class, data):
    try:
        return "ok", serializer_class.parse(data)
    except ValidationError as exc:
        return "error", exc.detail


@pytest.mark.parametrize(
    "serializer_class, data",
    [
        (CustomerCreateSerializer, {"firstName": " Ada ", "email": None, "metadata": {"a": 1}}),
        (CustomerCreateSerializer, {"firstName": 7}),
        (CustomerCreateSerializer, {"id": "x", "nope": 1}),
        (CustomerCreateSerializer, ["not", "an", "object"]),
        (CustomerCreateSerializer, None),
        (CustomerCreateSerializer, {}),
        (CompanyCustomerCreateSerializer, {"first-name": "A", "last-name": "B"}),
        (
            CompanyCustomerCreateSerializer,
            {"first-name": "A", "last-name": "B", "email": "a@b.c", "vat-number": "IT1"},
        ),
    ],
)
def test_parse_answers_what_is_valid_answers(serializer_class, data):
    assert _parse(serializer_class, data) == _is_valid(serializer_class, data)


def test_parse_builds_the_serializer_once_per_class():
    CustomerCreateSerializer.parse({"firstName": "A"})
    CompanyCustomerCreateSerializer.parse(
        {"first-name": "A", "last-name": "B", "email": "a@b.c", "vat-number": "IT1"}
    )
    shared = _SHARED[CustomerCreateSerializer]
    CustomerCreateSerializer.parse({"lastName": "B"})
    assert _SHARED[CustomerCreateSerializer] is shared
    assert _SHARED[CompanyCustomerCreateSerializer] is not shared
