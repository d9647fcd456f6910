"""OpenAPI schema, Swagger UI and ReDoc work offline and document auth and errors."""

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_documents_both_auth_headers_as_one_requirement(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": schemes["bearerAuth"]["bearerFormat"],
        "description": schemes["bearerAuth"]["description"],
    }
    assert schemes["tenantHeader"]["in"] == "header"
    assert schemes["tenantHeader"]["name"] == "x-business-tenant-id"
    create = schema["paths"]["/v1/customer"]["post"]
    assert {"bearerAuth": [], "tenantHeader": []} in create["security"]


def test_schema_documents_error_statuses_with_the_problem_schema(schema):
    create = schema["paths"]["/v1/customer"]["post"]["responses"]
    for status in ("201", "400", "401", "403", "409", "413", "415"):
        assert status in create
    problem = create["409"]["content"]["application/problem+json"]
    assert problem["schema"]["$ref"].endswith("/Problem")
    assert problem["examples"]


def test_schema_lists_every_v1_customer_route(schema):
    for path in (
        "/v1/customer",
        "/v1/customer/paged",
        "/v1/customer/{customer_id}",
        "/v1/customer/{customer_id}/restore",
        "/v1/customer/by-email/{email}",
        "/v1/customer/by-phone/{phone}",
    ):
        assert path in schema["paths"], path


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_every_asset_from_this_server(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assets = _assets(html)
    assert assets
    for asset in assets:
        assert not asset.startswith(("http://", "https://", "//")), asset
        assert client.get(asset).status_code == 200, asset


def test_schema_generation_is_free_of_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_request_bodies_are_documented_as_closed_objects(schema):
    body = schema["components"]["schemas"]["CustomerWriteRequest"]
    assert body["additionalProperties"] is False
    assert body["properties"]["metadata"]["maxProperties"] == 50
