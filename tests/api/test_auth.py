"""Bearer key + tenant header: every way a request can fail to identify its tenant (the HTTP
contract; tests/apikeys/test_authentication.py covers caching and next-request visibility)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apikeys.services import apikey_create, apikey_revoke
from tests.apikeys.factories import make_provider_key
from tests.conftest import make_client

pytestmark = pytest.mark.django_db

URL = "/v1/customer/paged"


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    return response


def test_valid_key_and_header_are_accepted(alice_client):
    assert alice_client.get(URL).status_code == 200


def test_missing_key_is_401_with_bearer_challenge(tenant_a):
    client = APIClient(HTTP_X_BUSINESS_TENANT_ID=tenant_a.public_id)
    response = problem(client.get(URL), 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer a b",
        "Token abc",
        "Bearer cmk_short",
        "Bearer cmk_notakey",
        "Bearer cmk_" + "A" * 38,
    ],
)
def test_malformed_authorization_is_401(tenant_a, header):
    client = APIClient(HTTP_AUTHORIZATION=header, HTTP_X_BUSINESS_TENANT_ID=tenant_a.public_id)
    response = problem(client.get(URL), 401, "authentication_failed")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_bad_checksum_is_refused_without_a_database_query(
    tenant_a, key_a, django_assert_num_queries
):
    raw = key_a[1]
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    client = make_client(tenant_a, tampered)
    with django_assert_num_queries(0):
        response = client.get(URL)
    problem(response, 401, "authentication_failed")


def test_revoked_key_is_401(tenant_a, key_a):
    apikey_revoke(key=key_a[0])
    problem(make_client(tenant_a, key_a[1]).get(URL), 401, "api_key_revoked")


def test_expired_key_is_401_api_key_expired(tenant_a):
    _key, raw = apikey_create(tenant=tenant_a, expires_at=timezone.now() - timedelta(seconds=1))
    response = problem(make_client(tenant_a, raw).get(URL), 401, "api_key_expired")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_missing_tenant_header_is_400(tenant_a, key_a):
    problem(make_client(tenant_a, key_a[1], header=False).get(URL), 400, "tenant_header_missing")


def test_tenant_header_of_another_tenant_is_403(tenant_a, tenant_b, key_a):
    client = APIClient(
        HTTP_AUTHORIZATION=f"Bearer {key_a[1]}", HTTP_X_BUSINESS_TENANT_ID=tenant_b.public_id
    )
    problem(client.get(URL), 403, "tenant_mismatch")


def test_made_up_tenant_header_is_403(tenant_a, key_a):
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {key_a[1]}", HTTP_X_BUSINESS_TENANT_ID="tn_nope")
    problem(client.get(URL), 403, "tenant_mismatch")


def test_keys_are_stored_only_as_hashes(key_a):
    key, raw = key_a
    assert raw not in (key.key_hash, key.prefix)
    assert raw.startswith(key.prefix)
    assert len(key.key_hash) == 64


def test_provider_key_cannot_call_tenant_routes(tenant_a):
    _key, raw = make_provider_key()
    response = problem(make_client(tenant_a, raw).get(URL), 401, "wrong_key_type")
    assert response["WWW-Authenticate"].startswith("Bearer")
