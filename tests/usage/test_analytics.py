"""The staff analytics page: aggregated usage rows only, staff only."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from plans import windows
from plans.models import HITS, RATE_LIMITED
from tests.plans.conftest import client_on, make_plan
from usage import analytics
from usage.models import UsageRecord
from usage.services import usage_flush

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    user = get_user_model().objects.create_superuser("staff", "s@example.com", "x")
    client = Client()
    client.force_login(user)
    return client


def test_the_page_ranks_applications_and_tenants_and_counts_429s_per_plan(
    staff_client, tenant_a, tenant_b
):
    busy, busy_app, _ = client_on(tenant_a, make_plan("tight", [("hits", "minute", 3)]))
    quiet, quiet_app, _ = client_on(tenant_b, make_plan("roomy", []))
    for _ in range(5):
        busy.get("/v1/customer")
    quiet.get("/v1/customer")
    usage_flush()
    response = staff_client.get("/admin/usage/usagerecord/analytics/?period=24h")
    assert response.status_code == 200
    ctx = response.context
    assert [(r["application"], r["hits"]) for r in ctx["top_applications"]] == [
        (busy_app, 3),
        (quiet_app, 1),
    ]
    assert [r["tenant_id"] for r in ctx["top_tenants"]] == [tenant_a.public_id, tenant_b.public_id]
    assert ctx["rate_limited"] == [{"plan_name": "Tight", "refused": 2}]
    assert {r["metric"]: r["hits"] for r in ctx["per_method"]} == {"customer.list": 4}
    now = windows.hour_start(windows.now())
    cell = ctx["heat_map"]["rows"][now.isoweekday() - 1]["cells"][now.hour]
    assert cell["hits"] == 4 and cell["level"] == 1
    assert [(r["application"], r["share"]) for r in ctx["near_limits"]] == [(busy_app, 100)]
    assert 'id="heat-map"' in response.content.decode()


def test_older_usage_falls_outside_the_period(tenant_a, key_a):
    application = tenant_a.applications.get()
    old = windows.hour_start(windows.now()) - timedelta(days=10)
    UsageRecord.objects.create(application=application, metric=HITS, hour=old, count=7)
    UsageRecord.objects.create(application=application, metric=RATE_LIMITED, hour=old, count=2)
    week = windows.now() - timedelta(days=7)
    month = windows.now() - timedelta(days=30)
    assert analytics.top_applications(since=week) == []
    assert analytics.top_applications(since=month)[0]["hits"] == 7
    assert analytics.rate_limited_per_plan(since=month)[0]["refused"] == 2


def test_an_unknown_period_is_not_found(staff_client):
    assert staff_client.get("/admin/usage/usagerecord/analytics/?period=1y").status_code == 404


def test_non_staff_cannot_see_analytics(tenant_a):
    user = get_user_model().objects.create_user("u", "u@example.com", "x")
    client = Client()
    client.force_login(user)
    response = client.get("/admin/usage/usagerecord/analytics/")
    assert response.status_code == 302  # to the admin login


def test_the_usage_records_list_links_to_analytics(staff_client):
    response = staff_client.get("/admin/usage/usagerecord/")
    assert 'href="/admin/usage/usagerecord/analytics/"' in response.content.decode()
