"""Swagger UI and ReDoc in a real browser: usable with a key, and nothing leaves the host."""

import json

import pytest

from customers.models import Customer

# A live server's test flushes the database; serialized_rollback brings back the seeded plans.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _authorize(tab, *, key: str, tenant_id: str) -> list[str]:
    """Fill both parts of the tenant key in Swagger UI's one Authorize dialog."""
    tab.click("button.authorize")
    schemes = [h.inner_text().split("\xa0")[0] for h in tab.locator(".auth-container h4").all()]
    for scheme, value in (("bearerAuth", key), ("tenantHeader", tenant_id)):
        form = tab.locator(".auth-container", has=tab.locator("h4", has_text=scheme))
        form.locator("input").fill(value)
        form.locator("button.authorize").click()
        form.locator("h6", has_text="Authorized").wait_for()
    tab.locator(".modal-ux .close-modal").click()
    return schemes


def _try_it_out(tab, method: str, path: str, *, body: dict | None = None):
    """Open one operation, press "Try it out" and "Execute"; return its status cell."""
    operation = tab.locator(
        f".opblock-{method}", has=tab.locator(f".opblock-summary-path[data-path='{path}']")
    )
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    if body is not None:
        operation.locator("textarea.body-param__text").fill(json.dumps(body))
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    return operation, status


def test_swagger_ui_authorizes_then_creates_and_lists_customers(page, tenant_a, key_a):
    tab = page.tab
    tab.goto("/api/docs/")
    tab.locator(".opblock-tag").first.wait_for()

    groups = [tag.get_attribute("data-tag") for tag in tab.locator(".opblock-tag").all()]
    assert groups[0] == "Customers (v1)", groups
    paths = tab.locator(".opblock .opblock-summary-path").all_inner_texts()
    assert paths[0].startswith("/v1/customer"), paths[:3]

    schemes = _authorize(tab, key=key_a[1], tenant_id=tenant_a.public_id)
    assert schemes[:2] == ["bearerAuth", "tenantHeader"], schemes  # the two parts side by side

    created, status = _try_it_out(
        tab, "post", "/v1/customer", body={"firstName": "Ada", "email": "ada@example.com"}
    )
    assert status.inner_text() == "201"
    page.screenshot("swagger-create-201", created.locator(".responses-wrapper"))
    customer = Customer.objects.get(tenant=tenant_a, email="ada@example.com")
    assert customer.first_name == "Ada"

    listed, status = _try_it_out(tab, "get", "/v1/customer/paged")
    assert status.inner_text() == "200"
    assert (
        str(customer.id) in listed.locator(".live-responses-table .microlight").first.inner_text()
    )
    page.screenshot("swagger-list-200", listed.locator(".responses-wrapper"))

    assert page.off_host() == []


def test_redoc_renders_without_a_request_leaving_the_host(page):
    tab = page.tab
    tab.goto("/api/redoc/")
    tab.locator("h1", has_text="Customer Management API").wait_for()
    tab.locator("h2", has_text="Create a customer").first.wait_for()
    tab.get_by_text("API docs by Redocly").wait_for()  # the sidebar whose logo came from a CDN
    tab.wait_for_load_state("networkidle")
    page.screenshot("redoc")

    menu = tab.locator("[role=menu] > li > label").all_inner_texts()
    assert menu[0].startswith("Customers (v1)"), menu[:3]
    assert any(url.endswith("/api/schema/") for url in page.requested)
    assert page.off_host() == []
