"""/v1/keys: list masked, create once-shown keys, roll with a grace period, revoke at once."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from apikeys.models import MAX_LIVE_KEYS_PER_APPLICATION, ApiKey
from apikeys.services import apikey_create, apikey_revoke
from tests.apikeys.factories import make_application
from tests.conftest import make_client


def _create(client, **body):
    return client.post("/v1/keys", body or {"label": "ci"}, format="json")


def test_list_shows_the_applications_keys_masked(alice_client, key_a):
    response = alice_client.get("/v1/keys")
    assert response.status_code == 200
    body = response.json()
    assert body["nextCursor"] is None and "Link" not in response
    [row] = body["data"]
    assert row["id"] == key_a[0].public_id and row["id"].startswith("key_")
    assert row["maskedKey"] == key_a[0].prefix + "•" * 8
    assert row["state"] == "live"
    assert row["scopes"] == ["read", "write"]
    assert set(row) >= {"label", "createdAt", "expiresAt", "revokedAt", "lastUsedAt"}
    assert "key" not in row and key_a[1] not in response.content.decode()


def test_create_returns_the_key_once_and_it_works(tenant_a, alice_client):
    response = _create(alice_client, label="ci", scopes=["read"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["key"].startswith("cmk_") and body["scopes"] == ["read"]
    assert body["label"] == "ci" and body["state"] == "live"
    new_client = make_client(tenant_a, body["key"])
    assert new_client.get("/v1/customer").status_code == 200
    listed = alice_client.get("/v1/keys").json()["data"]
    assert body["id"] in [row["id"] for row in listed]
    assert all("key" not in row for row in listed)


@pytest.mark.parametrize(
    "body",
    [
        {"label": "x", "id": 5},
        {"scopes": ["admin"]},
        {"scopes": []},
        {"scopes": "read"},
        {"label": "x" * 101},
        ["label"],
    ],
)
def test_create_refuses_bad_input(alice_client, body):
    response = alice_client.post("/v1/keys", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_a_key_cannot_mint_scopes_it_lacks(tenant_a):
    _key, raw = apikey_create(tenant=tenant_a, scopes=["write"])
    response = _create(make_client(tenant_a, raw), scopes=["read", "write"])
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"


def test_at_most_five_live_keys_per_application(tenant_a, key_a, alice_client):
    for _ in range(MAX_LIVE_KEYS_PER_APPLICATION - 1):
        assert _create(alice_client).status_code == 201
    response = _create(alice_client)
    assert response.status_code == 409
    assert response.json()["code"] == "key_limit_reached"
    assert response["Content-Type"] == "application/problem+json"
    # Revoked and expired keys do not count.
    other = ApiKey.objects.filter(application=key_a[0].application).exclude(pk=key_a[0].pk)
    apikey_revoke(key=other.first())
    assert _create(alice_client).status_code == 201
    other.filter(revoked_at__isnull=True).update(expires_at=timezone.now())
    assert _create(alice_client).status_code == 201


def test_keys_of_another_application_share_nothing_with_this_ones_limit(tenant_a, key_a):
    second = make_application(tenant_a)
    for _ in range(MAX_LIVE_KEYS_PER_APPLICATION):
        apikey_create(application=second)
    assert _create(make_client(tenant_a, key_a[1])).status_code == 201


def test_roll_gives_a_new_key_and_keeps_the_old_one_working_for_24_hours(tenant_a, key_a):
    client = make_client(tenant_a, key_a[1])
    before = timezone.now()
    response = client.post(f"/v1/keys/{key_a[0].public_id}/roll", {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["key"] != key_a[1] and body["label"] == "alice"
    assert body["scopes"] == ["read", "write"]
    assert body["previous"]["id"] == key_a[0].public_id and body["previous"]["state"] == "expiring"
    old = ApiKey.objects.get(pk=key_a[0].pk)
    assert before + timedelta(hours=24) <= old.expires_at <= timezone.now() + timedelta(hours=24)
    assert client.get("/v1/customer").status_code == 200  # old key, in its grace period
    assert make_client(tenant_a, body["key"]).get("/v1/customer").status_code == 200


def test_roll_grace_boundary(tenant_a, key_a):
    """The old key works until just before expires_at and is 401 api_key_expired from it on,
    with the snapshot warm (expiry is checked on every request, not only on a cache miss)."""
    client = make_client(tenant_a, key_a[1])
    response = client.post(
        f"/v1/keys/{key_a[0].public_id}/roll", {"expiresIn": 3600}, format="json"
    )
    assert response.status_code == 201
    expires_at = ApiKey.objects.get(pk=key_a[0].pk).expires_at
    with mock.patch(
        "django.utils.timezone.now", return_value=expires_at - timedelta(microseconds=1)
    ):
        assert client.get("/v1/customer").status_code == 200
    with mock.patch("django.utils.timezone.now", return_value=expires_at):
        response = client.get("/v1/customer")
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_expired"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_roll_with_expires_in_zero_stops_the_old_key_at_once(tenant_a, key_a):
    client = make_client(tenant_a, key_a[1])
    response = client.post(f"/v1/keys/{key_a[0].public_id}/roll", {"expiresIn": 0}, format="json")
    assert response.status_code == 201
    assert client.get("/v1/customer").json()["code"] == "api_key_expired"


@pytest.mark.parametrize("body", [{"expiresIn": 7 * 86400 + 1}, {"expiresIn": -1}, {"x": 1}])
def test_roll_refuses_a_grace_beyond_seven_days_and_unknown_fields(alice_client, key_a, body):
    response = alice_client.post(f"/v1/keys/{key_a[0].public_id}/roll", body, format="json")
    assert response.status_code == 400
    assert ApiKey.objects.get(pk=key_a[0].pk).expires_at is None


def test_roll_never_lengthens_a_keys_life(tenant_a, alice_client):
    soon = timezone.now() + timedelta(hours=1)
    key, _raw = apikey_create(tenant=tenant_a, expires_at=soon)
    response = alice_client.post(
        f"/v1/keys/{key.public_id}/roll", {"expiresIn": 86400}, format="json"
    )
    assert response.status_code == 201
    assert ApiKey.objects.get(pk=key.pk).expires_at == soon


def test_a_revoked_key_cannot_be_rolled(tenant_a, alice_client):
    key, _raw = apikey_create(tenant=tenant_a)
    apikey_revoke(key=key)
    response = alice_client.post(f"/v1/keys/{key.public_id}/roll", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "key_not_live"


def test_rolled_keys_in_their_grace_count_towards_the_limit(tenant_a, key_a, alice_client):
    for _ in range(MAX_LIVE_KEYS_PER_APPLICATION - 1):
        _create(alice_client)
    response = alice_client.post(f"/v1/keys/{key_a[0].public_id}/roll", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "key_limit_reached"
    response = alice_client.post(
        f"/v1/keys/{key_a[0].public_id}/roll", {"expiresIn": 0}, format="json"
    )
    assert response.status_code == 201


def test_delete_revokes_at_once_even_the_callers_own_key(tenant_a, key_a, alice_client):
    response = alice_client.delete(f"/v1/keys/{key_a[0].public_id}")
    assert response.status_code == 204
    response = alice_client.get("/v1/keys")
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_revoked"


def test_delete_another_key_and_twice(tenant_a, alice_client):
    key, raw = apikey_create(tenant=tenant_a, label="old")
    assert alice_client.delete(f"/v1/keys/{key.public_id}").status_code == 204
    assert alice_client.delete(f"/v1/keys/{key.public_id}").status_code == 204
    assert make_client(tenant_a, raw).get("/v1/keys").json()["code"] == "api_key_revoked"
    states = {row["id"]: row["state"] for row in alice_client.get("/v1/keys").json()["data"]}
    assert states[key.public_id] == "revoked"


def test_other_tenants_key_is_not_found(alice_client, bob_client, key_b):
    for method, path in [
        ("get", f"/v1/keys/{key_b[0].public_id}"),
        ("delete", f"/v1/keys/{key_b[0].public_id}"),
        ("post", f"/v1/keys/{key_b[0].public_id}/roll"),
    ]:
        response = getattr(alice_client, method)(path, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "not_found"
    assert ApiKey.objects.get(pk=key_b[0].pk).revoked_at is None
    assert key_b[0].public_id not in [
        row["id"] for row in alice_client.get("/v1/keys").json()["data"]
    ]
    assert bob_client.get(f"/v1/keys/{key_b[0].public_id}").status_code == 200


def test_another_applications_key_in_the_same_tenant_is_not_found(tenant_a, alice_client):
    key, _raw = apikey_create(application=make_application(tenant_a))
    assert alice_client.get(f"/v1/keys/{key.public_id}").status_code == 404
    assert alice_client.delete(f"/v1/keys/{key.public_id}").status_code == 404


@pytest.mark.parametrize("key_id", ["abc", "0", "99999999999999999999999", "-1"])
def test_malformed_key_ids_are_not_found(alice_client, key_id):
    assert alice_client.get(f"/v1/keys/{key_id}").status_code == 404


def test_keys_need_the_tenant_header_and_it_must_match(tenant_b, key_a, tenant_a):
    no_header = make_client(tenant_a, key_a[1], header=False)
    assert no_header.get("/v1/keys").json()["code"] == "tenant_header_missing"
    wrong = make_client(tenant_b, key_a[1])
    assert wrong.get("/v1/keys").json()["code"] == "tenant_mismatch"


@pytest.mark.parametrize("label", [5, True, ["x"]])
def test_key_label_must_be_a_string(alice_client, label):
    response = alice_client.post("/v1/keys", {"label": label}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "label"


def test_keys_list_pages_by_cursor_with_a_link_header(alice_client, key_a):
    for _ in range(2):
        apikey_create(application=key_a[0].application)
    first = alice_client.get("/v1/keys", {"limit": 2})
    body = first.json()
    assert len(body["data"]) == 2 and body["limit"] == 2 and body["nextCursor"]
    assert first["Link"].endswith('>; rel="next"') and "cursor=" in first["Link"]
    second = alice_client.get("/v1/keys", {"limit": 2, "cursor": body["nextCursor"]}).json()
    assert [row["id"] for row in second["data"]] == [key_a[0].public_id]
    assert second["nextCursor"] is None
    assert alice_client.get("/v1/keys", {"limit": 0}).status_code == 400


def test_a_key_is_addressed_by_its_public_id_never_its_integer_pk(alice_client, key_a):
    assert alice_client.get(f"/v1/keys/{key_a[0].public_id}").status_code == 200
    assert alice_client.get(f"/v1/keys/{key_a[0].pk}").status_code == 404


def test_roll_refuses_the_old_snake_case_field(alice_client, key_a):
    url = f"/v1/keys/{key_a[0].public_id}/roll"
    response = alice_client.post(url, {"expires_in": 60}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "expires_in"
