"""Every response carries X-Request-ID; every error is problem JSON quoting it."""

import pytest

pytestmark = pytest.mark.django_db


def test_success_responses_carry_a_request_id(alice_client):
    response = alice_client.get("/v1/customer/paged")
    assert len(response["X-Request-ID"]) == 32


def test_a_well_formed_incoming_request_id_is_echoed(alice_client):
    response = alice_client.get("/v1/customer/nope", HTTP_X_REQUEST_ID="trace-abc.123")
    assert response["X-Request-ID"] == "trace-abc.123"
    assert response.json()["request_id"] == "trace-abc.123"


def test_a_hostile_incoming_request_id_is_replaced(alice_client):
    response = alice_client.get("/v1/customer/paged", HTTP_X_REQUEST_ID="<script>" + "x" * 300)
    assert response["X-Request-ID"] != "<script>" + "x" * 300
    assert len(response["X-Request-ID"]) == 32


def test_problem_bodies_have_every_rfc9457_member(alice_client):
    response = alice_client.get("/v1/customer/00000000-0000-0000-0000-000000000000")
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["type"] == "/problems/not_found"
    assert body["status"] == 404
    assert body["instance"] == "/v1/customer/00000000-0000-0000-0000-000000000000"
    assert body["request_id"] == response["X-Request-ID"]
    assert isinstance(body["errors"], list)


def test_problem_types_are_documented(client):
    catalogue = client.get("/problems/").json()
    assert catalogue["duplicate_customer"]["status"] == 409
    assert client.get("/problems/duplicate_customer").json()["status"] == 409
    assert client.get("/problems/no_such_code").status_code == 404


def test_unknown_routes_are_problem_json(client):
    response = client.get("/v2/everything")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_oversized_body_is_refused_before_authentication(client):
    response = client.post(
        "/v1/customer",
        data="x",
        content_type="application/json",
        CONTENT_LENGTH=str(2 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_health_and_readiness_need_no_auth(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


def test_the_root_points_at_the_docs(client):
    body = client.get("/").json()
    assert body["docs"] == "/api/docs/"
    assert client.get("/api/docs").status_code == 301


def test_a_redis_outage_is_a_503_problem_with_retry_after(rf):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from core.problems import exception_handler

    request = rf.get("/v1/keys")
    response = exception_handler(RedisConnectionError("down"), {"request": request})
    assert response.status_code == 503
    assert response.data["code"] == "service_unavailable"
    assert response["Retry-After"] == "1"
