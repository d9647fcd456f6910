"""ETag / If-Match / If-None-Match on /v1/customer/{id}: lost-update protection for clients."""

import pytest

from customers.models import Customer
from tests.api.helpers import assert_problem

pytestmark = pytest.mark.django_db

URL = "/v1/customer"


def create(client, **fields):
    response = client.post(URL, fields, format="json")
    assert response.status_code == 201, response.content
    return response


def test_every_single_customer_response_carries_a_strong_etag_that_changes_with_each_write(
    alice_client,
):
    created = create(alice_client, firstName="Mario", email="mario@example.com")
    customer_id = created.json()["id"]
    tags = [created["ETag"]]
    tags.append(alice_client.get(f"{URL}/{customer_id}")["ETag"])
    assert tags[1] == tags[0]  # a read does not change it
    tags.append(alice_client.put(f"{URL}/{customer_id}", {"lastName": "Rossi"})["ETag"])
    tags.append(alice_client.patch(f"{URL}/{customer_id}", {"lastName": "Bianchi"})["ETag"])
    assert alice_client.delete(f"{URL}/{customer_id}").status_code == 204
    tags.append(alice_client.get(f"{URL}/{customer_id}?includeDeleted=true")["ETag"])
    tags.append(alice_client.post(f"{URL}/{customer_id}/restore")["ETag"])
    assert alice_client.get(f"{URL}/by-email/mario@example.com")["ETag"] == tags[-1]
    assert all(tag.startswith('"') and tag.endswith('"') for tag in tags)  # strong, quoted
    assert len(set(tags[1:])) == len(tags) - 1


def test_the_etag_changes_even_for_two_writes_within_the_same_instant(alice_client):
    customer_id = create(alice_client, firstName="A").json()["id"]
    first = alice_client.patch(f"{URL}/{customer_id}", {"firstName": "B"})["ETag"]
    second = alice_client.patch(f"{URL}/{customer_id}", {"firstName": "B"})["ETag"]
    assert first != second  # a version counter, not a timestamp


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_with_a_stale_if_match_is_412_and_changes_nothing(alice_client, method):
    created = create(alice_client, firstName="Mario")
    customer_id, stale = created.json()["id"], created["ETag"]
    current = alice_client.patch(f"{URL}/{customer_id}", {"lastName": "Rossi"})["ETag"]
    response = getattr(alice_client, method)(
        f"{URL}/{customer_id}", {"firstName": "Luigi"}, HTTP_IF_MATCH=stale
    )
    assert_problem(response, 412, "precondition_failed")
    body = alice_client.get(f"{URL}/{customer_id}")
    assert body.json()["firstName"] == "Mario"
    assert body["ETag"] == current


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_with_the_current_etag_or_a_star_or_no_header_succeeds(alice_client, method):
    created = create(alice_client, firstName="Mario")
    customer_id = created.json()["id"]
    update = getattr(alice_client, method)
    response = update(
        f"{URL}/{customer_id}", {"lastName": "A"}, HTTP_IF_MATCH=f'"x", {created["ETag"]}'
    )
    assert response.status_code == 200, response.content
    assert update(f"{URL}/{customer_id}", {"lastName": "B"}, HTTP_IF_MATCH="*").status_code == 200
    assert update(f"{URL}/{customer_id}", {"lastName": "C"}).status_code == 200
    assert Customer.objects.get(pk=customer_id).last_name == "C"


def test_a_weak_etag_never_satisfies_if_match(alice_client):
    created = create(alice_client, firstName="Mario")
    response = alice_client.patch(
        f"{URL}/{created.json()['id']}", {"lastName": "R"}, HTTP_IF_MATCH="W/" + created["ETag"]
    )
    assert_problem(response, 412, "precondition_failed")


def test_delete_with_a_stale_if_match_is_412_and_the_customer_stays(alice_client):
    created = create(alice_client, firstName="Mario")
    customer_id = created.json()["id"]
    alice_client.patch(f"{URL}/{customer_id}", {"lastName": "Rossi"})
    response = alice_client.delete(f"{URL}/{customer_id}", HTTP_IF_MATCH=created["ETag"])
    assert_problem(response, 412, "precondition_failed")
    assert Customer.objects.get(pk=customer_id).deleted_at is None
    current = alice_client.get(f"{URL}/{customer_id}")["ETag"]
    assert alice_client.delete(f"{URL}/{customer_id}", HTTP_IF_MATCH=current).status_code == 204


def test_if_match_on_a_missing_customer_is_still_404(alice_client):
    created = create(alice_client, firstName="Mario")
    customer_id = created.json()["id"]
    alice_client.delete(f"{URL}/{customer_id}")
    response = alice_client.patch(
        f"{URL}/{customer_id}", {"lastName": "R"}, HTTP_IF_MATCH=created["ETag"]
    )
    assert_problem(response, 404, "not_found")


def test_get_with_a_matching_if_none_match_is_304_without_a_body(alice_client):
    created = create(alice_client, firstName="Mario")
    customer_id, etag = created.json()["id"], created["ETag"]
    response = alice_client.get(f"{URL}/{customer_id}", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert alice_client.get(f"{URL}/{customer_id}", HTTP_IF_NONE_MATCH="W/" + etag).status_code == (
        304
    )  # If-None-Match compares weakly
    alice_client.patch(f"{URL}/{customer_id}", {"lastName": "Rossi"})
    changed = alice_client.get(f"{URL}/{customer_id}", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["lastName"] == "Rossi"


def test_another_tenants_customer_is_404_with_any_condition(alice_client, bob_client):
    created = create(alice_client, firstName="Mario")
    url = f"{URL}/{created.json()['id']}"
    assert_problem(bob_client.get(url, HTTP_IF_NONE_MATCH=created["ETag"]), 404)
    assert_problem(bob_client.patch(url, {"lastName": "X"}, HTTP_IF_MATCH=created["ETag"]), 404)


def test_the_schema_documents_etag_if_match_if_none_match_and_412(alice_client):
    schema = alice_client.get("/api/schema/?format=json").json()
    detail = schema["paths"]["/v1/customer/{customer_id}"]
    for method in ("put", "patch", "delete"):
        names = {p["name"] for p in detail[method]["parameters"] if p["in"] == "header"}
        assert "If-Match" in names
        assert "412" in detail[method]["responses"]
    assert "If-None-Match" in {p["name"] for p in detail["get"]["parameters"]}
    assert "304" in detail["get"]["responses"]
    assert "ETag" in detail["get"]["responses"]["200"]["headers"]
    assert "ETag" in schema["paths"]["/v1/customer"]["post"]["responses"]["201"]["headers"]
