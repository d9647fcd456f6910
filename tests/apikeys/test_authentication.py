"""Key resolution: query-free once warm, yet every change that matters is seen at once."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apikeys import auth_cache
from apikeys.authentication import ApiKeyAuthentication
from apikeys.models import ApiKey, Application
from apikeys.permissions import HasTenantAccess
from apikeys.selectors import apikey_get_by_prefix, apikey_resolve
from apikeys.services import (
    apikey_create,
    apikey_revoke,
    apikey_touch,
    application_change_plan,
    application_reactivate,
    application_suspend,
)
from plans.models import Plan
from tenants.services import tenant_set_active, tenant_update
from tests.conftest import make_client


def _authorise(raw: str, tenant, method: str = "get"):
    """Authentication plus the tenant/application/scope permission, as a view runs them."""
    django_request = getattr(APIRequestFactory(), method)(
        "/v1/keys", HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_BUSINESS_TENANT_ID=tenant.public_id
    )
    request = Request(django_request, authenticators=[ApiKeyAuthentication()])
    HasTenantAccess().has_permission(request, view=None)
    return request.user


def test_warm_authentication_costs_no_database_query(tenant_a, key_a, django_assert_num_queries):
    _authorise(key_a[1], tenant_a)  # cold: loads the key and records last_used_at
    with django_assert_num_queries(0):
        principal = _authorise(key_a[1], tenant_a)
        # Everything other layers read is there without a query.
        tenant = principal.tenant
        assert (tenant.pk, tenant.public_id, tenant.is_active) == (
            tenant_a.pk,
            tenant_a.public_id,
            True,
        )
        assert (tenant.default_region, tenant.vat_strict) == ("IT", False)
        assert principal.key_id == key_a[0].pk
        assert principal.application_id == key_a[0].application_id
        assert principal.application.app_id == key_a[0].application.app_id
        assert principal.plan_id == key_a[0].application.plan_id


def test_last_used_at_is_written_at_most_once_a_minute(tenant_a, key_a):
    _authorise(key_a[1], tenant_a)
    first = ApiKey.objects.get(pk=key_a[0].pk).last_used_at
    assert first is not None
    _authorise(key_a[1], tenant_a)
    assert ApiKey.objects.get(pk=key_a[0].pk).last_used_at == first


def test_last_used_at_update_is_conditional_even_without_the_cache_guard(key_a):
    now = timezone.now()
    apikey_touch(key_id=key_a[0].pk, now=now)
    auth_cache.cache.clear()  # another process without the guard
    apikey_touch(key_id=key_a[0].pk, now=now + timedelta(seconds=30))
    assert ApiKey.objects.get(pk=key_a[0].pk).last_used_at == now
    auth_cache.cache.clear()
    apikey_touch(key_id=key_a[0].pk, now=now + timedelta(seconds=61))
    assert ApiKey.objects.get(pk=key_a[0].pk).last_used_at == now + timedelta(seconds=61)


def test_revoked_key_is_refused_on_the_next_request_though_the_cache_was_warm(
    tenant_a, key_a, alice_client
):
    assert alice_client.get("/v1/keys").status_code == 200
    apikey_revoke(key=key_a[0])
    response = alice_client.get("/v1/keys")
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_revoked"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_key_with_a_valid_checksum_is_401_and_cached_negatively(
    tenant_a, key_a, django_assert_num_queries
):
    _key, raw = apikey_create(tenant=tenant_a)
    ApiKey.objects.filter(prefix=_key.prefix).delete()  # a key the database no longer knows
    client = make_client(tenant_a, raw)
    assert client.get("/v1/keys").json()["code"] == "authentication_failed"
    with django_assert_num_queries(0):
        assert client.get("/v1/keys").status_code == 401


def test_suspended_application_is_refused_on_the_next_request_and_back_after_reactivation(
    tenant_a, key_a, alice_client
):
    assert alice_client.get("/v1/customer").status_code == 200
    application_suspend(application=key_a[0].application)
    response = alice_client.get("/v1/customer")
    assert response.status_code == 403
    assert response.json()["code"] == "application_suspended"
    assert "suspended" in response.json()["detail"]
    application_reactivate(application=key_a[0].application)
    assert alice_client.get("/v1/customer").status_code == 200


def test_pending_application_is_403_application_pending(tenant_a, key_a, alice_client):
    Application.objects.filter(pk=key_a[0].application_id).update(state="pending")
    auth_cache.forget(application_ids=[key_a[0].application_id])
    response = alice_client.get("/v1/customer")
    assert response.status_code == 403
    assert response.json()["code"] == "application_pending"


def test_ended_trial_is_403(tenant_a, key_a, alice_client):
    application_change_plan(application=key_a[0].application, plan=Plan.objects.get(slug="trial"))
    assert alice_client.get("/v1/customer").status_code == 200
    Application.objects.filter(pk=key_a[0].application_id).update(
        trial_ends_at=timezone.now() - timedelta(seconds=1)
    )
    auth_cache.forget(application_ids=[key_a[0].application_id])
    assert alice_client.get("/v1/customer").json()["code"] == "application_trial_ended"


def test_deactivated_tenant_is_refused_on_the_next_request(tenant_a, key_a, alice_client):
    assert alice_client.get("/v1/customer").status_code == 200
    tenant_set_active(tenant=tenant_a, is_active=False)
    response = alice_client.get("/v1/customer")
    assert response.status_code == 403
    assert response.json()["code"] == "tenant_inactive"


def test_plan_change_and_tenant_edits_are_seen_on_the_next_request(tenant_a, key_a):
    assert _authorise(key_a[1], tenant_a).plan_id == key_a[0].application.plan_id
    platinum = Plan.objects.get(slug="platinum")
    application_change_plan(application=key_a[0].application, plan=platinum)
    assert _authorise(key_a[1], tenant_a).plan_id == platinum.pk
    tenant_a.vat_strict = True
    tenant_update(tenant=tenant_a, fields=["vat_strict"])
    assert _authorise(key_a[1], tenant_a).tenant.vat_strict is True


def test_a_reader_racing_a_revocation_cannot_cache_the_stale_row(key_a):
    """Process A misses the cache and reads the row; process B revokes (and invalidates);
    then A stores what it read. The stale snapshot carries an outdated version: unused."""
    prefix = key_a[0].prefix
    hit, _key, version_seen_by_a = auth_cache.snapshot_get(prefix)
    assert not hit
    stale_row = apikey_get_by_prefix(prefix=prefix)
    apikey_revoke(key=key_a[0])  # process B
    auth_cache.snapshot_set(prefix, stale_row, version_seen_by_a)  # A finishes late
    assert apikey_resolve(prefix=prefix).revoked_at is not None
