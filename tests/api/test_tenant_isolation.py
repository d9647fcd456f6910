"""The two-tenant access matrix: Bob's key never reads, changes, deletes, restores or finds
Alice's customer. Another tenant's resource is a 404, never a 403 that reveals it exists."""

import pytest

from customers.models import Customer
from customers.services import customer_create, customer_soft_delete

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_customer(tenant_a):
    return customer_create(
        tenant=tenant_a,
        data={"first_name": "Alice", "email": "alice@example.com", "phone": "+390612345678"},
    )


@pytest.mark.parametrize(
    "method,suffix,body",
    [
        ("get", "", None),
        ("get", "?includeDeleted=true", None),
        ("put", "", {"firstName": "Mallory"}),
        ("patch", "", {"firstName": "Mallory"}),
        ("delete", "", None),
        ("post", "/restore", None),
    ],
)
def test_other_tenants_customer_is_not_found(bob_client, alices_customer, method, suffix, body):
    url = f"/v1/customer/{alices_customer.id}{suffix}"
    response = (
        getattr(bob_client, method)(url, body, format="json")
        if body
        else getattr(bob_client, method)(url)
    )
    assert response.status_code == 404, response.content
    alices_customer.refresh_from_db()
    assert alices_customer.first_name == "Alice"
    assert alices_customer.deleted_at is None


def test_other_tenants_deleted_customer_cannot_be_restored(bob_client, alices_customer):
    customer_soft_delete(customer=alices_customer)
    assert bob_client.post(f"/v1/customer/{alices_customer.id}/restore").status_code == 404
    assert Customer.objects.get(pk=alices_customer.pk).deleted_at is not None


def test_other_tenants_customer_is_not_found_by_email_or_phone(bob_client, alices_customer):
    assert bob_client.get("/v1/customer/by-email/alice@example.com").status_code == 404
    assert bob_client.get("/v1/customer/by-phone/+390612345678").status_code == 404


def test_other_tenants_customers_are_not_listed_or_searched(bob_client, alices_customer):
    for params in ({}, {"search": "alice"}, {"cursor": ""}, {"includeDeleted": "true"}):
        assert bob_client.get("/v1/customer/paged", params).json()["data"] == []


def test_owner_sees_the_customer(alice_client, alices_customer):
    assert alice_client.get(f"/v1/customer/{alices_customer.id}").status_code == 200
    assert alice_client.get("/v1/customer/by-email/ALICE@example.com").status_code == 200


def test_tenant_is_never_client_writable(alice_client, tenant_b):
    response = alice_client.post(
        "/v1/customer", {"firstName": "X", "tenant": tenant_b.public_id}, format="json"
    )
    assert response.status_code == 400
    assert not Customer.objects.filter(tenant=tenant_b).exists()
