"""The database, not Python, decides duplicate races."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection
from rest_framework.test import APIClient

from customers.models import Customer


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_creates_with_one_email_give_one_201_and_nineteen_409s(tenant_a, key_a):
    barrier = Barrier(20)

    def create(i):
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Bearer {key_a[1]}", HTTP_X_BUSINESS_TENANT_ID=tenant_a.public_id
        )
        barrier.wait()
        try:
            response = client.post(
                "/v1/customer", {"firstName": f"N{i}", "email": "Race@Example.com"}, format="json"
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(create, range(20)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 19
    winner = next(body["id"] for status, body in results if status == 201)
    assert all(body["existing_id"] == winner for status, body in results if status == 409)
    assert Customer.objects.filter(tenant=tenant_a).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creates_with_one_phone_in_different_formats_give_one_winner(tenant_a, key_a):
    formats = ["+39 06 1234 5678", "06 1234 5678", "0612345678", "+390612345678"] * 3
    barrier = Barrier(len(formats))

    def create(phone):
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Bearer {key_a[1]}", HTTP_X_BUSINESS_TENANT_ID=tenant_a.public_id
        )
        barrier.wait()
        try:
            return client.post("/v1/customer", {"phone": phone}, format="json").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(formats)) as pool:
        statuses = sorted(pool.map(create, formats))
    assert statuses == [201] + [409] * (len(formats) - 1)
