"""The Churnkey Customers controller, /churnkey/customers.

Access matrix (see tests/conftest.py): the tenant comes from the key, so Alice sees only
Alice's customers and Bob's are 404 to her; the tenant header is optional, and a header
naming another tenant is 403; no key is 401.
"""

import uuid
from urllib.parse import quote

import pytest

from core.pagination import MSG_BAD_CURSOR
from customers.exceptions import MSG_NOT_FOUND
from customers.models import Customer
from customers.services import customer_soft_delete
from tests.api.helpers import assert_problem, make_customer
from tests.conftest import make_client

LIST = "/churnkey/customers"


@pytest.fixture
def alice_keyonly(tenant_a, key_a):
    return make_client(tenant_a, key_a[1], header=False)


@pytest.fixture
def mario(tenant_a):
    return make_customer(
        tenant_a,
        first_name="Mario",
        last_name="Rossi",
        email="Mario.Rossi@example.com",
        phone="06 1234 5678",
        metadata={"crmId": "A-1042"},
    )


# --- Retrieve -----------------------------------------------------------------------------


def test_retrieve_maps_our_customer_onto_churnkeys_model(alice_keyonly, mario):
    response = alice_keyonly.get(f"{LIST}/{mario.pk}")
    assert response.status_code == 200
    assert response.json() == {
        "id": str(mario.pk),
        "email": "Mario.Rossi@example.com",
        "phone": "+390612345678",
        "name": "Mario Rossi",
        "created": mario.created_at.isoformat().replace("+00:00", "Z"),
        "metadata": {"crmId": "A-1042"},
    }


def test_values_we_do_not_have_are_null(alice_keyonly, tenant_a):
    customer = make_customer(tenant_a, last_name="Verdi")
    body = alice_keyonly.get(f"{LIST}/{customer.pk}").json()
    assert body["name"] == "Verdi"
    assert body["email"] is None
    assert body["phone"] is None
    assert body["metadata"] == {}


def test_a_matching_tenant_header_is_accepted(alice_client, mario):
    assert alice_client.get(f"{LIST}/{mario.pk}").status_code == 200


def test_trailing_slash_is_optional(alice_keyonly, mario):
    assert alice_keyonly.get(f"{LIST}/{mario.pk}/").status_code == 200
    assert alice_keyonly.get(f"{LIST}/").status_code == 200


@pytest.mark.parametrize("customer_id", [uuid.uuid4(), "456", "not-a-uuid"])
def test_unknown_or_malformed_id_is_a_404_problem(alice_keyonly, customer_id):
    body = assert_problem(alice_keyonly.get(f"{LIST}/{customer_id}"), 404, "not_found")
    assert body["detail"] == MSG_NOT_FOUND


def test_a_deleted_customer_is_not_found(alice_keyonly, mario):
    customer_soft_delete(customer=mario)
    assert_problem(alice_keyonly.get(f"{LIST}/{mario.pk}"), 404, "not_found")


def test_other_tenants_customer_is_not_found(alice_keyonly, tenant_b):
    bobs = make_customer(tenant_b, first_name="Bob", email="bob@example.com", phone="+447911123456")
    assert_problem(alice_keyonly.get(f"{LIST}/{bobs.pk}"), 404, "not_found")
    assert_problem(alice_keyonly.get(f"{LIST}/email/bob@example.com"), 404, "not_found")
    assert_problem(alice_keyonly.get(f"{LIST}/phone/{quote('+447911123456')}"), 404, "not_found")


@pytest.mark.parametrize(
    "path", [LIST, f"{LIST}/{uuid.uuid4()}", f"{LIST}/email/a@b.co", f"{LIST}/phone/123"]
)
def test_a_tenant_header_naming_another_tenant_is_403(tenant_a, tenant_b, key_a, path):
    client = make_client(tenant_a, key_a[1], header=False)
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {key_a[1]}", HTTP_X_BUSINESS_TENANT_ID=tenant_b.public_id
    )
    assert_problem(client.get(path), 403, "tenant_mismatch")


@pytest.mark.parametrize(
    "path", [LIST, f"{LIST}/{uuid.uuid4()}", f"{LIST}/email/a@b.co", f"{LIST}/phone/123"]
)
def test_without_a_key_it_is_401(anon_client, path):
    assert_problem(anon_client.get(path), 401, "not_authenticated")


def test_an_inactive_tenant_is_403(alice_keyonly, tenant_a):
    tenant_a.is_active = False
    tenant_a.save(update_fields=["is_active"])
    assert_problem(alice_keyonly.get(LIST), 403, "tenant_inactive")


def test_writes_are_not_offered(alice_keyonly, mario):
    assert_problem(alice_keyonly.post(LIST, {}, format="json"), 405, "method_not_allowed")
    assert_problem(alice_keyonly.delete(f"{LIST}/{mario.pk}"), 405, "method_not_allowed")


# --- Find by email and phone --------------------------------------------------------------


@pytest.mark.parametrize("email", ["Mario.Rossi@example.com", "mario.rossi@EXAMPLE.com"])
def test_find_by_email_is_case_insensitive(alice_keyonly, mario, email):
    response = alice_keyonly.get(f"{LIST}/email/{quote(email)}")
    assert response.status_code == 200
    assert response.json()["id"] == str(mario.pk)


