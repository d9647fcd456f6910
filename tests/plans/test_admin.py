"""Staff: plans with limits inline, and the usage chart that needs no internet access."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from plans.models import Plan, PlanLimit
from plans.selectors import plan_version_key
from plans.services import usage_flush
from tests.plans.conftest import client_on, make_plan

pytestmark = pytest.mark.django_db


def _plan_post(plan, **overrides):
    data = {
        "name": plan.name,
        "slug": plan.slug,
        "families": ["v1"],
        "methods": ["customer.read", "customer.list"],
        "trial_days": "",
        "limits-TOTAL_FORMS": "1",
        "limits-INITIAL_FORMS": "0",
        "limits-MIN_NUM_FORMS": "0",
        "limits-MAX_NUM_FORMS": "1000",
        "limits-0-metric": "hits",
        "limits-0-period": "minute",
        "limits-0-value": "42",
    }
    data.update(overrides)
    return data


def test_plan_admin_saves_limits_inline_and_invalidates_the_cached_plan(
    admin_client, django_capture_on_commit_callbacks
):
    plan = make_plan("editable", [])
    cache.set(plan_version_key(plan.pk), "old", None)
    url = reverse("admin:plans_plan_change", args=[plan.pk])
    assert admin_client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, _plan_post(plan))
    assert response.status_code == 302, response.content.decode()[:2000]
    plan.refresh_from_db()
    assert plan.families == ["v1"]
    assert list(PlanLimit.objects.filter(plan=plan).values_list("metric", "period", "value")) == [
        ("hits", "minute", 42)
    ]
    assert cache.get(plan_version_key(plan.pk)) != "old"


def test_plan_admin_refuses_unknown_families_and_methods(admin_client):
    plan = make_plan("strict", [])
    url = reverse("admin:plans_plan_change", args=[plan.pk])
    response = admin_client.post(url, _plan_post(plan, families=["v2"], methods=["drop.tables"]))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() == {"families", "methods"}


def test_usage_chart_draws_hits_per_hour_with_no_external_assets(admin_client, tenant_a):
    client, application, _ = client_on(tenant_a, Plan.objects.get(slug="gold"))
    for _ in range(3):
        client.get("/v1/customer")
    usage_flush()
    client.get("/v1/customer")  # pending in the buffer: the chart counts it too
    url = reverse("admin:plans_application_usage", args=[application.pk])
    assert url == f"/admin/plans/plan/usage/{application.pk}/"
    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert len(re.findall(r'<rect class="bar"', html)) == 7 * 24
    assert response.context["total"] == 4
    assert not re.search(r'<script[^>]+src="https?://', html)
    assert not re.search(r'<link[^>]+href="https?://', html)


def test_usage_chart_of_an_unknown_application_is_404(admin_client):
    response = admin_client.get(reverse("admin:plans_application_usage", args=[999_999]))
    assert response.status_code == 404


def test_usage_chart_is_for_staff_only(client, tenant_a):
    _, application, _ = client_on(tenant_a, Plan.objects.get(slug="gold"))
    response = client.get(reverse("admin:plans_application_usage", args=[application.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_application_admin_links_to_its_usage_chart(admin_client, tenant_a):
    from apikeys.services import application_get_or_create_default

    application = application_get_or_create_default(tenant=tenant_a)
    page = admin_client.get(f"/admin/apikeys/application/{application.pk}/change/").content.decode()
    chart = f"/admin/plans/plan/usage/{application.pk}/"
    assert chart in page
    assert admin_client.get(chart).status_code == 200
