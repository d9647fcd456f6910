"""A call the tenant check refuses is never counted: the check runs in the permission layer,
before DRF's throttles, on every route family (the company route's companyId included)."""

import pytest

from apikeys.services import apikey_create
from tests.api.helpers import company_url
from tests.conftest import make_client
from tests.plans.conftest import client_on, make_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tse")]


def _hits_used(client) -> tuple[int, dict]:
    """(hits used so far, including this /v1/usage call; hourly totals per metric)."""
    body = client.get("/v1/usage").json()
    (hits,) = [lim for lim in body["limits"] if lim["metric"] == "hits"]
    totals = {metric: sum(h["count"] for h in hours) for metric, hours in body["hourly"].items()}
    return hits["used"], totals


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_wrong_company_id_is_refused_without_counting_the_call(
    tenant_a, tenant_b, backend, method
):
    client, _, _ = client_on(tenant_a, make_plan("counted", [("hits", "eternity", 10)]))
    response = getattr(client, method)(company_url(tenant_b), {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "tenant_mismatch"
    assert "RateLimit" not in response  # no limiter decision was taken for it
    used, totals = _hits_used(client)
    assert used == 1  # the /v1/usage call itself
    assert totals == {"hits": 1, "usage.read": 1}


def test_a_wrong_tenant_header_is_refused_without_counting_the_call(tenant_a, tenant_b, backend):
    client, application, _ = client_on(tenant_a, make_plan("counted", [("hits", "eternity", 10)]))
    _, raw = apikey_create(application=application, label="second")
    response = make_client(tenant_b, raw).get(company_url(tenant_a))  # header names Bob
    assert response.status_code == 403
    assert response.json()["code"] == "tenant_mismatch"
    assert _hits_used(client)[0] == 1