@pytest.mark.parametrize("sent", ["mario+news@example.com", "mario%2Bnews@example.com"])
def test_find_by_email_with_a_plus_sign_encoded_or_not(alice_keyonly, tenant_a, sent):
    customer = make_customer(tenant_a, email="mario+news@example.com")
    response = alice_keyonly.get(f"{LIST}/email/{sent}")
    assert response.json()["id"] == str(customer.pk)


def test_find_by_unknown_email_is_a_404_problem(alice_keyonly, mario):
    assert_problem(alice_keyonly.get(f"{LIST}/email/nobody@example.com"), 404, "not_found")


@pytest.mark.parametrize(
    "phone", ["+390612345678", "06 1234 5678", "0612345678", "0039 06 1234 5678"]
)
def test_find_by_phone_normalises_like_v1(alice_keyonly, mario, phone):
    response = alice_keyonly.get(f"{LIST}/phone/{quote(phone)}")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == str(mario.pk)


def test_find_by_phone_with_an_unencoded_plus(alice_keyonly, mario):
    assert alice_keyonly.get(f"{LIST}/phone/+390612345678").json()["id"] == str(mario.pk)


@pytest.mark.parametrize("phone", ["+390699999999", "not-a-phone", "123"])
def test_find_by_unknown_or_invalid_phone_is_a_404_problem(alice_keyonly, mario, phone):
    assert_problem(alice_keyonly.get(f"{LIST}/phone/{quote(phone)}"), 404, "not_found")


def test_deleted_customers_are_not_found_by_email_or_phone(alice_keyonly, mario):
    customer_soft_delete(customer=mario)
    assert_problem(alice_keyonly.get(f"{LIST}/email/{mario.email}"), 404)
    assert_problem(alice_keyonly.get(f"{LIST}/phone/{quote(mario.phone)}"), 404)


# --- List ---------------------------------------------------------------------------------


def test_an_empty_list_has_no_next_cursor(alice_keyonly):
    response = alice_keyonly.get(LIST)
    assert response.status_code == 200
    assert response.json() == {"data": [], "next": None}


def test_list_shows_only_the_keys_tenants_active_customers(
    alice_keyonly, mario, tenant_a, tenant_b
):
    make_customer(tenant_b, first_name="Bob")
    customer_soft_delete(customer=make_customer(tenant_a, first_name="Gone"))
    body = alice_keyonly.get(LIST).json()
    assert [c["id"] for c in body["data"]] == [str(mario.pk)]
    assert body["data"][0]["name"] == "Mario Rossi"


def test_walking_the_cursor_sees_every_customer_exactly_once(alice_keyonly, tenant_a, tenant_b):
    expected = {str(make_customer(tenant_a, first_name=f"C{i}").pk) for i in range(11)}
    make_customer(tenant_b, first_name="Bob")
    seen, cursor, pages = [], "", 0
    while True:
        body = alice_keyonly.get(LIST, {"limit": 4, "cursor": cursor}).json()
        seen += [c["id"] for c in body["data"]]
        pages += 1
        if body["next"] is None:
            break
        cursor = body["next"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == 11
    assert set(seen) == expected


def test_a_walk_survives_customers_created_with_the_same_timestamp(alice_keyonly, tenant_a):
    customers = Customer.objects.bulk_create(
        Customer(tenant=tenant_a, first_name=f"C{i}") for i in range(9)
    )
    Customer.objects.filter(tenant=tenant_a).update(created_at=customers[0].created_at)
    seen, cursor = [], None
    while cursor != "":
        body = alice_keyonly.get(LIST, {"limit": 2, "cursor": cursor or ""}).json()
        seen += [c["id"] for c in body["data"]]
        cursor = body["next"] or ""
    assert sorted(seen) == sorted(str(c.pk) for c in customers)


def test_list_defaults_to_100(alice_keyonly, tenant_a):
    Customer.objects.bulk_create(Customer(tenant=tenant_a, first_name=f"C{i}") for i in range(101))
    body = alice_keyonly.get(LIST).json()
    assert len(body["data"]) == 100
    assert body["next"]


@pytest.mark.parametrize("limit", ["0", "1001", "abc"])
def test_a_bad_limit_is_a_400_problem(alice_keyonly, limit):
    body = assert_problem(alice_keyonly.get(LIST, {"limit": limit}), 400, "validation_error")
    assert body["errors"][0]["field"] == "limit"


@pytest.mark.parametrize("cursor", ["garbage", "eyJzIjoiJCJ9", "!!!!"])
def test_a_bad_cursor_is_a_400_problem(alice_keyonly, cursor):
    body = assert_problem(alice_keyonly.get(LIST, {"cursor": cursor}), 400, "invalid_query")
    assert body["errors"] == [
        {"field": "cursor", "code": "invalid_cursor", "message": MSG_BAD_CURSOR}
    ]


@pytest.mark.parametrize("value", ["a" * 300 + "@example.com", "+" + "9" * 40])
@pytest.mark.parametrize("kind", ["email", "phone"])
def test_a_value_no_customer_could_have_is_a_404_problem_not_a_500(alice_keyonly, kind, value):
    assert_problem(alice_keyonly.get(f"{LIST}/{kind}/{value}"), 404, "not_found")


@pytest.mark.parametrize("value", ["%00", "a%00b@example.com"])
@pytest.mark.parametrize("kind", ["email", "phone"])
def test_a_nul_in_the_path_is_a_400_problem_not_a_500(alice_keyonly, kind, value):
    assert_problem(alice_keyonly.get(f"{LIST}/{kind}/{value}"), 400, "validation_error")
