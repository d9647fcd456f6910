"""Hostile input is a 400 problem, never a 500: deep JSON nesting, time-zone offsets and dates
PostgreSQL cannot take, forged cursors with lone surrogates. Run on SQLite and PostgreSQL."""

import base64
import json
import time
import uuid

import pytest

from core.datetimes import MSG_OFFSET, MSG_RANGE
from core.parsers import MAX_JSON_DEPTH, MSG_TOO_DEEP
from customers.services import customer_create

pytestmark = pytest.mark.django_db


def _forge(payload: dict, *, ensure_ascii: bool = True) -> str:
    raw = json.dumps(payload, ensure_ascii=ensure_ascii).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _assert_problem(response, status: int = 400):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


@pytest.fixture
def some_customers(tenant_a):
    for n in range(3):
        customer_create(tenant=tenant_a, data={"first_name": f"C{n}", "last_name": f"L{n}"})


def test_200_kb_of_nested_brackets_is_a_400_problem_and_cheap(alice_client):
    body = b"[" * 200_000
    started = time.perf_counter()
    response = alice_client.generic("POST", "/v1/customer", body, content_type="application/json")
    elapsed = time.perf_counter() - started
    problem = _assert_problem(response)
    assert MSG_TOO_DEEP.format(depth=MAX_JSON_DEPTH) in problem["detail"]
    assert elapsed < 1.0


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_nesting_just_past_the_limit_is_refused(alice_client, opener):
    closer = "]" if opener == "[" else "}"
    body = opener * (MAX_JSON_DEPTH + 1) + "1" + closer * (MAX_JSON_DEPTH + 1)
    response = alice_client.generic("POST", "/v1/keys", body, content_type="application/json")
    assert MSG_TOO_DEEP.format(depth=MAX_JSON_DEPTH) in _assert_problem(response)["detail"]


def test_brackets_inside_strings_do_not_count_as_nesting(alice_client):
    body = json.dumps({"firstName": "[" * 90, "metadata": {"note": "{[" * 200}})
    response = alice_client.generic("POST", "/v1/customer", body, content_type="application/json")
    assert response.status_code == 201, response.content


