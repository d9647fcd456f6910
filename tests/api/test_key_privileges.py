"""No privilege is gained through a key operation (apikeys.services.apikey_check_actor).

Matrix, each refusal tested below:
  write-only key rolls a read+write key            -> 403 insufficient_scope, nothing minted
  write-only key creates a read+write key          -> 403 insufficient_scope
  rolled key (grace) creates / rolls / revokes     -> 403 key_in_grace, nothing changes
  rolled key (grace) on customer routes            -> served until expires_at
  key created with an expiry (never rolled)        -> manages keys like any live key
  read-only key on any key write                   -> 403 insufficient_scope (write needed)
  pending / suspended / trial-ended application    -> 403 on every key route
  revoked / expired key                            -> 401 on every key route
  provider key on /v1/keys, tenant key on signup   -> 401 wrong_key_type
  rolled provider key on signup                    -> 403 key_in_grace, no tenant created
  actor revoked by a concurrent request            -> the service refuses it (401)
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apikeys import auth_cache
from apikeys.exceptions import KeyAuthenticationFailed, KeyInGrace
from apikeys.models import ApiKey, Application
from apikeys.services import (
    apikey_create,
    apikey_revoke,
    apikey_roll,
    application_change_plan,
    application_set_state,
)
from tenants.models import Tenant
from tests.apikeys.factories import make_plan, make_provider_key
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


def _key(tenant, *, scopes=None, **kwargs):
    return apikey_create(tenant=tenant, scopes=scopes, **kwargs)


def _live_count(tenant) -> int:
    return ApiKey.objects.filter(application__tenant=tenant, revoked_at__isnull=True).count()


def _code(response) -> str:
    assert response["Content-Type"] == "application/problem+json", response.content
    return response.json()["code"]


# --- scopes: roll applies the rule create applies ------------------------------------------


def test_a_write_only_key_cannot_roll_a_read_write_key(tenant_a, key_a):
    writer, writer_raw = _key(tenant_a, scopes=["write"])
    client = make_client(tenant_a, writer_raw)
    before = _live_count(tenant_a)
    response = client.post(f"/v1/keys/{key_a[0].public_id}/roll", {}, format="json")
    assert response.status_code == 403 and _code(response) == "insufficient_scope"
    assert response.json()["key_scopes"] == ["write"]
    assert _live_count(tenant_a) == before
    old = ApiKey.objects.get(pk=key_a[0].pk)
    assert old.expires_at is None and old.rolled_at is None


def test_a_write_only_key_cannot_create_a_read_write_or_read_key(tenant_a, key_a):
    _writer, writer_raw = _key(tenant_a, scopes=["write"])
    client = make_client(tenant_a, writer_raw)
    for scopes in (["read", "write"], ["read"]):
        response = client.post("/v1/keys", {"scopes": scopes}, format="json")
        assert response.status_code == 403 and _code(response) == "insufficient_scope"
    # the default scopes are read+write, so an empty body is the same escalation
    assert _code(client.post("/v1/keys", {}, format="json")) == "insufficient_scope"


def test_a_write_only_key_may_roll_and_create_write_only_keys(tenant_a, key_a):
    _writer, writer_raw = _key(tenant_a, scopes=["write"])
    other, _raw = _key(tenant_a, scopes=["write"])
    client = make_client(tenant_a, writer_raw)
    response = client.post(f"/v1/keys/{other.public_id}/roll", {}, format="json")
    assert response.status_code == 201 and response.json()["scopes"] == ["write"]
    response = client.post("/v1/keys", {"scopes": ["write"]}, format="json")
    assert response.status_code == 201


def test_a_read_write_key_may_roll_a_narrower_key(tenant_a, alice_client):
    reader, _raw = _key(tenant_a, scopes=["read"])
    response = alice_client.post(f"/v1/keys/{reader.public_id}/roll", {}, format="json")
    assert response.status_code == 201 and response.json()["scopes"] == ["read"]


def test_a_read_only_key_cannot_write_any_key(tenant_a, key_a):
    _reader, reader_raw = _key(tenant_a, scopes=["read"])
    client = make_client(tenant_a, reader_raw)
    for method, path in [
        ("post", "/v1/keys"),
        ("post", f"/v1/keys/{key_a[0].public_id}/roll"),
        ("delete", f"/v1/keys/{key_a[0].public_id}"),
    ]:
        response = getattr(client, method)(path, {"scopes": ["read"]}, format="json")
        assert response.status_code == 403 and _code(response) == "insufficient_scope"
    assert ApiKey.objects.get(pk=key_a[0].pk).is_live()


# --- grace: a rolled key serves customers but manages no keys ------------------------------


@pytest.fixture
def rolled(tenant_a, key_a):
    """Alice's key rolled by itself with an hour of grace: (old client, new key row, new raw)."""
    old_client = make_client(tenant_a, key_a[1])
    response = old_client.post(
        f"/v1/keys/{key_a[0].public_id}/roll", {"expiresIn": 3600}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["previous"]["rolledAt"] is not None
    return old_client, ApiKey.objects.get(public_id=body["id"]), body["key"]


def test_a_key_in_its_grace_period_still_serves_customer_routes(rolled):
    old_client, _new, _raw = rolled
    assert old_client.get("/v1/customer").status_code == 200
    assert old_client.post("/v1/customer", {"firstName": "Ada"}, format="json").status_code == 201
    assert old_client.get("/v1/keys").status_code == 200  # reading the (masked) list is harmless


def test_a_key_in_its_grace_period_cannot_create_a_key(tenant_a, rolled):
    old_client, _new, _raw = rolled
    before = _live_count(tenant_a)
    response = old_client.post("/v1/keys", {"label": "forever"}, format="json")
    assert response.status_code == 403 and _code(response) == "key_in_grace"
    assert _live_count(tenant_a) == before


def test_a_key_in_its_grace_period_cannot_revoke_its_replacement(rolled):
    old_client, new, new_raw = rolled
    response = old_client.delete(f"/v1/keys/{new.public_id}")
    assert response.status_code == 403 and _code(response) == "key_in_grace"
    assert ApiKey.objects.get(pk=new.pk).revoked_at is None


def test_a_key_in_its_grace_period_cannot_roll_anything(tenant_a, key_a, rolled):
    old_client, new, _raw = rolled
    for target in (new.public_id, key_a[0].public_id):
        response = old_client.post(f"/v1/keys/{target}/roll", {}, format="json")
        assert response.status_code == 403 and _code(response) == "key_in_grace"
    assert ApiKey.objects.get(pk=new.pk).expires_at is None


def test_a_key_in_its_grace_period_cannot_revoke_itself_but_its_replacement_can(
    tenant_a, key_a, rolled
):
    old_client, _new, new_raw = rolled
    assert _code(old_client.delete(f"/v1/keys/{key_a[0].public_id}")) == "key_in_grace"
    new_client = make_client(tenant_a, new_raw)
    assert new_client.delete(f"/v1/keys/{key_a[0].public_id}").status_code == 204
    assert _code(old_client.get("/v1/customer")) == "api_key_revoked"


def test_a_key_rolled_by_staff_is_in_grace_too(tenant_a, key_a):
    apikey_roll(key=key_a[0])  # admin's roll action passes no actor
    client = make_client(tenant_a, key_a[1])
    assert _code(client.post("/v1/keys", {}, format="json")) == "key_in_grace"


def test_a_key_created_with_an_expiry_is_not_in_grace(tenant_a):
    _key_row, raw = _key(tenant_a, expires_at=timezone.now() + timedelta(hours=1))
    client = make_client(tenant_a, raw)
    assert client.post("/v1/keys", {"label": "x"}, format="json").status_code == 201


# --- application state, revoked and expired keys: refused before any key write -------------


@pytest.mark.parametrize(
    "state,code", [("pending", "application_pending"), ("suspended", "application_suspended")]
)
def test_a_pending_or_suspended_applications_key_manages_no_keys(tenant_a, key_a, state, code):
    application_set_state(application=key_a[0].application, state=state)
    client = make_client(tenant_a, key_a[1])
    before = _live_count(tenant_a)
    for method, path in [
        ("get", "/v1/keys"),
        ("post", "/v1/keys"),
        ("post", f"/v1/keys/{key_a[0].public_id}/roll"),
        ("delete", f"/v1/keys/{key_a[0].public_id}"),
    ]:
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code == 403 and _code(response) == code, (method, path)
    assert _live_count(tenant_a) == before and ApiKey.objects.get(pk=key_a[0].pk).is_live()


def test_a_trial_ended_applications_key_manages_no_keys(tenant_a, key_a):
    application = key_a[0].application
    application_change_plan(application=application, plan=make_plan("trial14", trial_days=14))
    Application.objects.filter(pk=application.pk).update(
        trial_ends_at=timezone.now() - timedelta(seconds=1)
    )
    auth_cache.forget(application_ids=[application.pk])
    client = make_client(tenant_a, key_a[1])
    for method, path in [("post", "/v1/keys"), ("post", f"/v1/keys/{key_a[0].public_id}/roll")]:
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code == 403 and _code(response) == "application_trial_ended"


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_a_revoked_or_expired_key_manages_no_keys(tenant_a, key_a, how):
    victim, _raw = _key(tenant_a)
    if how == "revoked":
        apikey_revoke(key=key_a[0])
    else:
        apikey_roll(key=key_a[0], grace=timedelta(0))
    client = make_client(tenant_a, key_a[1])
    for method, path in [
        ("post", "/v1/keys"),
        ("post", f"/v1/keys/{victim.public_id}/roll"),
        ("delete", f"/v1/keys/{victim.public_id}"),
    ]:
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code == 401 and _code(response) == f"api_key_{how}"
    assert ApiKey.objects.get(pk=victim.pk).is_live()


def test_the_service_refuses_an_actor_revoked_after_it_authenticated(tenant_a, key_a):
    """A concurrent revocation that commits before the write is decided wins."""
    victim, _raw = _key(tenant_a)
    actor = key_a[0]
    apikey_revoke(key=ApiKey.objects.get(pk=actor.pk))
    with pytest.raises(KeyAuthenticationFailed):
        apikey_create(application=actor.application, actor=actor)
    with pytest.raises(KeyAuthenticationFailed):
        apikey_roll(key=victim, actor=actor)
    with pytest.raises(KeyAuthenticationFailed):
        apikey_revoke(key=victim, actor=actor)
    assert ApiKey.objects.get(pk=victim.pk).is_live()


def test_the_service_refuses_an_actor_rolled_after_it_authenticated(tenant_a, key_a):
    victim, _raw = _key(tenant_a)
    actor = key_a[0]
    apikey_roll(key=ApiKey.objects.get(pk=actor.pk))
    with pytest.raises(KeyInGrace):
        apikey_revoke(key=victim, actor=actor)
    assert ApiKey.objects.get(pk=victim.pk).revoked_at is None


# --- provider keys and signup --------------------------------------------------------------


def _provider_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_provider_key_cannot_manage_tenant_keys(tenant_a):
    _key_row, raw = make_provider_key()
    client = _provider_client(raw)
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_BUSINESS_TENANT_ID=tenant_a.public_id
    )
    for method in ("get", "post"):
        response = getattr(client, method)("/v1/keys", {}, format="json")
        assert response.status_code == 401 and _code(response) == "wrong_key_type"


