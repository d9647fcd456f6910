"""render_customer (the fields applied directly, for speed) equals CustomerSerializer's data."""

from datetime import UTC

import pytest
from django.utils import timezone

from customers.models import Customer
from customers.serializers import CustomerSerializer, render_customer
from customers.services import customer_create, customer_soft_delete

pytestmark = pytest.mark.django_db


def test_render_is_the_serializers_output_for_every_shape_of_customer(tenant_a):
    full = customer_create(
        tenant=tenant_a,
        data={
            "first_name": "Àda",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "phone": "+390612345678",
            "vat_number": "IT00743110157",
            "metadata": {"crm": {"id": 1, "tags": ["a", None]}, "n": 1.5},
        },
    )
    bare = customer_create(tenant=tenant_a, data={"last_name": "Solo"})
    deleted = customer_create(tenant=tenant_a, data={"first_name": "Gone"})
    customer_soft_delete(customer=deleted)
    for customer in Customer.objects.filter(pk__in=[full.pk, bare.pk, deleted.pk]):
        assert render_customer(customer) == dict(CustomerSerializer(customer).data)
    rendered = render_customer(Customer.objects.get(pk=deleted.pk))
    assert rendered["deletedAt"] is not None and rendered["deletedAt"].endswith("Z")
    assert list(rendered) == list(CustomerSerializer().fields)


def test_times_are_rendered_in_utc_whatever_time_zone_is_active(tenant_a):
    customer = customer_create(tenant=tenant_a, data={"first_name": "Zoe"})
    with timezone.override("Europe/Rome"):
        rendered = render_customer(Customer.objects.get(pk=customer.pk))
    assert rendered["createdAt"].endswith("Z"), rendered
    assert rendered["createdAt"] == customer.created_at.astimezone(UTC).isoformat()[:-6] + "Z"
