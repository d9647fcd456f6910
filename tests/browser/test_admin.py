"""Django admin in a real browser: find a customer by email, restore it after a soft delete,
and open an application's usage chart from the application list and change page."""

import pytest

from customers.models import Customer, CustomerState
from customers.services import customer_create

# A live server's test flushes the database; serialized_rollback brings back the seeded plans.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _api_headers(tenant, raw_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw_key}", "x-business-tenant-id": tenant.public_id}


def test_staff_find_a_customer_by_email_and_restore_it_after_a_soft_delete(
    admin_page, tenant_a, key_a
):
    page, tab = admin_page, admin_page.tab
    grace = customer_create(
        tenant=tenant_a, data={"first_name": "Grace", "email": "Grace.Hopper@example.com"}
    )
    customer_create(tenant=tenant_a, data={"first_name": "Alan", "email": "alan@example.com"})

    tab.goto("/admin/customers/customer/")
    tab.fill("#searchbar", "grace.hopper@example.com")
    tab.press("#searchbar", "Enter")
    rows = tab.locator("#result_list tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    assert "Grace.Hopper@example.com" in rows.first.inner_text()
    page.screenshot("admin-customer-search")

    # The admin has no soft delete (its delete is Django's hard delete), so the customer is
    # soft-deleted the way clients do it, through the API; the admin then restores it.
    response = tab.request.delete(
        f"/v1/customer/{grace.pk}", headers=_api_headers(tenant_a, key_a[1])
    )
    assert response.status == 204
    grace.refresh_from_db()
    assert grace.deleted_at is not None

    tab.reload()
    row = tab.locator("#result_list tbody tr", has_text="Grace.Hopper@example.com")
    assert "inactive" in row.inner_text().lower()
    row.locator("input.action-select").check()
    tab.select_option("select[name=action]", "restore_customers")
    tab.click("button[name=index]")
    tab.locator(".messagelist", has_text="Restored 1 customer(s).").wait_for()
    page.screenshot("admin-customer-restored")

    grace.refresh_from_db()
    assert (grace.state, grace.deleted_at) == (CustomerState.ACTIVE, None)
    assert Customer.objects.filter(tenant=tenant_a).count() == 2


def test_staff_open_an_applications_usage_chart_from_the_list_and_the_change_page(
    admin_page, tenant_a, key_a
):
    page, tab = admin_page, admin_page.tab
    application = key_a[0].application
    for _ in range(3):
        response = tab.request.get("/v1/customer", headers=_api_headers(tenant_a, key_a[1]))
        assert response.status == 200

    tab.goto("/admin/apikeys/application/")
    row = tab.locator("#result_list tbody tr", has_text=application.app_id)
    row.get_by_role("link", name="Usage chart").click()
    tab.wait_for_url(f"**/usage/{application.pk}/")
    chart = tab.locator("svg[aria-label='Hits per hour over the last 7 days']")
    chart.wait_for()
    assert chart.locator("rect.bar").count() >= 1
    summary = tab.locator("#content-main p").first.inner_text()
    assert "3 in all" in summary, summary
    page.screenshot("admin-usage-chart")

    tab.goto(f"/admin/apikeys/application/{application.pk}/change/")
    tab.get_by_role("link", name="Usage chart").click()
    tab.wait_for_url(f"**/usage/{application.pk}/")
    assert chart.is_visible()
    assert page.off_host() == []
