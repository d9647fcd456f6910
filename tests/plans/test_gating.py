"""Plan gating per route family and method, trials, and plan changes reaching every process."""

from types import SimpleNamespace

import pytest
from django.http import HttpRequest
from django.utils import timezone

from plans.exceptions import PlanMethodNotAllowed
from plans.models import Plan
from plans.permissions import PlanAllowsMethod
from plans.selectors import plan_snapshot_get
from plans.services import plan_touch
from tests.plans.conftest import client_on, make_plan

pytestmark = pytest.mark.django_db
GATING_URLS = "tests.plans.views_for_tests"


def _request_for(plan, application_id=1):
    """Just what the permission reads: the principal's plan and application ids."""
    request = SimpleNamespace(
        user=SimpleNamespace(plan_id=plan.pk, application_id=application_id),
        _request=HttpRequest(),
    )
    return request


@pytest.mark.parametrize("family", ["company", "churnkey"])
def test_bronze_refuses_a_family_it_does_not_grant(family):
    bronze = Plan.objects.get(slug="bronze")
    view = SimpleNamespace(api_family=family, plan_method="customer.read")
    with pytest.raises(PlanMethodNotAllowed) as exc:
        PlanAllowsMethod().has_permission(_request_for(bronze), view)
    assert exc.value.extra == {"plan": "bronze", "family": family}
    assert "Bronze" in exc.value.detail


@pytest.mark.parametrize("slug", ["silver", "gold", "platinum", "trial"])
@pytest.mark.parametrize("family", ["v1", "company", "churnkey"])
def test_higher_plans_grant_every_family(slug, family):
    plan = Plan.objects.get(slug=slug)
    view = SimpleNamespace(api_family=family, plan_method="customer.read")
    assert PlanAllowsMethod().has_permission(_request_for(plan), view)


def test_bronze_grants_v1():
    view = SimpleNamespace(api_family="v1", plan_method="customer.create")
    assert PlanAllowsMethod().has_permission(_request_for(Plan.objects.get(slug="bronze")), view)


@pytest.mark.urls(GATING_URLS)
def test_bronze_key_gets_a_403_problem_on_company_and_churnkey_routes(tenant_a):
    client, _, _ = client_on(tenant_a, Plan.objects.get(slug="bronze"))
    for url, family in (
        ("/api/shop/v1/company/lookup", "company"),
        ("/churnkey/customers", "churnkey"),
    ):
        response = client.get(url)
        assert response.status_code == 403, response.content
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "plan_method_not_allowed"
        assert body["plan"] == "bronze"
        assert body["family"] == family
        assert "Bronze" in body["detail"]


@pytest.mark.urls(GATING_URLS)
def test_gold_key_reaches_company_and_churnkey_routes(tenant_a):
    client, _, _ = client_on(tenant_a, Plan.objects.get(slug="gold"))
    assert client.get("/api/shop/v1/company/lookup").status_code == 200
    assert client.get("/churnkey/customers").status_code == 200


@pytest.mark.urls(GATING_URLS)
def test_views_without_family_or_method_are_neither_gated_nor_counted(tenant_a):
    client, _, _ = client_on(tenant_a, make_plan("nothing", [("hits", "minute", 0)], families=[]))
    response = client.get("/ungated")
    assert response.status_code == 200
    assert "RateLimit" not in response


def test_a_method_the_plan_does_not_enable_is_refused_naming_the_plan(tenant_a):
    plan = make_plan("readonly", [], methods=["customer.list", "customer.read"])
    client, _, _ = client_on(tenant_a, plan)
    assert client.get("/v1/customer").status_code == 200
    response = client.post("/v1/customer", {"firstName": "Ada"}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert (body["code"], body["plan"], body["method"]) == (
        "plan_method_not_allowed",
        "readonly",
        "customer.create",
    )
    assert "Readonly" in body["detail"] and "customer.create" in body["detail"]


def test_a_running_trial_is_served(tenant_a):
    client, application, _ = client_on(tenant_a, Plan.objects.get(slug="trial"))
    assert application.trial_ends_at > timezone.now()
    assert client.get("/v1/customer").status_code == 200


def test_warm_plan_lookup_costs_no_query(django_assert_num_queries):
    plan = Plan.objects.get(slug="silver")
    plan_snapshot_get(plan_id=plan.pk)
    with django_assert_num_queries(0):
        snapshot = plan_snapshot_get(plan_id=plan.pk)
    assert snapshot.slug == "silver"


def test_plan_change_is_seen_on_the_next_request_after_plan_touch(
    tenant_a, django_capture_on_commit_callbacks
):
    plan = make_plan("changing", [])
    client, _, _ = client_on(tenant_a, plan)
    assert client.get("/v1/customer").status_code == 200
    plan.methods = ["customer.create"]
    plan.save()
    with django_capture_on_commit_callbacks(execute=True):
        plan_touch(plan_id=plan.pk)
    assert client.get("/v1/customer").status_code == 403
