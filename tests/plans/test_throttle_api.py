"""Limits over HTTP: rate-limit headers on every counted response, 429 with Retry-After."""

import pytest

from apikeys.services import apikey_create
from plans.models import Plan
from tests.conftest import make_client
from tests.plans.conftest import client_on, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight(tenant_a, fixed_now):
    """Alice on a plan of 3 hits a minute and 100 a day; the clock is at :30 of a minute."""
    plan = make_plan("tight", [("hits", "minute", 3), ("hits", "day", 100)])
    return client_on(tenant_a, plan)


def test_a_successful_response_carries_the_tightest_limits_state(tight):
    client, _, _ = tight
    response = client.get("/v1/customer")
    assert response.status_code == 200
    assert response["RateLimit-Policy"] == '"hits-day";q=100;w=86400, "hits-minute";q=3;w=60'
    assert response["RateLimit"] == '"hits-minute";r=2;t=30'
    assert response["X-RateLimit-Limit"] == "3"
    assert response["X-RateLimit-Remaining"] == "2"
    assert response["X-RateLimit-Reset"] == "30"


def test_error_responses_of_a_counted_call_carry_the_headers_too(tight):
    client, _, _ = tight
    response = client.get("/v1/customer/no-such-id")
    assert response.status_code == 404
    assert response["RateLimit"] == '"hits-minute";r=2;t=30'


def test_over_the_limit_is_a_429_problem_with_retry_after(tight):
    client, _, _ = tight
    for remaining in ("2", "1", "0"):
        assert client.get("/v1/customer")["X-RateLimit-Remaining"] == remaining
    response = client.get("/v1/customer")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "30"
    assert response["RateLimit"] == '"hits-minute";r=0;t=30'
    assert response["X-RateLimit-Remaining"] == "0"
    body = response.json()
    assert body["code"] == "rate_limited"
    assert body["status"] == 429
    assert body["plan"] == "tight"
    assert body["violated-policies"] == ["hits-minute"]
    assert "3 hits per minute" in body["detail"]


def test_a_method_limit_leaves_other_methods_alone(tenant_a, fixed_now):
    plan = make_plan("fewcreates", [("hits", "minute", 100), ("customer.create", "day", 1)])
    client, _, _ = client_on(tenant_a, plan)
    assert client.post("/v1/customer", {"firstName": "A"}, format="json").status_code == 201
    refused = client.post("/v1/customer", {"firstName": "B"}, format="json")
    assert refused.status_code == 429
    assert refused.json()["violated-policies"] == ["customer.create-day"]
    assert refused["RateLimit"].startswith('"customer.create-day";r=0;t=')
    assert client.get("/v1/customer").status_code == 200


def test_minting_more_keys_buys_no_more_quota(tenant_a, tight):
    client, application, _ = tight
    second = make_client(tenant_a, apikey_create(application=application, label="two")[1])
    third = make_client(tenant_a, apikey_create(application=application, label="three")[1])
    statuses = [c.get("/v1/customer").status_code for c in (client, second, third, second)]
    assert statuses == [200, 200, 200, 429]


def test_other_tenants_quota_is_untouched(tight, tenant_b):
    client, _, _ = tight
    bob, _, _ = client_on(tenant_b, Plan.objects.get(slug="tight"))
    for _ in range(4):
        client.get("/v1/customer")
    assert bob.get("/v1/customer")["X-RateLimit-Remaining"] == "2"


def test_unauthenticated_calls_are_not_counted(anon_client, tight):
    response = anon_client.get("/v1/customer")
    assert response.status_code == 401
    assert "RateLimit" not in response


def test_the_default_plans_limits_apply(alice_client):
    response = alice_client.get("/v1/customer")  # gold, the default plan
    assert response["X-RateLimit-Limit"] == "30000"
    assert '"hits-minute";q=30000;w=60' in response["RateLimit-Policy"]


@pytest.mark.parametrize("header", [None, "wrong"])
def test_gateway_mode_refuses_calls_without_the_proxy_secret(alice_client, settings, header):
    settings.GATEWAY_SECRET_TOKEN = "s3cret-from-apicast"
    extra = {"HTTP_X_3SCALE_PROXY_SECRET_TOKEN": header} if header else {}
    response = alice_client.get("/v1/customer", **extra)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "gateway_secret_invalid"


def test_gateway_mode_serves_calls_with_the_proxy_secret(alice_client, settings):
    settings.GATEWAY_SECRET_TOKEN = "s3cret-from-apicast"
    response = alice_client.get(
        "/v1/customer", HTTP_X_3SCALE_PROXY_SECRET_TOKEN="s3cret-from-apicast"
    )
    assert response.status_code == 200
    assert response["X-RateLimit-Limit"]
