"""Shared fixtures: two tenants, Alice's and Bob's, each with a key and an API client.

Access matrix every endpoint is tested against:
  alice_client -> tenant A's data: allowed;  tenant B's data: 404 (never 403, never leaked)
  bob_client   -> tenant B's data: allowed;  tenant A's data: 404
  a key with the other tenant's header: 403 tenant_mismatch; no header: 400
"""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from apikeys.services import apikey_create
from core.cache_errors import breaker
from plans import limiter, usage_store
from tenants.services import tenant_create


def pytest_runtest_setup(item):
    """`redis_only` / `postgres_only` tests skip, saying why, on the SQLite/in-process default."""
    if item.get_closest_marker("redis_only") and not settings.REDIS_URL:
        pytest.skip("needs a real Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/4)")
    if item.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")


def make_client(tenant, raw_key, *, header: bool = True) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    if header:
        client.credentials(
            HTTP_AUTHORIZATION=f"Bearer {raw_key}", HTTP_X_BUSINESS_TENANT_ID=tenant.public_id
        )
    return client


@pytest.fixture(autouse=True)
def _clear_cache():
    """Caches (Redis in CI) outlive a test's database rollback; start each test clean."""
    breaker.reset()
    cache.clear()
    limiter.reset_memory_backend()
    usage_store.reset_memory_store()
    yield
    breaker.reset()  # a test that met an unreachable Redis must not leave the breaker open
    cache.clear()
    limiter.reset_memory_backend()
    usage_store.reset_memory_store()


@pytest.fixture
def tse(db):
    """The Smart Customer document's API product (created by a data migration)."""
    from customers.models import ApiProduct

    return ApiProduct.objects.get(slug="tse")


@pytest.fixture
def tenant_a(db):
    return tenant_create(name="Alice's Shop", region="IT")


@pytest.fixture
def tenant_b(db):
    return tenant_create(name="Bob's Bikes", region="GB")


@pytest.fixture
def key_a(tenant_a):
    return apikey_create(tenant=tenant_a, label="alice")


@pytest.fixture
def key_b(tenant_b):
    return apikey_create(tenant=tenant_b, label="bob")


@pytest.fixture
def alice_client(tenant_a, key_a):
    return make_client(tenant_a, key_a[1])


@pytest.fixture
def bob_client(tenant_b, key_b):
    return make_client(tenant_b, key_b[1])


@pytest.fixture
def anon_client():
    return APIClient()
