"""Helpers shared by the route-family tests."""

from customers.models import Customer
from customers.services import customer_create


def company_url(tenant_or_id, customer_id=None, *, product="tse", version="v1") -> str:
    company = getattr(tenant_or_id, "public_id", tenant_or_id)
    url = f"/api/{product}/{version}/company/{company}/customer"
    return f"{url}/{customer_id}" if customer_id is not None else url


def make_customer(tenant, **data) -> Customer:
    return customer_create(tenant=tenant, data=data)


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """The response is RFC 9457 problem JSON with this status, quoting the request id."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["request_id"] == response["X-Request-ID"]
    if code is not None:
        assert body["code"] == code, body
    return body
