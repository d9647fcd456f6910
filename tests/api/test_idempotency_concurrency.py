"""Idempotency-Key under concurrency (PostgreSQL, real threads): the database decides."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from apikeys.models import ApiKey
from core import idempotency
from customers.models import Customer
from tenants.models import Tenant
from tests.api.helpers import assert_problem
from tests.apikeys.factories import make_provider_key
from tests.conftest import make_client

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

N = 20


def _race(make, url, body):
    """N threads send the same POST with the same Idempotency-Key at once."""
    barrier = threading.Barrier(N)

    def one(_):
        client = make()
        barrier.wait()
        try:
            response = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="same-key")
            return response.status_code, response.get("Idempotent-Replayed"), response
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=N) as pool:
        return list(pool.map(one, range(N)))


def _assert_one_original(results, status):
    originals = [r for s, replayed, r in results if s == status and replayed is None]
    assert len(originals) == 1, [(s, replayed) for s, replayed, _ in results]
    for s, replayed, response in results:
        if s == 409:
            assert response.json()["code"] == "idempotency_key_in_use"
            assert response["Retry-After"] == "1"
        else:
            assert (s, replayed) == (status, "true") or response is originals[0]
            assert response.content == originals[0].content


def test_twenty_concurrent_identical_creates_write_one_customer(tenant_a, key_a):
    results = _race(lambda: make_client(tenant_a, key_a[1]), "/v1/customer", {"firstName": "M"})
    _assert_one_original(results, 201)
    assert Customer.objects.filter(tenant=tenant_a).count() == 1


def test_twenty_concurrent_identical_key_creates_mint_one_key(tenant_a, key_a):
    before = ApiKey.objects.count()
    results = _race(lambda: make_client(tenant_a, key_a[1]), "/v1/keys", {"label": "ci"})
    _assert_one_original(results, 201)
    assert ApiKey.objects.count() == before + 1


def test_twenty_concurrent_identical_signups_create_one_tenant():
    _key, raw = make_provider_key()

    def provider():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    results = _race(provider, "/v1/signup", {"name": "Racy Signup", "plan": "gold"})
    _assert_one_original(results, 201)
    assert Tenant.objects.filter(name="Racy Signup").count() == 1


def test_a_retry_while_the_first_is_in_flight_is_409_and_then_replays(tenant_a, key_a):
    client = make_client(tenant_a, key_a[1])
    scope = f"app:{key_a[0].application_id}"
    holding, release = threading.Event(), threading.Event()

    def in_flight():  # stands for the first request: it holds the key's lock in a transaction
        try:
            with transaction.atomic():
                assert idempotency._try_lock(scope, "slow")
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=in_flight)
    thread.start()
    try:
        assert holding.wait(10)
        response = client.post(
            "/v1/customer", {"firstName": "M"}, format="json", HTTP_IDEMPOTENCY_KEY="slow"
        )
        assert_problem(response, 409, "idempotency_key_in_use")
        assert Customer.objects.count() == 0
    finally:
        release.set()
        thread.join()
    response = client.post(
        "/v1/customer", {"firstName": "M"}, format="json", HTTP_IDEMPOTENCY_KEY="slow"
    )
    assert response.status_code == 201