def test_a_tenant_key_cannot_sign_up(alice_client):
    response = alice_client.post("/v1/signup", {"name": "X", "plan": "gold"}, format="json")
    assert response.status_code == 401 and _code(response) == "wrong_key_type"


def test_a_rolled_provider_key_cannot_sign_up_but_its_replacement_can(db):
    old, old_raw = make_provider_key()
    _new, new_raw, _old = apikey_roll(key=old)
    tenants = Tenant.objects.count()
    response = _provider_client(old_raw).post("/v1/signup", {"name": "X", "plan": "gold"})
    assert response.status_code == 403 and _code(response) == "key_in_grace"
    assert Tenant.objects.count() == tenants
    response = _provider_client(new_raw).post("/v1/signup", {"name": "X", "plan": "gold"})
    assert response.status_code == 201


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_a_revoked_or_expired_provider_key_cannot_sign_up(db, how):
    key, raw = make_provider_key()
    if how == "revoked":
        apikey_revoke(key=key)
    else:
        ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        auth_cache.forget(key_prefixes=[key.prefix])
    response = _provider_client(raw).post("/v1/signup", {"name": "X", "plan": "gold"})
    assert response.status_code == 401 and _code(response) == f"api_key_{how}"


def test_a_signed_up_pending_applications_key_manages_no_keys(db):
    _key_row, raw = make_provider_key()
    make_plan("vetted", requires_approval=True)
    body = _provider_client(raw).post("/v1/signup", {"name": "X", "plan": "vetted"}).json()
    tenant = Tenant.objects.get(public_id=body["tenantId"])
    response = make_client(tenant, body["apiKey"]).post("/v1/keys", {}, format="json")
    assert response.status_code == 403 and _code(response) == "application_pending"
