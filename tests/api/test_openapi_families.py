"""The OpenAPI schema gives each route family its own tag, names, examples and errors."""

import pytest
from drf_spectacular.validation import validate_schema

COMPANY = "/api/{product}/{version}/company/{companyId}/customer"
COMPANY_DETAIL = COMPANY + "/{customerId}"
CHURNKEY = [
    "/churnkey/customers",
    "/churnkey/customers/{id}",
    "/churnkey/customers/email/{email}",
    "/churnkey/customers/phone/{phone}",
]
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _operations(schema, paths):
    return [op for path in paths for op in schema["paths"][path].values()]


def _component(schema, ref):
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def test_schema_is_valid_openapi(schema):
    validate_schema(schema)


def test_paths_are_spelled_as_the_documents_spell_them(schema):
    assert {COMPANY, COMPANY_DETAIL, *CHURNKEY} <= set(schema["paths"])
    assert set(schema["paths"][COMPANY]) == {"get", "post"}
    assert set(schema["paths"][COMPANY_DETAIL]) == {"get", "delete"}


def test_each_family_has_its_own_tag(schema):
    assert {tuple(op["tags"]) for op in _operations(schema, [COMPANY, COMPANY_DETAIL])} == {
        ("Smart Customer API (company)",)
    }
    assert {tuple(op["tags"]) for op in _operations(schema, CHURNKEY)} == {("Churnkey customers",)}


def test_swagger_ui_sends_only_the_bearer_key_on_these_routes(schema):
    for op in _operations(schema, [COMPANY, COMPANY_DETAIL, *CHURNKEY]):
        assert op["security"] == [{"bearerAuth": []}]


def test_company_create_body_uses_the_documents_field_names_all_required(schema):
    body = schema["paths"][COMPANY]["post"]["requestBody"]["content"]["application/json"]
    component = _component(schema, body["schema"])
    assert set(component["properties"]) == {"first-name", "last-name", "email", "vat-number"}
    assert set(component["required"]) == {"first-name", "last-name", "email", "vat-number"}
    assert body["examples"]


def test_company_customer_response_uses_the_documents_field_names(schema):
    created = schema["paths"][COMPANY]["post"]["responses"]["201"]["content"]["application/json"]
    component = _component(schema, created["schema"])
    assert set(component["properties"]) == {
        "id",
        "first-name",
        "last-name",
        "email",
        "vat-number",
        "created-at",
        "updated-at",
    }


def test_company_list_is_an_array_with_a_link_header(schema):
    ok = schema["paths"][COMPANY]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["type"] == "array"
    assert "Link" in ok["headers"]


def test_company_errors_are_problem_json_with_examples_in_its_own_names(schema):
    responses = schema["paths"][COMPANY]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "415"} <= set(responses)
    example = next(iter(responses["400"]["content"][PROBLEM]["examples"].values()))["value"]
    assert example["errors"][0]["field"] == "vat-number"
    assert example["instance"].startswith("/api/tse/v1/company/")


def test_churnkey_customer_has_churnkeys_fields(schema):
    ok = schema["paths"]["/churnkey/customers/{id}"]["get"]["responses"]["200"]
    component = _component(schema, ok["content"]["application/json"]["schema"])
    assert set(component["properties"]) == {"id", "email", "phone", "name", "created", "metadata"}
    listing = schema["paths"]["/churnkey/customers"]["get"]
    page = _component(schema, listing["responses"]["200"]["content"]["application/json"]["schema"])
    assert set(page["properties"]) == {"data", "next"}
    assert {p["name"] for p in listing["parameters"]} == {"limit", "cursor"}


def test_churnkey_errors_are_problem_json_with_its_own_instance(schema):
    responses = schema["paths"]["/churnkey/customers/email/{email}"]["get"]["responses"]
    example = next(iter(responses["404"]["content"][PROBLEM]["examples"].values()))["value"]
    assert example["instance"] == "/churnkey/customers/email/{email}"


def test_swagger_ui_is_served(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
