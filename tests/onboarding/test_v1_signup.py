"""Signup express: a provider key creates tenant, application and first key in one go."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from apikeys.models import ApiKey, Application
from apikeys.services import apikey_revoke, application_approve
from tenants.models import Tenant
from tests.apikeys.factories import make_plan
from tests.conftest import make_client


@pytest.fixture
def provider_raw(db) -> str:
    out = StringIO()
    call_command("create_provider_key", "--label", "portal", "--json", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])["api_key"]


@pytest.fixture
def provider_client(provider_raw) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {provider_raw}")
    return client


def test_create_provider_key_prints_a_cmp_key(provider_raw):
    assert provider_raw.startswith("cmp_")
    key = ApiKey.objects.get(kind="cmp")
    assert key.application is None and key.label == "portal"


def test_signup_creates_a_tenant_application_and_working_key(provider_client):
    response = provider_client.post("/v1/signup", {"name": "Carla's Cafe", "plan": "bronze"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"tenantId", "applicationId", "apiKey", "applicationState", "plan"}
    assert body["applicationState"] == "live" and body["plan"] == "bronze"
    tenant = Tenant.objects.get(public_id=body["tenantId"])
    application = Application.objects.get(app_id=body["applicationId"])
    assert application.tenant == tenant and application.plan.slug == "bronze"
    assert application.keys.get().scopes == ["read", "write"]
    client = make_client(tenant, body["apiKey"])
    assert client.post("/v1/customer", {"firstName": "Anna"}, format="json").status_code == 201


def test_signup_region_is_used(provider_client):
    response = provider_client.post(
        "/v1/signup", {"name": "Gran Via", "plan": "gold", "region": "es"}
    )
    assert response.status_code == 201
    assert Tenant.objects.get(public_id=response.json()["tenantId"]).default_region == "ES"


def test_plan_requiring_approval_keeps_the_application_pending_until_staff_approve(
    provider_client,
):
    make_plan("enterprise", requires_approval=True)
    body = provider_client.post("/v1/signup", {"name": "Big Co", "plan": "enterprise"}).json()
    assert body["applicationState"] == "pending"
    client = make_client(Tenant.objects.get(public_id=body["tenantId"]), body["apiKey"])
    response = client.get("/v1/customer")
    assert response.status_code == 403
    assert response.json()["code"] == "application_pending"
    application_approve(application=Application.objects.get(app_id=body["applicationId"]))
    assert client.get("/v1/customer").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "X", "plan": "diamond"}, "plan"),
        ({"name": "X"}, "plan"),
        ({"plan": "bronze"}, "name"),
        ({"name": "  ", "plan": "bronze"}, "name"),
        ({"name": "X", "plan": "bronze", "region": "ZZ"}, "region"),
        ({"name": "X", "plan": "bronze", "tenant_id": "tn_x"}, "tenant_id"),
    ],
)
def test_bad_signups_are_400_and_create_nothing(provider_client, body, field):
    response = provider_client.post("/v1/signup", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in [row["field"] for row in response.json()["errors"]]
    assert not Tenant.objects.exists()


def test_signup_is_one_transaction(provider_client, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("key minting failed")

    monkeypatch.setattr("apikeys.services._mint", fail)
    response = provider_client.post("/v1/signup", {"name": "Half Done", "plan": "bronze"})
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert not Tenant.objects.exists() and not Application.objects.exists()


def test_a_tenant_key_cannot_sign_up(tenant_a, key_a):
    client = make_client(tenant_a, key_a[1])
    response = client.post("/v1/signup", {"name": "Sneaky", "plan": "platinum"})
    assert response.status_code == 401
    assert response.json()["code"] == "wrong_key_type"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert Tenant.objects.count() == 1


def test_signup_needs_a_key(anon_client, db):
    response = anon_client.post("/v1/signup", {"name": "Anon", "plan": "bronze"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_provider_key_is_refused(provider_client):
    apikey_revoke(key=ApiKey.objects.get(kind="cmp"))
    response = provider_client.post("/v1/signup", {"name": "Late", "plan": "bronze"})
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_revoked"
