"""The per-application usage chart in admin (inline SVG, staff only, linked from applications)."""

import re

import pytest
from django.urls import reverse

from plans.models import Plan
from tests.plans.conftest import client_on
from usage.services import usage_flush

pytestmark = pytest.mark.django_db


def test_usage_chart_draws_hits_per_hour_with_no_external_assets(admin_client, tenant_a):
    client, application, _ = client_on(tenant_a, Plan.objects.get(slug="gold"))
    for _ in range(3):
        client.get("/v1/customer")
    usage_flush()
    client.get("/v1/customer")  # pending in the buffer: the chart counts it too
    url = reverse("admin:usage_application_chart", args=[application.pk])
    assert url == f"/admin/usage/usagerecord/usage/{application.pk}/"
    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert len(re.findall(r'<rect class="bar"', html)) == 7 * 24
    assert response.context["total"] == 4
    assert not re.search(r'<script[^>]+src="https?://', html)
    assert not re.search(r'<link[^>]+href="https?://', html)


def test_usage_chart_of_an_unknown_application_is_404(admin_client):
    response = admin_client.get(reverse("admin:usage_application_chart", args=[999_999]))
    assert response.status_code == 404


def test_usage_chart_is_for_staff_only(client, tenant_a):
    _, application, _ = client_on(tenant_a, Plan.objects.get(slug="gold"))
    response = client.get(reverse("admin:usage_application_chart", args=[application.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_application_admin_links_to_its_usage_chart(admin_client, tenant_a):
    from apikeys.services import application_get_or_create_default

    application = application_get_or_create_default(tenant=tenant_a)
    page = admin_client.get(f"/admin/apikeys/application/{application.pk}/change/").content.decode()
    chart = f"/admin/usage/usagerecord/usage/{application.pk}/"
    assert chart in page
    assert admin_client.get(chart).status_code == 200
