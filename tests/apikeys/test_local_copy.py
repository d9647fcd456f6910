"""A process's own copy of a key and plan is used only when the limiter confirms it, and a
refusal is never based on it: a change made by another process takes effect at once.

"Another process" is simulated faithfully: the row changes in the database and the shared
cache's version token is replaced (what auth_cache.forget / plan_touch do there), while this
process's own copies stay as they were.
"""

import secrets

import pytest
from django.core.cache import cache

from apikeys.auth_cache import VERSION_TTL
from apikeys.models import ApiKey, Application
from apikeys.services import apikey_create
from plans.models import Plan, PlanLimit
from plans.selectors import plan_version_key
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


def _other_process_changed_key(key: ApiKey) -> None:
    cache.set(f"auth:ver:{key.prefix}", secrets.token_hex(8), VERSION_TTL)


def _warm(client, url: str) -> None:
    for _ in range(2):  # the second call runs on this process's copy
        client.get(url)


def test_a_key_widened_to_write_elsewhere_can_write_on_its_next_request(tenant_a):
    key, raw = apikey_create(tenant=tenant_a, scopes=["read"])
    client = make_client(tenant_a, raw)
    _warm(client, "/v1/customer")
    assert client.post("/v1/customer", {"firstName": "A"}, format="json").status_code == 403
    ApiKey.objects.filter(pk=key.pk).update(scopes=["read", "write"])
    _other_process_changed_key(key)
    assert client.post("/v1/customer", {"firstName": "A"}, format="json").status_code == 201


def test_a_key_revoked_elsewhere_is_refused_on_its_next_request(tenant_a):
    from django.utils import timezone

    key, raw = apikey_create(tenant=tenant_a)
    client = make_client(tenant_a, raw)
    _warm(client, "/v1/customer")
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    _other_process_changed_key(key)
    assert client.get("/v1/customer").json()["code"] == "api_key_revoked"


def test_a_plan_upgrade_elsewhere_opens_a_family_on_the_next_request(tenant_a):
    key, raw = apikey_create(tenant=tenant_a)
    Application.objects.filter(pk=key.application_id).update(plan=Plan.objects.get(slug="bronze"))
    _other_process_changed_key(key)
    client = make_client(tenant_a, raw)
    _warm(client, "/churnkey/customers")
    assert client.get("/churnkey/customers").json()["code"] == "plan_method_not_allowed"
    Application.objects.filter(pk=key.application_id).update(plan=Plan.objects.get(slug="gold"))
    _other_process_changed_key(key)
    assert client.get("/churnkey/customers").status_code == 200


def test_a_plan_edited_elsewhere_counts_with_the_new_limits_on_the_next_request(tenant_a):
    key, raw = apikey_create(tenant=tenant_a)
    plan = Plan.objects.create(name="Tiny", slug="tiny", families=["v1"], methods=["customer.list"])
    PlanLimit.objects.create(plan=plan, metric="hits", period="minute", value=1000)
    Application.objects.filter(pk=key.application_id).update(plan=plan)
    _other_process_changed_key(key)
    client = make_client(tenant_a, raw)
    _warm(client, "/v1/customer")
    assert client.get("/v1/customer")["X-RateLimit-Limit"] == "1000"
    PlanLimit.objects.filter(plan=plan).update(value=5)
    cache.set(plan_version_key(plan.pk), secrets.token_hex(8), None)
    assert client.get("/v1/customer")["X-RateLimit-Limit"] == "5"
