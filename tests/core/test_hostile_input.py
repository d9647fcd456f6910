"""Hostile input never gets a 500 or an HTML page: a foreign Host, wildcard content types,
chunked bodies the server cannot terminate, non-GET calls on GET-only pages, a failed CSRF
check; absolute URLs come from PUBLIC_BASE_URL when it is set."""

import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings

from core.views import MSG_HOST_NOT_ALLOWED
from customers.models import Customer
from tests.api.helpers import assert_problem, company_url
from tests.core.test_settings import ROOT, _import_settings


def test_a_foreign_host_is_a_400_problem_that_does_not_echo_it(alice_client):
    response = alice_client.get("/v1/customer/paged", HTTP_HOST="evil.example")
    body = assert_problem(response, 400, "validation_error")
    assert body["detail"] == MSG_HOST_NOT_ALLOWED
    assert b"evil.example" not in response.content


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "localhost,127.0.0.1"),
        ({"ALLOWED_HOSTS": "api.example.com, a.example"}, "api.example.com,a.example"),
    ],
)
def test_allowed_hosts_come_from_the_environment_with_loopback_by_default(env, expected):
    clean = {k: v for k, v in os.environ.items() if k not in {"ALLOWED_HOSTS", "DJANGO_DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(','.join(s.ALLOWED_HOSTS))"],
        cwd=ROOT,
        env={**clean, "SECRET_KEY": "x" * 50, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == expected, result.stderr


@pytest.mark.parametrize(
    "value", ["api.example.com", "ftp://api.example.com", "https://x.example/?a=1", "https://"]
)
def test_a_malformed_public_base_url_refuses_to_start(tmp_path, value):
    result = _import_settings(tmp_path, SECRET_KEY="x" * 50, PUBLIC_BASE_URL=value)
    assert result.returncode != 0
    assert "PUBLIC_BASE_URL" in result.stderr


@override_settings(PUBLIC_BASE_URL="https://api.example.com")
def test_location_uses_the_public_base_url(alice_client):
    response = alice_client.post("/v1/customer", {"firstName": "Ada"}, format="json")
    assert response.status_code == 201, response.content
    assert response["Location"] == f"https://api.example.com/v1/customer/{response.json()['id']}"


@override_settings(PUBLIC_BASE_URL="https://api.example.com/customers")
def test_company_location_and_link_use_the_public_base_url(alice_client, tenant_a):
    response = alice_client.post(
        company_url(tenant_a),
        {
            "first-name": "A",
            "last-name": "B",
            "email": "a@example.com",
            "vat-number": "IT12345678901",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response["Location"] == (
        "https://api.example.com/customers" + company_url(tenant_a, response.json()["id"])
    )
    Customer.objects.bulk_create(Customer(tenant=tenant_a, first_name=f"C{i}") for i in range(3))
    link = alice_client.get(company_url(tenant_a) + "?limit=2")["Link"]
    assert link.startswith("<https://api.example.com/customers/api/tse/v1/company/")


@pytest.mark.parametrize("content_type", ["*/*", "application/*", "*/json"])
def test_a_wildcard_content_type_is_not_taken_for_json(alice_client, content_type):
    response = alice_client.post(
        "/v1/customer", data=b'{"firstName": "Ada"}', content_type=content_type
    )
    assert_problem(response, 415, "unsupported_media_type")
    assert not Customer.objects.exists()


def test_json_with_parameters_is_still_json(alice_client):
    response = alice_client.post(
        "/v1/customer", data=b'{"firstName": "Ada"}', content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 201, response.content


def test_a_chunked_body_the_server_did_not_terminate_is_a_411_problem(alice_client):
    """Django's test client (like runserver) does not de-chunk: the body cannot be read
    safely, so it is refused rather than taken as empty. Over a real server it is read
    (test_live_server)."""
    response = alice_client.post(
        "/v1/customer",
        data=b'{"firstName": "Ada"}',
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert_problem(response, 411, "length_required")
    assert not Customer.objects.exists()


@pytest.mark.parametrize("path", ["/readyz", "/healthz", "/", "/problems/"])
def test_other_methods_on_get_only_pages_are_405_problems_not_csrf_pages(db, path):
    response = Client(enforce_csrf_checks=True).post(path)
    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_a_failed_csrf_check_is_a_problem_not_an_html_page(db):
    response = Client(enforce_csrf_checks=True).post(
        "/admin/login/", {"username": "x", "password": "y"}
    )
    body = assert_problem(response, 403, "permission_denied")
    assert body["detail"].startswith("CSRF check failed")
