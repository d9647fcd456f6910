"""Plan gating and limit headers on the real route families, not just test views."""

import pytest

from plans.models import Plan
from tests.api.helpers import company_url
from tests.plans.conftest import client_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def bronze_client(tenant_a):
    client, _application, _key = client_on(tenant_a, Plan.objects.get(slug="bronze"))
    return client


def test_bronze_serves_the_v1_api_with_limit_headers(bronze_client):
    response = bronze_client.get("/v1/customer/paged")
    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == "60"
    assert int(response["X-RateLimit-Remaining"]) == 59
    assert "RateLimit-Policy" in response and "RateLimit" in response


@pytest.mark.parametrize(
    "path", ["company", "/churnkey/customers", "/churnkey/customers/email/a@example.com"]
)
def test_bronze_refuses_the_company_and_churnkey_routes(bronze_client, tenant_a, tse, path):
    url = company_url(tenant_a) if path == "company" else path
    response = bronze_client.get(url)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "plan_method_not_allowed"
    assert body["plan"] == "bronze"


@pytest.mark.parametrize("slug", ["silver", "gold", "platinum"])
def test_higher_plans_serve_every_family(tenant_a, tse, slug):
    client, _application, _key = client_on(tenant_a, Plan.objects.get(slug=slug))
    for url in ("/v1/customer/paged", company_url(tenant_a), "/churnkey/customers"):
        assert client.get(url).status_code == 200, url