def test_deep_nesting_in_a_valid_shape_is_still_refused_before_parsing(alice_client):
    body = json.dumps({"metadata": {"a": [[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]}})
    response = alice_client.generic("POST", "/v1/customer", body, content_type="application/json")
    assert MSG_TOO_DEEP.format(depth=MAX_JSON_DEPTH) in _assert_problem(response)["detail"]


@pytest.mark.parametrize(
    "value,message",
    [
        ("2026-01-01T00:00:00+16:00", MSG_OFFSET),
        ("2026-01-01T00:00:00-16:00", MSG_OFFSET),
        ("2026-01-01T00:00:00+23:59", MSG_OFFSET),
        ("0001-01-01T00:00:00+01:00", MSG_RANGE),
        ("9999-12-31T23:59:59-01:00", MSG_RANGE),
    ],
)
@pytest.mark.parametrize("param", ["createdAfter", "createdBefore"])
@pytest.mark.parametrize("path", ["/v1/customer/paged", "/v1/customer"])
def test_a_date_filter_postgresql_cannot_take_is_a_400_naming_the_parameter(
    alice_client, some_customers, path, param, value, message
):
    problem = _assert_problem(alice_client.get(path, {param: value}))
    assert problem["errors"][0]["field"] == param
    assert message in problem["errors"][0]["message"]


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01T00:00:00+15:59",
        "2026-01-01T00:00:00-15:59",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ],
)
def test_the_extreme_dates_postgresql_accepts_are_served(alice_client, some_customers, value):
    for param in ("createdAfter", "createdBefore"):
        response = alice_client.get("/v1/customer/paged", {param: value})
        assert response.status_code == 200, response.content
    assert (
        alice_client.get("/v1/customer/paged", {"createdAfter": "0001-01-01T00:00:00Z"}).json()[
            "total"
        ]
        == 3
    )


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01T00:00:00+16:00",  # offset beyond what PostgreSQL accepts
        "2026-01-01T00:00:00-20:00",
        "0001-01-01T00:00:00+01:00",  # year 0 in UTC
        "9999-12-31T23:59:59-01:00",  # year 10000 in UTC
        "2026-01-01T00:00:00",  # naive: we never issue one
        "\ud800",  # a lone surrogate where a date-time belongs
    ],
)
def test_a_forged_date_cursor_is_a_400(alice_client, some_customers, value):
    cursor = _forge({"s": "-createdAt", "v": value, "k": str(uuid.uuid4())})
    problem = _assert_problem(alice_client.get("/v1/customer/paged", {"cursor": cursor}))
    assert problem["errors"][0]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "payload",
    [
        {"s": "lastName", "v": "\ud800", "k": str(uuid.uuid4())},
        {"s": "lastName", "v": "Rossi", "k": "\udfff"},
        {"s": "\ud800", "v": "Rossi", "k": str(uuid.uuid4())},
        {"s": "lastName", "v": "x" * 5000, "k": str(uuid.uuid4())},
        {"s": "lastName", "v": ["Rossi"], "k": str(uuid.uuid4())},
    ],
)
def test_a_hand_made_cursor_with_a_lone_surrogate_or_odd_value_is_a_400(
    alice_client, some_customers, payload
):
    cursor = _forge(payload)
    problem = _assert_problem(
        alice_client.get("/v1/customer/paged", {"sort": "lastName", "cursor": cursor})
    )
    assert problem["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize(
    "cursor",
    [
        base64.urlsafe_b64encode(b"[" * 3000).decode(),
        base64.urlsafe_b64encode(b'"\xed\xa0\x80"').decode(),  # surrogate as raw UTF-8 bytes
        "A" * 10_000,
        "!!!",
    ],
)
def test_garbage_cursors_are_a_400_on_every_family(alice_client, tenant_a, some_customers, cursor):
    _assert_problem(alice_client.get("/v1/customer/paged", {"cursor": cursor}))
    _assert_problem(alice_client.get("/churnkey/customers", {"cursor": cursor}))


def test_a_genuine_cursor_still_pages(alice_client, some_customers):
    first = alice_client.get("/v1/customer/paged", {"cursor": "", "limit": 2}).json()
    second = alice_client.get(
        "/v1/customer/paged", {"cursor": first["nextCursor"], "limit": 2}
    ).json()
    assert len(first["data"]) == 2 and len(second["data"]) == 1
    assert second["nextCursor"] is None


def test_naive_filter_values_are_read_as_utc(alice_client, some_customers):
    response = alice_client.get("/v1/customer/paged", {"createdAfter": "2000-01-01T00:00:00"})
    assert response.status_code == 200 and response.json()["total"] == 3


@pytest.mark.parametrize("path", ["/churnkey/customers", "/v1/customer/paged"])
def test_an_empty_limit_is_refused_like_any_non_integer(alice_client, path):
    problem = _assert_problem(alice_client.get(path, {"limit": ""}))
    assert problem["errors"][0]["field"] == "limit"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/v1/customer/paged?cursor=&cursor=x",
        "/v1/keys?limit=5&limit=6",
        "/v1/events?limit=1&limit=2",
    ],
)
def test_a_single_valued_query_parameter_sent_twice_is_a_400(alice_client, path):
    response = alice_client.get(path)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_a_customers_history_cursor_sent_twice_is_a_400(alice_client, tenant_a):
    from customers.services import customer_create

    customer = customer_create(tenant=tenant_a, data={"first_name": "Ada"})
    response = alice_client.get(f"/v1/customer/{customer.pk}/history?cursor=&cursor=")
    assert response.status_code == 400, response.content


@pytest.mark.django_db
def test_event_types_may_repeat(alice_client):
    response = alice_client.get("/v1/events?type=customer.created&type=customer.deleted")
    assert response.status_code == 200, response.content
