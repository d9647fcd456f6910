"""The Smart Customer API route, /api/{product}/{version}/company/{companyId}/customer.

Access matrix (see tests/conftest.py): Alice's key on Alice's companyId is allowed with or
without the tenant header; on Bob's companyId it is 403; Bob's customer under Alice's
companyId is 404; a sent tenant header must match; no key is 401.
"""

import uuid
from urllib.parse import urlsplit

import pytest

from apikeys.exceptions import MSG_TENANT_MISMATCH
from core.pagination import MSG_BAD_CURSOR
from core.serializers import MSG_NOT_OBJECT, MSG_READ_ONLY_FIELD, MSG_UNKNOWN_FIELD
from customers.exceptions import (
    MSG_EMAIL_INVALID,
    MSG_NOT_FOUND,
    MSG_UNKNOWN_PRODUCT,
    MSG_UNKNOWN_VERSION,
    MSG_VAT_CHECKSUM,
    MSG_VAT_INVALID,
)
from customers.models import ApiProduct, Customer
from tests.api.helpers import assert_problem, company_url, make_customer
from tests.conftest import make_client

pytestmark = pytest.mark.usefixtures("tse")

DOC_CUSTOMER = {
    "first-name": "John",
    "last-name": "Smith",
    "email": "john.smith@example.com",
    "vat-number": "IT12345678901",
}
REQUIRED = {"first-name", "last-name", "email", "vat-number"}


def _fields(body: dict) -> set:
    return {error["field"] for error in body["errors"]}


@pytest.fixture
def alice_keyonly(tenant_a, key_a):
    """Alice's key without the x-business-tenant-id header: the path names the tenant."""
    return make_client(tenant_a, key_a[1], header=False)


# --- Create -------------------------------------------------------------------------------


def test_documents_example_creates_a_customer_with_201_and_its_id(alice_keyonly, tenant_a):
    response = alice_keyonly.post(company_url(tenant_a), DOC_CUSTOMER, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in DOC_CUSTOMER} == DOC_CUSTOMER
    assert set(body) == {*DOC_CUSTOMER, "id", "created-at", "updated-at"}
    assert Customer.objects.get(pk=body["id"]).tenant == tenant_a
    assert response["Location"].endswith(company_url(tenant_a, body["id"]))


def test_a_matching_tenant_header_is_accepted(alice_client, tenant_a):
    response = alice_client.post(company_url(tenant_a), DOC_CUSTOMER, format="json")
    assert response.status_code == 201, response.content


def test_trailing_slash_is_optional(alice_keyonly, tenant_a):
    response = alice_keyonly.post(company_url(tenant_a) + "/", DOC_CUSTOMER, format="json")
    assert response.status_code == 201, response.content
    detail = alice_keyonly.get(company_url(tenant_a, response.json()["id"]) + "/")
    assert detail.status_code == 200


def test_created_customer_is_the_same_customer_on_v1_with_its_vat_number(alice_client, tenant_a):
    created = alice_client.post(company_url(tenant_a), DOC_CUSTOMER, format="json").json()
    v1 = alice_client.get(f"/v1/customer/{created['id']}")
    assert v1.status_code == 200
    assert v1.json()["vatNumber"] == "IT12345678901"
    assert v1.json()["firstName"] == "John"


def test_empty_body_names_all_four_missing_fields(alice_keyonly, tenant_a):
    response = alice_keyonly.post(company_url(tenant_a), {}, format="json")
    body = assert_problem(response, 400, "validation_error")
    assert _fields(body) == REQUIRED
    assert {error["code"] for error in body["errors"]} == {"required"}


def test_missing_fields_are_named_in_the_problem(alice_keyonly, tenant_a):
    data = {"first-name": "John", "email": "john@example.com"}
    response = alice_keyonly.post(company_url(tenant_a), data, format="json")
    body = assert_problem(response, 400, "validation_error")
    assert _fields(body) == {"last-name", "vat-number"}
    assert "vat-number" in body["detail"]


