"""/v1/customer: every route's success and error statuses."""

import json
import uuid

import pytest

from core.serializers import MSG_READ_ONLY_FIELD, MSG_UNKNOWN_FIELD
from customers.exceptions import MSG_EMAIL_INVALID, MSG_IDENTITY_REQUIRED, MSG_PHONE_INVALID
from customers.models import Customer

pytestmark = pytest.mark.django_db

URL = "/v1/customer"


def create(client, **fields):
    response = client.post(URL, fields, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def assert_problem(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "request_id", "errors"} <= body.keys()
    assert body["request_id"] == response["X-Request-ID"]
    if code:
        assert body["code"] == code, body
    return body


# --- create ---------------------------------------------------------------------------


def test_create_returns_the_customer_with_defaults_and_location(alice_client):
    response = alice_client.post(
        URL,
        {"firstName": "Mario", "lastName": "Rossi", "email": "Mario@Example.com"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    uuid.UUID(body["id"])
    assert body["customerType"] == "regular"
    assert body["state"] == "active"
    assert body["email"] == "Mario@Example.com"  # stored as given
    assert body["metadata"] == {}
    assert body["deletedAt"] is None
    assert response["Location"] == f"http://testserver/v1/customer/{body['id']}"


def test_create_normalises_phone_with_the_tenants_region(alice_client):
    body = create(alice_client, phone="06 1234 5678")
    assert body["phone"] == "+390612345678"


def test_create_with_trailing_slash_works_too(alice_client):
    response = alice_client.post(URL + "/", {"lastName": "Bianchi"}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("body", [{}, {"firstName": ""}, {"firstName": "  ", "email": None}])
def test_create_without_any_identity_field_is_refused(alice_client, body):
    problem = assert_problem(alice_client.post(URL, body, format="json"), 400, "validation_error")
    assert problem["errors"][0]["message"] == MSG_IDENTITY_REQUIRED


def test_create_with_invalid_email_names_the_field(alice_client):
    problem = assert_problem(alice_client.post(URL, {"email": "not-an-email"}, format="json"), 400)
    assert problem["errors"] == [
        {"field": "email", "code": "invalid_email", "message": MSG_EMAIL_INVALID}
    ]


@pytest.mark.parametrize("phone", ["12", "abc", "+39 0", "+999 123 456 789"])
def test_create_with_invalid_phone_is_refused(alice_client, phone):
    problem = assert_problem(alice_client.post(URL, {"phone": phone}, format="json"), 400)
    assert problem["errors"][0] == {
        "field": "phone",
        "code": "invalid_phone",
        "message": MSG_PHONE_INVALID,
    }


@pytest.mark.parametrize("field", ["id", "tenant", "state", "createdAt", "updatedAt", "deletedAt"])
def test_create_naming_a_read_only_field_is_refused(alice_client, field):
    problem = assert_problem(
        alice_client.post(URL, {"firstName": "A", field: "x"}, format="json"), 400
    )
    assert problem["errors"] == [
        {"field": field, "code": "read_only", "message": MSG_READ_ONLY_FIELD}
    ]
    assert Customer.objects.count() == 0


def test_create_naming_an_unknown_field_is_refused(alice_client):
    problem = assert_problem(
        alice_client.post(URL, {"firstName": "A", "isAdmin": True}, format="json"), 400
    )
    assert problem["errors"][0]["field"] == "isAdmin"
    assert problem["errors"][0]["message"] == MSG_UNKNOWN_FIELD


def test_create_with_unknown_customer_type_is_refused(alice_client):
    assert_problem(
        alice_client.post(URL, {"firstName": "A", "customerType": "vip"}, format="json"), 400
    )


@pytest.mark.parametrize("kind", ["regular", "unregistered", "new", "anonymous"])
def test_every_customer_type_is_accepted(alice_client, kind):
    assert create(alice_client, firstName="A", customerType=kind)["customerType"] == kind


@pytest.mark.parametrize(
    "metadata",
    [
        {f"k{i}": "v" for i in range(51)},
        {"k" * 41: "v"},
        {"key": "v" * 501},
        {"key": {"nested": True}},
        {"key": [1, 2]},
        ["not", "an", "object"],
        "string",
    ],
)
def test_metadata_over_stripes_limits_is_refused(alice_client, metadata):
    problem = assert_problem(
        alice_client.post(URL, {"firstName": "A", "metadata": metadata}, format="json"), 400
    )
    assert problem["errors"][0]["field"] == "metadata"


def test_metadata_at_stripes_limits_is_accepted(alice_client):
    metadata = {f"{i:02d}" + "k" * 38: "v" * 500 for i in range(50)}
    assert create(alice_client, firstName="A", metadata=metadata)["metadata"] == metadata


def test_malformed_json_is_a_400_problem(alice_client):
    response = alice_client.post(URL, data='{"firstName": ', content_type="application/json")
    assert_problem(response, 400, "malformed_json")


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null"])
def test_a_body_that_is_not_an_object_is_a_400_problem(alice_client, body):
    response = alice_client.post(URL, data=body, content_type="application/json")
    assert_problem(response, 400)


def test_wrong_content_type_is_a_415_problem(alice_client):
    response = alice_client.post(
        URL, data="firstName=A", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 415, "unsupported_media_type")


def test_body_over_one_mebibyte_is_a_413_problem(alice_client):
    big = json.dumps({"firstName": "A", "metadata": {"k": "x" * (1024 * 1024)}})
    response = alice_client.post(URL, data=big, content_type="application/json")
    assert_problem(response, 413, "payload_too_large")
    assert Customer.objects.count() == 0


def test_overlong_fields_are_refused(alice_client):
    assert_problem(alice_client.post(URL, {"firstName": "x" * 101}, format="json"), 400)


# --- read ------------------------------------------------------------------------------


def test_get_returns_the_customer(alice_client):
    created = create(alice_client, firstName="Mario")
    response = alice_client.get(f"{URL}/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize("customer_id", [str(uuid.uuid4()), "not-a-uuid", "1", "%F0%9F%98%80"])
def test_get_unknown_or_malformed_id_is_404(alice_client, customer_id):
    assert_problem(alice_client.get(f"{URL}/{customer_id}"), 404, "not_found")


def test_unsupported_method_is_a_405_problem(alice_client):
    created = create(alice_client, firstName="A")
    assert_problem(alice_client.post(f"{URL}/{created['id']}", {}, format="json"), 405)


# --- update ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_changes_only_the_fields_sent(alice_client, method):
    created = create(alice_client, firstName="Mario", lastName="Rossi", phone="+39 06 1234 5678")
    response = getattr(alice_client, method)(
        f"{URL}/{created['id']}", {"lastName": "Verdi", "metadata": {"a": "1"}}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["lastName"] == "Verdi"
    assert body["firstName"] == "Mario"
    assert body["phone"] == "+390612345678"
    assert body["metadata"] == {"a": "1"}
    assert body["updatedAt"] >= created["updatedAt"]


def test_update_that_would_leave_no_identity_is_refused(alice_client):
    """A conflict with the stored customer (409), not a malformed body: the same body is a
    valid update of a customer who also has a last name (the OpenAPI schema cannot say it)."""
    created = create(alice_client, firstName="Mario")
    problem = assert_problem(
        alice_client.put(f"{URL}/{created['id']}", {"firstName": None}, format="json"),
        409,
        "identity_required",
    )
    assert problem["errors"][0]["message"] == MSG_IDENTITY_REQUIRED
    assert alice_client.get(f"{URL}/{created['id']}").json()["firstName"] == "Mario"


def test_update_cannot_set_read_only_fields(alice_client):
    created = create(alice_client, firstName="Mario")
    assert_problem(
        alice_client.patch(f"{URL}/{created['id']}", {"state": "inactive"}, format="json"), 400
    )
    assert_problem(
        alice_client.patch(f"{URL}/{created['id']}", {"id": str(uuid.uuid4())}, format="json"), 400
    )


def test_update_to_a_taken_email_is_409(alice_client):
    first = create(alice_client, email="a@example.com")
    second = create(alice_client, email="b@example.com")
    problem = assert_problem(
        alice_client.put(f"{URL}/{second['id']}", {"email": "A@example.com"}, format="json"), 409
    )
    assert problem["existing_id"] == first["id"]


def test_update_of_unknown_customer_is_404(alice_client):
    assert_problem(
        alice_client.put(f"{URL}/{uuid.uuid4()}", {"firstName": "A"}, format="json"), 404
    )


# --- delete and restore ----------------------------------------------------------------


def test_delete_soft_deletes_and_hides_the_customer(alice_client):
    created = create(alice_client, firstName="Mario", email="m@example.com")
    response = alice_client.delete(f"{URL}/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(alice_client.get(f"{URL}/{created['id']}"), 404)
    shown = alice_client.get(f"{URL}/{created['id']}?includeDeleted=true").json()
    assert shown["state"] == "inactive"
    assert shown["deletedAt"] is not None
    assert Customer.objects.filter(pk=created["id"]).exists()  # kept for history


def test_deleting_twice_is_404_the_second_time(alice_client):
    created = create(alice_client, firstName="Mario")
    assert alice_client.delete(f"{URL}/{created['id']}").status_code == 204
    assert_problem(alice_client.delete(f"{URL}/{created['id']}"), 404)


def test_soft_delete_frees_email_and_phone(alice_client):
    created = create(alice_client, email="m@example.com", phone="0612345678")
    alice_client.delete(f"{URL}/{created['id']}")
    again = create(alice_client, email="M@example.com", phone="+390612345678")
    assert again["id"] != created["id"]


def test_restore_undoes_a_soft_delete(alice_client):
    created = create(alice_client, firstName="Mario", email="m@example.com")
    alice_client.delete(f"{URL}/{created['id']}")
    response = alice_client.post(f"{URL}/{created['id']}/restore")
    assert response.status_code == 200
    assert response.json()["state"] == "active"
    assert response.json()["deletedAt"] is None
    assert alice_client.get(f"{URL}/{created['id']}").status_code == 200


def test_restore_that_would_duplicate_an_active_customer_is_409(alice_client):
    created = create(alice_client, email="m@example.com")
    alice_client.delete(f"{URL}/{created['id']}")
    newer = create(alice_client, email="m@example.com")
    problem = assert_problem(alice_client.post(f"{URL}/{created['id']}/restore"), 409)
    assert problem["existing_id"] == newer["id"]
    assert problem["field"] == "email"
    assert alice_client.get(f"{URL}/{created['id']}").status_code == 404  # still deleted


def test_restore_of_an_active_customer_is_a_no_op(alice_client):
    created = create(alice_client, firstName="Mario")
    response = alice_client.post(f"{URL}/{created['id']}/restore")
    assert response.status_code == 200
    assert response.json()["state"] == "active"


def test_restore_of_unknown_customer_is_404(alice_client):
    assert_problem(alice_client.post(f"{URL}/{uuid.uuid4()}/restore"), 404)


# --- duplicates --------------------------------------------------------------------------


def test_duplicate_email_in_another_case_is_409_naming_field_and_holder(alice_client):
    first = create(alice_client, email="mario@example.com")
    problem = assert_problem(
        alice_client.post(URL, {"email": "MARIO@example.com"}, format="json"),
        409,
        "duplicate_customer",
    )
    assert problem["field"] == "email"
    assert problem["existing_id"] == first["id"]
    assert problem["errors"][0]["field"] == "email"


def test_duplicate_phone_in_another_format_is_409(alice_client):
    first = create(alice_client, phone="+39 06 1234 5678")
    problem = assert_problem(alice_client.post(URL, {"phone": "06 12345678"}, format="json"), 409)
    assert problem["field"] == "phone"
    assert problem["existing_id"] == first["id"]


def test_another_tenant_may_hold_the_same_email_and_phone(alice_client, bob_client):
    create(alice_client, email="shared@example.com", phone="+390612345678")
    create(bob_client, email="shared@example.com", phone="+390612345678")


def test_customers_without_email_or_phone_are_not_duplicates(alice_client):
    create(alice_client, firstName="Mario")
    create(alice_client, firstName="Mario")


# --- lookups -----------------------------------------------------------------------------


def test_find_by_email_is_case_insensitive(alice_client):
    created = create(alice_client, email="Mario.Rossi@Example.com")
    response = alice_client.get(f"{URL}/by-email/mario.rossi@example.COM")
    assert response.status_code == 200
    assert response.json()["id"] == created["id"]


def test_find_by_email_misses_are_404(alice_client):
    assert_problem(alice_client.get(f"{URL}/by-email/nobody@example.com"), 404)


@pytest.mark.parametrize(
    "phone", ["+390612345678", "06 1234 5678", "0612345678", "+39%2006%201234%205678"]
)
def test_find_by_phone_normalises_the_number(alice_client, phone):
    created = create(alice_client, phone="+39 06 1234 5678")
    response = alice_client.get(f"{URL}/by-phone/{phone}")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == created["id"]


@pytest.mark.parametrize("phone", ["+14155552671", "garbage"])
def test_find_by_phone_misses_are_404(alice_client, phone):
    create(alice_client, phone="+39 06 1234 5678")
    assert_problem(alice_client.get(f"{URL}/by-phone/{phone}"), 404)


def test_lookups_ignore_soft_deleted_customers(alice_client):
    created = create(alice_client, email="m@example.com", phone="0612345678")
    alice_client.delete(f"{URL}/{created['id']}")
    assert_problem(alice_client.get(f"{URL}/by-email/m@example.com"), 404)
    assert_problem(alice_client.get(f"{URL}/by-phone/0612345678"), 404)


@pytest.mark.parametrize("value", [0, 12.5, True, ["Mario"], {"x": 1}])
def test_string_fields_refuse_other_json_types(alice_client, value):
    problem = assert_problem(alice_client.post(URL, {"firstName": value}, format="json"), 400)
    assert problem["errors"][0]["field"] == "firstName"


@pytest.mark.parametrize(
    "body",
    [
        '{"firstName": "\\ud800"}',
        '{"firstName": "a\\u0000b"}',
        '{"firstName": "x", "metadata": {"\\ud800": "x"}}',
        '{"firstName": "x", "metadata": {"a": "b\\u0000"}}',
        '{"firstName": "x", "metadata": {"a": null}}',
    ],
)
def test_strings_a_database_cannot_store_are_400_not_500(alice_client, body):
    assert_problem(alice_client.post(URL, data=body, content_type="application/json"), 400)
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    ["/v1/customer/by-email/a%00b@x.com", "/v1/customer/paged?search=%00", "/v1/customer/a%00"],
)
def test_nul_in_path_or_query_is_400(alice_client, path):
    assert_problem(alice_client.get(path), 400)
