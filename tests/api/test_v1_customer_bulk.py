"""POST /v1/customer/bulk: each item validated and deduplicated as a single create would be,
against existing customers and earlier items; counted per item; at most 1000 items."""

import pytest

from customers.exceptions import MSG_EMAIL_INVALID, MSG_IDENTITY_REQUIRED
from customers.models import Customer

URL = "/v1/customer/bulk"


def _bulk(client, customers):
    return client.post(URL, {"customers": customers}, format="json")


def test_each_item_is_answered_on_its_own_and_valid_ones_are_written(alice_client, tenant_a):
    existing = alice_client.post("/v1/customer", {"email": "taken@example.com"}, format="json")
    response = _bulk(
        alice_client,
        [
            {"firstName": "Ada", "email": "ada@example.com", "phone": "06 1234 5678"},
            {"email": "not-an-email"},
            {"email": "TAKEN@example.com"},  # an existing customer's, case-insensitively
            {"email": "Ada@Example.com"},  # an earlier item's
            {"phone": "+39 06 1234 5678"},  # an earlier item's phone, another format
            {"lastName": "Lovelace", "id": "x"},  # read-only field: 400 as a single create
            {},
            {"lastName": "Byron"},
        ],
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["index"] for r in results] == list(range(8))
    assert [r["status"] for r in results] == [201, 400, 409, 409, 409, 400, 400, 201]
    assert results[0]["customer"]["phone"] == "+390612345678"
    assert results[1]["error"]["code"] == "validation_error"
    assert results[1]["error"]["errors"][0] == {
        "field": "email",
        "code": "invalid_email",
        "message": MSG_EMAIL_INVALID,
    }
    assert results[2]["error"]["existing_id"] == existing.json()["id"]
    assert results[3]["error"]["existing_id"] == results[0]["customer"]["id"]
    assert results[4]["error"]["field"] == "phone"
    assert results[5]["error"]["errors"][0]["field"] == "id"
    assert results[6]["error"]["detail"] == MSG_IDENTITY_REQUIRED
    assert all(r["error"]["type"].startswith("/problems/") for r in results if "error" in r)
    assert all("customer" not in r for r in results if r["status"] != 201)
    names = set(Customer.objects.filter(tenant=tenant_a).values_list("email", "last_name"))
    assert names == {("taken@example.com", ""), ("ada@example.com", ""), ("", "Byron")}


def test_the_same_rules_as_a_single_create_decide(alice_client):
    """Every item the single create refuses, the bulk refuses the same way."""
    bodies = [{"vatNumber": "XX1"}, {"metadata": "x"}, {"customerType": "vip", "lastName": "A"}]
    singles = [alice_client.post("/v1/customer", b, format="json").json() for b in bodies]
    bulk = _bulk(alice_client, bodies).json()["results"]
    for single, item in zip(singles, bulk, strict=True):
        assert item["status"] == single["status"] == 400
        assert item["error"]["errors"] == single["errors"]


def test_more_than_1000_items_is_a_413_problem_and_writes_nothing(alice_client, tenant_a):
    response = _bulk(alice_client, [{"lastName": f"N{i}"} for i in range(1001)])
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "payload_too_large"
    assert not Customer.objects.filter(tenant=tenant_a).exists()


def test_exactly_1000_items_are_accepted(alice_client, tenant_a):
    response = _bulk(alice_client, [{"lastName": f"N{i}"} for i in range(1000)])
    assert response.status_code == 200
    assert Customer.objects.filter(tenant=tenant_a).count() == 1000


@pytest.mark.parametrize(
    "body", [{}, {"customers": []}, {"customers": "x"}, {"customers": [], "x": 1}, []]
)
def test_a_body_without_a_list_of_customers_is_a_400(alice_client, body):
    response = alice_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_another_tenants_customers_do_not_count_as_duplicates(alice_client, bob_client):
    bob_client.post("/v1/customer", {"email": "same@example.com"}, format="json")
    response = _bulk(alice_client, [{"email": "same@example.com"}])
    assert response.json()["results"][0]["status"] == 201
