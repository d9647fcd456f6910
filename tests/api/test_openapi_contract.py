"""The OpenAPI schema says what the service does (what .ci/fuzz holds it to): bodies refused
without identity are required and say so, cursors are opaque tokens of a stated shape, emails
have the email format or are empty, and created resources link to the operations on them."""

import pytest
from django.test import Client


@pytest.fixture
def schema(db):
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _operation(schema, operation_id):
    for path in schema["paths"].values():
        for operation in path.values():
            if operation.get("operationId") == operation_id:
                return operation
    raise AssertionError(operation_id)


def _body_schema(schema, operation_id):
    ref = _operation(schema, operation_id)["requestBody"]["content"]["application/json"]["schema"]
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def test_create_requires_a_body_with_one_identity_field(schema):
    assert _operation(schema, "v1_customer_create")["requestBody"]["required"] is True
    any_of = _body_schema(schema, "v1_customer_create")["anyOf"]
    assert [branch["required"] for branch in any_of] == [
        ["firstName"],
        ["lastName"],
        ["email"],
        ["phone"],
    ]
    assert "anyOf" not in _body_schema(schema, "v1_customer_update")  # state-dependent: 409


def test_email_is_an_email_or_empty(schema):
    email = _body_schema(schema, "v1_customer_create")["properties"]["email"]
    assert {"format": "email"} in email["anyOf"] and {"maxLength": 0} in email["anyOf"]


def test_cursor_is_an_opaque_token_of_a_stated_shape(schema):
    for operation_id in ("v1_customer_paged", "company_customer_list", "churnkey_customers_list"):
        [cursor] = [
            p for p in _operation(schema, operation_id)["parameters"] if p["name"] == "cursor"
        ]
        shapes = cursor["schema"].get("oneOf", [cursor["schema"]])
        assert any(s.get("pattern") == "^[A-Za-z0-9_-]+$" for s in shapes), cursor


def test_scopes_signup_plan_and_region_are_enumerated(schema):
    assert _body_schema(schema, "v1_keys_create")["properties"]["scopes"]["minItems"] == 1
    signup = _body_schema(schema, "v1_signup")["properties"]

    def enum(prop):
        ref = prop["allOf"][0]["$ref"].rsplit("/", 1)[1]
        return set(schema["components"]["schemas"][ref]["enum"])

    assert {"bronze", "gold", "trial"} <= enum(signup["plan"])
    assert {"IT", "it", "GB"} <= enum(signup["region"])


def test_created_customers_and_keys_link_to_the_operations_on_them(schema):
    links = _operation(schema, "v1_customer_create")["responses"]["201"]["links"]
    assert links["DeleteCustomer"] == {
        "operationId": "v1_customer_delete",
        "parameters": {"customer_id": "$response.body#/id"},
    }
    assert {"GetCustomer", "UpdateCustomer", "PatchCustomer"} <= set(links)
    key_links = _operation(schema, "v1_keys_create")["responses"]["201"]["links"]
    assert {"GetKey", "RollKey", "RevokeKey"} <= set(key_links)
    company = _operation(schema, "company_customer_create")["responses"]["201"]["links"]
    assert company["GetCompanyCustomer"]["parameters"]["customerId"] == "$response.body#/id"


def test_an_empty_create_body_is_refused_as_the_schema_says(alice_client):
    response = alice_client.post("/v1/customer", {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "identity_required"
