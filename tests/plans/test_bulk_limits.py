"""A bulk call counts each of its items against the plan's limits, all or nothing."""

from customers.models import Customer
from tests.plans.conftest import client_on, make_plan


def _bulk(client, customers):
    return client.post("/v1/customer/bulk", {"customers": customers}, format="json")


def test_each_item_counts_once_against_the_plans_limits(tenant_a, fixed_now):
    plan = make_plan("bulky", [("hits", "minute", 100), ("customer.create", "minute", 5)])
    client, _, _ = client_on(tenant_a, plan)
    first = _bulk(client, [{"lastName": f"A{i}"} for i in range(3)])
    assert first.status_code == 200
    assert first["RateLimit"] == '"customer.create-minute";r=2;t=30'
    refused = _bulk(client, [{"lastName": f"B{i}"} for i in range(3)])  # 3 > 2 left
    assert refused.status_code == 429
    assert refused.json()["violated-policies"] == ["customer.create-minute"]
    assert Customer.objects.filter(tenant=tenant_a).count() == 3
    assert _bulk(client, [{"lastName": "C0"}, {"lastName": "C1"}]).status_code == 200
