"""Structured logs: one JSON object a line with the request's ids, never a key, body or
personal field; LOG_FORMAT=text for humans."""

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings
from django.http import HttpResponse

from core.logging import logging_config
from core.middleware import RequestIdMiddleware


@pytest.fixture
def log_lines():
    """The lines the configured console handler writes, captured."""
    stream = io.StringIO()
    config = logging_config(log_format="json", level="INFO")
    config["handlers"]["console"]["stream"] = stream
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.config.dictConfig(settings.LOGGING)
    root.handlers[:], root.level = saved


def test_each_request_is_one_json_line_with_its_ids_and_nothing_personal(
    log_lines, alice_client, tenant_a, key_a
):
    body = {"email": "mario.rossi@example.com", "phone": "06 1234 5678"}
    response = alice_client.post("/v1/customer", body, format="json", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 201
    alice_client.get("/v1/customer/by-email/mario.rossi@example.com", HTTP_X_REQUEST_ID="r-2")
    lines = log_lines()
    requests = [line for line in lines if line["message"] == "request"]
    assert len(requests) == 2
    first = requests[0]
    assert first["request_id"] == "req-42" == response["X-Request-ID"]
    assert first["method"] == "POST" and first["route"] == "v1/customer"
    assert first["status"] == 201 and first["duration_ms"] > 0
    assert first["tenant_id"] == tenant_a.public_id
    assert first["application_id"] == key_a[0].application.app_id
    assert first["key_prefix"] == key_a[0].prefix
    assert first["level"] == "INFO" and first["logger"] == "cm.request" and first["time"]
    assert requests[1]["route"] == "v1/customer/by-email/<str:email>"
    everything = "\n".join(json.dumps(line) for line in lines)
    assert key_a[1] not in everything  # the key itself, never
    for personal in ("mario.rossi", "0612345678", "06 1234 5678"):
        assert personal not in everything


def test_anonymous_and_unmatched_requests_are_logged_too(log_lines, anon_client):
    anon_client.get("/no/such/page", HTTP_X_REQUEST_ID="r-1")
    anon_client.get("/v1/customer")
    first, second = [line for line in log_lines() if line["message"] == "request"]
    assert (first["route"], first["status"], first["request_id"]) == ("unmatched", 404, "r-1")
    assert "tenant_id" not in first
    assert (second["route"], second["status"]) == ("v1/customer", 401)


def test_any_log_record_in_a_request_carries_its_request_id(log_lines, rf):
    def view(request):
        logging.getLogger("anything").warning("inside")
        return HttpResponse()

    RequestIdMiddleware(view)(rf.get("/", HTTP_X_REQUEST_ID="abc"))
    [line] = [line for line in log_lines() if line["message"] == "inside"]
    assert line["request_id"] == "abc" and line["logger"] == "anything"


def test_text_format_is_for_humans_and_a_bad_format_fails_loudly():
    text = logging_config(log_format="text", level="INFO")["formatters"]["default"]
    assert "%(request_id)s" in text["format"]
    with pytest.raises(ValueError):
        logging_config(log_format="xml", level="INFO")


def test_djangos_own_error_records_log_the_route_never_the_path(log_lines, alice_client):
    """Django logs a 500 as "Internal Server Error: <path>" with the request attached; the
    path (here an email) must not reach the log, in the message or as the request's repr."""
    response = alice_client.get("/v1/customer/by-email/ada@example.com")
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
        (response.wsgi_request.path,), None,
    )  # fmt: skip
    record.request = response.wsgi_request
    record.status_code = 500
    logging.getLogger("django.request").handle(record)
    [line] = [line for line in log_lines() if line["logger"] == "django.request"]
    assert line["message"] == "Internal Server Error: v1/customer/by-email/<str:email>"
    assert "ada@" not in json.dumps(line) and line["status_code"] == 500
