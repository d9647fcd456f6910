"""Staff: plans with limits inline, and the usage chart that needs no internet access."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from plans.models import PlanLimit
from plans.selectors import plan_version_key
from tests.plans.conftest import make_plan

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
