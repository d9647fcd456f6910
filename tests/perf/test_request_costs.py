"""What the hot requests cost, as numbers that cannot drift silently: SQL statements and Redis
round trips per request (timings live in bench/, these are deterministic)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.services import customer_create

pytestmark = [pytest.mark.django_db, pytest.mark.redis_only]


def _warm(client, url, times=3):
    for _ in range(times):
        assert client.get(url).status_code == 200


def _cost(client, method, url, redis_round_trips, **kwargs):
    redis_round_trips.commands.clear()
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, **kwargs)
    return response, [q["sql"] for q in queries.captured_queries], list(redis_round_trips.commands)


def test_warm_get_by_id_costs_one_statement_and_one_redis_round_trip(
    tenant_a, alice_client, redis_round_trips
):
    customer = customer_create(tenant=tenant_a, data={"first_name": "Ada"})
    url = f"/v1/customer/{customer.pk}"
    _warm(alice_client, url)
    response, sql, trips = _cost(alice_client, "get", url, redis_round_trips)
    assert response.status_code == 200
    assert len(sql) == 1, sql
    assert len(trips) == 1, trips


def test_warm_get_records_last_use_through_the_same_round_trip(
    tenant_a, key_a, alice_client, redis_round_trips
):
    from django.core.cache import cache

    from apikeys.models import ApiKey

    customer = customer_create(tenant=tenant_a, data={"first_name": "Ada"})
    url = f"/v1/customer/{customer.pk}"
    _warm(alice_client, url)
    # A minute later: the once-a-minute claim has expired and last_used_at is old.
    cache.delete(f"auth:used:{key_a[0].pk}")
    ApiKey.objects.filter(pk=key_a[0].pk).update(last_used_at=None)
    response, sql, trips = _cost(alice_client, "get", url, redis_round_trips)
    assert response.status_code == 200
    assert len(trips) == 1, trips
    assert len(sql) == 2, sql  # the customer, and the last-use UPDATE the claim allowed
    assert ApiKey.objects.get(pk=key_a[0].pk).last_used_at is not None


def test_rendering_reuses_one_serializer_and_matches_a_fresh_one(tenant_a):
    from customers.serializers import CustomerSerializer, render_customer

    customer = customer_create(tenant=tenant_a, data={"first_name": "Ada", "metadata": {"a": 1}})
    assert render_customer(customer) == CustomerSerializer(customer).data


@pytest.mark.parametrize(
    "url",
    [
        "/v1/customer/by-email/ADA@Example.com",
        "/v1/customer/by-phone/+390612345678",
        "/churnkey/customers/email/ada@example.com",
        "/churnkey/customers/phone/+390612345678",
    ],
)
def test_warm_lookups_by_email_and_phone_cost_one_statement_and_one_round_trip(
    tenant_a, alice_client, redis_round_trips, url
):
    customer_create(
        tenant=tenant_a,
        data={"first_name": "Ada", "email": "ada@example.com", "phone": "+390612345678"},
    )
    _warm(alice_client, url)
    response, sql, trips = _cost(alice_client, "get", url, redis_round_trips)
    assert response.status_code == 200
    assert len(sql) == 1, sql
    assert len(trips) == 1, trips