@pytest.mark.parametrize("value", ["", "   ", None])
def test_blank_or_null_required_field_is_refused(alice_keyonly, tenant_a, value):
    response = alice_keyonly.post(
        company_url(tenant_a), {**DOC_CUSTOMER, "first-name": value}, format="json"
    )
    assert _fields(assert_problem(response, 400, "validation_error")) == {"first-name"}


def test_invalid_email_is_refused_naming_email(alice_keyonly, tenant_a):
    response = alice_keyonly.post(
        company_url(tenant_a), {**DOC_CUSTOMER, "email": "not-an-email"}, format="json"
    )
    body = assert_problem(response, 400, "validation_error")
    assert body["errors"] == [
        {"field": "email", "code": "invalid_email", "message": MSG_EMAIL_INVALID}
    ]


@pytest.mark.parametrize("vat", ["XX12345678901", "IT123", "-", "12345678901"])
def test_invalid_vat_number_is_refused_naming_vat_number(alice_keyonly, tenant_a, vat):
    response = alice_keyonly.post(
        company_url(tenant_a), {**DOC_CUSTOMER, "vat-number": vat}, format="json"
    )
    body = assert_problem(response, 400, "validation_error")
    assert body["errors"] == [
        {"field": "vat-number", "code": "invalid_vat", "message": MSG_VAT_INVALID}
    ]


