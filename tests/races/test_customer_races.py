"""Concurrent customer writes through the API (PostgreSQL, real threads): each pair of writes
raced TRIALS times, and no trial may end in a lost update or a resurrected delete."""

import pytest
from rest_framework.test import APIClient

from customers.models import Customer
from customers.services import customer_create, customer_soft_delete
from tests.api.helpers import company_url
from tests.races.helpers import count_anomalies, run_pair

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

URL = "/v1/customer"


@pytest.fixture
def client_factory(tenant_a, key_a):
    def make():
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Bearer {key_a[1]}", HTTP_X_BUSINESS_TENANT_ID=tenant_a.public_id
        )
        return client

    return make


def _status(result):
    return getattr(result, "status_code", repr(result))


def test_concurrent_patches_of_different_fields_both_survive(tenant_a, client_factory):
    def lost_update(trial):
        customer = customer_create(tenant=tenant_a, data={"first_name": "F", "last_name": "L"})
        url = f"{URL}/{customer.pk}"
        a, b = run_pair(
            lambda: client_factory().patch(url, {"firstName": f"first-{trial}"}, format="json"),
            lambda: client_factory().patch(url, {"lastName": f"last-{trial}"}, format="json"),
        )
        assert (_status(a), _status(b)) == (200, 200)
        stored = Customer.objects.get(pk=customer.pk)
        return (stored.first_name, stored.last_name) != (f"first-{trial}", f"last-{trial}")

    name = "PATCH firstName || PATCH lastName: one update lost"
    assert count_anomalies(name, lost_update) == 0, name


@pytest.mark.parametrize("route", ["v1", "company"])
def test_an_update_racing_a_delete_never_resurrects_the_customer(
    tenant_a, client_factory, route, tse
):
    def resurrected(trial):
        customer = customer_create(tenant=tenant_a, data={"first_name": "F"})
        url = f"{URL}/{customer.pk}"
        delete_url = url if route == "v1" else company_url(tenant_a, customer.pk)
        patch, delete = run_pair(
            lambda: client_factory().patch(url, {"lastName": f"L{trial}"}, format="json"),
            lambda: client_factory().delete(delete_url),
        )
        assert _status(delete) == 204 and _status(patch) in (200, 404)
        stored = Customer.objects.get(pk=customer.pk)
        # The DELETE answered 204, so the customer must be deleted, whatever the PATCH did.
        return stored.deleted_at is None or stored.state != "inactive"

    name = f"PATCH || DELETE ({route} route): deleted customer active again"
    assert count_anomalies(name, resurrected) == 0, name


def test_two_concurrent_deletes_give_one_204_and_one_404(tenant_a, client_factory):
    def both_deleted(_trial):
        customer = customer_create(tenant=tenant_a, data={"first_name": "F"})
        url = f"{URL}/{customer.pk}"
        results = run_pair(
            lambda: client_factory().delete(url), lambda: client_factory().delete(url)
        )
        return sorted(map(_status, results)) != [204, 404]

    name = "DELETE || DELETE: both answered 204"
    assert count_anomalies(name, both_deleted) == 0, name


def test_a_restore_racing_a_create_of_the_same_email_leaves_one_active_customer(
    tenant_a, client_factory
):
    def not_one_active(trial):
        email = f"race-{trial}@example.com"
        old = customer_create(tenant=tenant_a, data={"email": email})
        customer_soft_delete(customer=old)
        restore, create = run_pair(
            lambda: client_factory().post(f"{URL}/{old.pk}/restore"),
            lambda: client_factory().post(URL, {"email": email}, format="json"),
        )
        active = Customer.objects.filter(
            tenant=tenant_a, email=email, deleted_at__isnull=True
        ).count()
        statuses = sorted([_status(restore), _status(create)])
        return active != 1 or statuses not in ([200, 409], [201, 409])

    name = "restore || create same email: not exactly one active"
    assert count_anomalies(name, not_one_active) == 0, name


def test_two_updates_with_the_same_if_match_let_only_one_through(tenant_a, client_factory):
    def both_applied(_trial):
        created = client_factory().post(URL, {"firstName": "F"}, format="json")
        url, etag = f"{URL}/{created.json()['id']}", created["ETag"]
        results = run_pair(
            lambda: client_factory().patch(url, {"firstName": "A"}, HTTP_IF_MATCH=etag),
            lambda: client_factory().patch(url, {"lastName": "B"}, HTTP_IF_MATCH=etag),
        )
        return sorted(map(_status, results)) != [200, 412]

    name = "PATCH If-Match || PATCH If-Match (same ETag): not one 200 and one 412"
    assert count_anomalies(name, both_applied) == 0, name