def test_vat_number_is_stored_compact_and_upper_case(alice_keyonly, tenant_a):
    response = alice_keyonly.post(
        company_url(tenant_a), {**DOC_CUSTOMER, "vat-number": "it 123.456.789-01"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["vat-number"] == "IT12345678901"


def test_strict_tenant_refuses_the_documents_example_vat_saying_the_checksum_is_wrong(
    alice_keyonly, tenant_a
):
    tenant_a.vat_strict = True
    tenant_a.save(update_fields=["vat_strict"])
    response = alice_keyonly.post(company_url(tenant_a), DOC_CUSTOMER, format="json")
    body = assert_problem(response, 400, "validation_error")
    assert body["errors"][0]["field"] == "vat-number"
    assert body["errors"][0]["code"] == "vat_checksum"
    assert "checksum" in body["errors"][0]["message"]


def test_strict_tenant_refuses_a_wrong_check_digit(alice_keyonly, tenant_a):
    tenant_a.vat_strict = True
    tenant_a.save(update_fields=["vat_strict"])
    response = alice_keyonly.post(
        company_url(tenant_a), {**DOC_CUSTOMER, "vat-number": "IT00743110158"}, format="json"
    )
    body = assert_problem(response, 400, "validation_error")
    assert body["errors"][0]["message"] == MSG_VAT_CHECKSUM


def test_strict_tenant_accepts_a_valid_vat_number(alice_keyonly, tenant_a):
    tenant_a.vat_strict = True
    tenant_a.save(update_fields=["vat_strict"])
    response = alice_keyonly.post(
        company_url(tenant_a), {**DOC_CUSTOMER, "vat-number": "IT00743110157"}, format="json"
    )
    assert response.status_code == 201, response.content


def test_fields_outside_the_document_are_refused(alice_keyonly, tenant_a):
    response = alice_keyonly.post(
        company_url(tenant_a), {**DOC_CUSTOMER, "phone": "+390612345678"}, format="json"
    )
    body = assert_problem(response, 400, "validation_error")
    assert body["errors"] == [
        {"field": "phone", "code": "unknown_field", "message": MSG_UNKNOWN_FIELD}
    ]


def test_id_cannot_be_chosen_by_the_client(alice_keyonly, tenant_a):
    response = alice_keyonly.post(
        company_url(tenant_a), {**DOC_CUSTOMER, "id": str(uuid.uuid4())}, format="json"
    )
    body = assert_problem(response, 400, "validation_error")
    assert body["errors"] == [{"field": "id", "code": "read_only", "message": MSG_READ_ONLY_FIELD}]


def test_duplicate_email_is_a_409_naming_email(alice_keyonly, tenant_a):
    first = alice_keyonly.post(company_url(tenant_a), DOC_CUSTOMER, format="json").json()
    again = {**DOC_CUSTOMER, "email": DOC_CUSTOMER["email"].upper()}
    response = alice_keyonly.post(company_url(tenant_a), again, format="json")
    body = assert_problem(response, 409, "duplicate_customer")
    assert body["errors"][0]["field"] == "email"
    assert body["existing_id"] == first["id"]


def test_same_email_in_another_company_is_not_a_duplicate(
    alice_keyonly, bob_client, tenant_a, tenant_b
):
    assert alice_keyonly.post(company_url(tenant_a), DOC_CUSTOMER, format="json").status_code == 201
    assert bob_client.post(company_url(tenant_b), DOC_CUSTOMER, format="json").status_code == 201


def test_malformed_json_is_a_400_problem(alice_keyonly, tenant_a):
    response = alice_keyonly.post(
        company_url(tenant_a), '{"first-name": ', content_type="application/json"
    )
    assert_problem(response, 400, "malformed_json")


@pytest.mark.parametrize("payload", ["[]", '"John"', "42"])
def test_a_body_that_is_not_an_object_is_a_400_problem(alice_keyonly, tenant_a, payload):
    response = alice_keyonly.post(company_url(tenant_a), payload, content_type="application/json")
    body = assert_problem(response, 400, "validation_error")
    assert body["errors"] == [{"field": None, "code": "invalid", "message": MSG_NOT_OBJECT}]


def test_a_null_body_is_a_400_problem(alice_keyonly, tenant_a):
    response = alice_keyonly.post(company_url(tenant_a), "null", content_type="application/json")
    assert assert_problem(response, 400, "validation_error")["errors"][0]["field"] is None


def test_wrong_content_type_is_a_415_problem(alice_keyonly, tenant_a):
    response = alice_keyonly.post(
        company_url(tenant_a), "first-name=John", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 415, "unsupported_media_type")


# --- Path parameters: product, version, companyId -------------------------------------------


def test_unknown_product_is_a_404_problem(alice_keyonly, tenant_a):
    body = assert_problem(
        alice_keyonly.get(company_url(tenant_a, product="nope")), 404, "not_found"
    )
    assert body["detail"] == MSG_UNKNOWN_PRODUCT


@pytest.mark.parametrize("product", ["t" * 51, "ts%C3%A9"])
def test_a_product_no_slug_could_name_is_a_404_problem(alice_keyonly, tenant_a, product):
    assert_problem(alice_keyonly.get(company_url(tenant_a, product=product)), 404, "not_found")


def test_inactive_product_is_a_404_problem(alice_keyonly, tenant_a, tse):
    tse.is_active = False
    tse.save(update_fields=["is_active"])
    assert_problem(alice_keyonly.post(company_url(tenant_a), DOC_CUSTOMER, format="json"), 404)
    assert not Customer.objects.exists()


def test_a_product_added_in_the_registry_is_served(alice_keyonly, tenant_a):
    ApiProduct.objects.create(slug="crm", name="CRM")
    assert alice_keyonly.get(company_url(tenant_a, product="crm")).status_code == 200


@pytest.mark.parametrize("version", ["v2", "V1", "v1.0", "latest"])
def test_any_version_but_v1_is_a_404_problem(alice_keyonly, tenant_a, version):
    body = assert_problem(alice_keyonly.get(company_url(tenant_a, version=version)), 404)
    assert body["detail"] == MSG_UNKNOWN_VERSION


def test_another_tenants_company_id_is_403(alice_keyonly, tenant_b):
    body = assert_problem(
        alice_keyonly.post(company_url(tenant_b), DOC_CUSTOMER, format="json"),
        403,
        "tenant_mismatch",
    )
    assert body["detail"] == MSG_TENANT_MISMATCH
    assert not Customer.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_tenants_company_id_is_403_on_the_collection(alice_keyonly, tenant_b, method):
    response = getattr(alice_keyonly, method)(company_url(tenant_b), {}, format="json")
    assert_problem(response, 403, "tenant_mismatch")


@pytest.mark.parametrize("method", ["get", "delete"])
def test_another_tenants_company_id_is_403_on_a_customer(alice_keyonly, tenant_a, tenant_b, method):
    customer = make_customer(tenant_a, first_name="Mario")
    response = getattr(alice_keyonly, method)(company_url(tenant_b, customer.pk))
    assert_problem(response, 403, "tenant_mismatch")


def test_made_up_company_id_is_403(alice_keyonly):
    assert_problem(alice_keyonly.get(company_url("company123")), 403, "tenant_mismatch")


def test_a_tenant_header_that_does_not_match_is_403(tenant_a, tenant_b, key_a):
    client = make_client(tenant_a, key_a[1], header=False)
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {key_a[1]}", HTTP_X_BUSINESS_TENANT_ID=tenant_b.public_id
    )
    assert_problem(client.get(company_url(tenant_a)), 403, "tenant_mismatch")


@pytest.mark.parametrize("method", ["get", "post"])
def test_without_a_key_it_is_401(anon_client, tenant_a, method):
    response = getattr(anon_client, method)(company_url(tenant_a), DOC_CUSTOMER, format="json")
    assert_problem(response, 401, "not_authenticated")


def test_a_bad_key_is_401(tenant_a):
    client = make_client(tenant_a, "cmk_notarealkey", header=False)
    assert_problem(client.get(company_url(tenant_a)), 401, "authentication_failed")


# --- List ---------------------------------------------------------------------------------


def test_an_empty_company_lists_as_an_empty_array_not_404(alice_keyonly, tenant_a):
    response = alice_keyonly.get(company_url(tenant_a))
    assert response.status_code == 200
    assert response.json() == []
    assert "Link" not in response


def test_list_is_an_array_of_the_companys_active_customers_only(alice_keyonly, tenant_a, tenant_b):
    kept = make_customer(tenant_a, first_name="Kept", vat_number="IT12345678901")
    gone = make_customer(tenant_a, first_name="Gone")
    alice_keyonly.delete(company_url(tenant_a, gone.pk))
    make_customer(tenant_b, first_name="Bob's")
    response = alice_keyonly.get(company_url(tenant_a))
    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [str(kept.pk)]
    assert response.json()[0]["vat-number"] == "IT12345678901"


def test_list_defaults_to_100_and_links_the_next_page(alice_keyonly, tenant_a):
    Customer.objects.bulk_create(Customer(tenant=tenant_a, first_name=f"C{i}") for i in range(101))
    response = alice_keyonly.get(company_url(tenant_a))
    assert len(response.json()) == 100
    link = response["Link"]
    assert link.startswith("<http://testserver/api/tse/v1/company/")
    assert link.endswith('>; rel="next"')


def test_walking_the_link_header_sees_every_customer_exactly_once(alice_keyonly, tenant_a):
    expected = {str(make_customer(tenant_a, first_name=f"C{i}").pk) for i in range(7)}
    seen, url, pages = [], company_url(tenant_a) + "?limit=3", 0
    while url:
        response = alice_keyonly.get(url)
        assert response.status_code == 200
        seen += [c["id"] for c in response.json()]
        pages += 1
        link = response.get("Link")
        url = None
        if link:
            target = urlsplit(link[1 : link.index(">")])
            url = f"{target.path}?{target.query}"
            assert "limit=3" in target.query
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == expected


@pytest.mark.parametrize("limit", ["0", "1001", "abc", "-1"])
def test_a_bad_limit_is_a_400_problem(alice_keyonly, tenant_a, limit):
    body = assert_problem(alice_keyonly.get(company_url(tenant_a) + f"?limit={limit}"), 400)
    assert _fields(body) == {"limit"}


def test_limit_1000_is_allowed(alice_keyonly, tenant_a):
    assert alice_keyonly.get(company_url(tenant_a) + "?limit=1000").status_code == 200


@pytest.mark.parametrize("cursor", ["garbage", "eyJzIjoiJCJ9", "!!!!"])
def test_a_bad_cursor_is_a_400_problem(alice_keyonly, tenant_a, cursor):
    body = assert_problem(
        alice_keyonly.get(company_url(tenant_a) + f"?cursor={cursor}"), 400, "invalid_query"
    )
    assert body["errors"][0]["message"] == MSG_BAD_CURSOR


def test_a_cursor_with_a_null_character_is_a_400_problem(alice_keyonly, tenant_a):
    assert_problem(
        alice_keyonly.get(company_url(tenant_a) + "?cursor=%00"), 400, "validation_error"
    )


def test_bobs_list_does_not_show_alices_customers(bob_client, tenant_a, tenant_b):
    make_customer(tenant_a, first_name="Alice's")
    assert bob_client.get(company_url(tenant_b)).json() == []


# --- Retrieve and delete ------------------------------------------------------------------


def test_get_returns_the_customer(alice_keyonly, tenant_a):
    customer = make_customer(tenant_a, first_name="Mario", last_name="Rossi", email="m@example.com")
    response = alice_keyonly.get(company_url(tenant_a, customer.pk))
    assert response.status_code == 200
    assert response.json()["id"] == str(customer.pk)
    assert response.json()["first-name"] == "Mario"
    assert response.json()["last-name"] == "Rossi"


@pytest.mark.parametrize("customer_id", [uuid.uuid4(), "456", "not-a-uuid"])
@pytest.mark.parametrize("method", ["get", "delete"])
def test_unknown_or_malformed_customer_id_is_a_404_problem(
    alice_keyonly, tenant_a, customer_id, method
):
    response = getattr(alice_keyonly, method)(company_url(tenant_a, customer_id))
    assert assert_problem(response, 404, "not_found")["detail"] == MSG_NOT_FOUND


@pytest.mark.parametrize("method", ["get", "delete"])
def test_other_tenants_customer_is_not_found(alice_keyonly, tenant_a, tenant_b, method):
    bobs = make_customer(tenant_b, first_name="Bob's")
    response = getattr(alice_keyonly, method)(company_url(tenant_a, bobs.pk))
    assert_problem(response, 404, "not_found")
    assert Customer.objects.get(pk=bobs.pk).deleted_at is None


def test_delete_is_the_v1_soft_delete(alice_client, tenant_a):
    customer = make_customer(tenant_a, first_name="Mario", email="m@example.com")
    response = alice_client.delete(company_url(tenant_a, customer.pk))
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(alice_client.get(company_url(tenant_a, customer.pk)), 404)
    assert_problem(alice_client.delete(company_url(tenant_a, customer.pk)), 404)
    v1 = alice_client.get(f"/v1/customer/{customer.pk}?includeDeleted=true").json()
    assert v1["state"] == "inactive"
    assert v1["deletedAt"] is not None


def test_deleting_frees_the_email_for_a_new_customer(alice_keyonly, tenant_a):
    first = alice_keyonly.post(company_url(tenant_a), DOC_CUSTOMER, format="json").json()
    alice_keyonly.delete(company_url(tenant_a, first["id"]))
    assert alice_keyonly.post(company_url(tenant_a), DOC_CUSTOMER, format="json").status_code == 201


def test_an_unsupported_method_is_a_405_problem(alice_keyonly, tenant_a):
    customer = make_customer(tenant_a, first_name="Mario")
    response = alice_keyonly.put(company_url(tenant_a, customer.pk), DOC_CUSTOMER, format="json")
    assert_problem(response, 405, "method_not_allowed")


def test_request_id_is_echoed_in_errors(alice_keyonly, tenant_a):
    response = alice_keyonly.get(company_url(tenant_a, "456"), HTTP_X_REQUEST_ID="trace-123")
    assert response["X-Request-ID"] == "trace-123"
    assert response.json()["request_id"] == "trace-123"


def test_company_fields_must_be_strings(alice_keyonly, tenant_a, tse):
    body = {**DOC_CUSTOMER, "first-name": 42}
    response = alice_keyonly.post(company_url(tenant_a), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "first-name"
