"""GDPR export and erase: everything held on a customer, and an irreversible anonymisation
of the row, its history, its events and its pending webhook payloads."""

import json

import pytest
from standardwebhooks import Webhook

from apikeys.services import apikey_create
from customers.models import Customer
from events.models import AuditEntry, Event
from events.worker import Worker
from tests.api.test_v1_customers import assert_problem, create
from tests.conftest import make_client

pytestmark = pytest.mark.django_db

PERSONAL = {
    "firstName": "Mario",
    "lastName": "Rossi",
    "email": "mario@example.com",
    "phone": "+390612345678",
    "vatNumber": "IT12345678901",
    "metadata": {"crmId": "A-1"},
}


def test_export_holds_the_customer_its_history_and_events(alice_client):
    cid = create(alice_client, **PERSONAL)["id"]
    alice_client.patch(f"/v1/customer/{cid}", {"lastName": "Bianchi"})
    alice_client.delete(f"/v1/customer/{cid}")  # works for soft-deleted customers too
    body = alice_client.get(f"/v1/customer/{cid}/export").json()
    assert body["customer"]["id"] == cid and body["customer"]["lastName"] == "Bianchi"
    assert body["customer"]["metadata"] == {"crmId": "A-1"}
    assert [e["action"] for e in body["history"]] == ["created", "updated", "deleted"]
    assert [e["type"] for e in body["events"]] == [
        "customer.created",
        "customer.updated",
        "customer.deleted",
    ]


def test_export_of_another_tenants_customer_is_not_found(alice_client, bob_client):
    cid = create(alice_client, firstName="A")["id"]
    assert_problem(bob_client.get(f"/v1/customer/{cid}/export"), 404, "not_found")
    assert_problem(bob_client.post(f"/v1/customer/{cid}/erase"), 404, "not_found")
    assert Customer.objects.get(pk=cid).erased_at is None


def test_erase_clears_personal_data_everywhere_and_emits_customer_erased(
    alice_client, receiver, private_urls_allowed
):
    endpoint = alice_client.post(
        "/v1/webhook-endpoints", {"url": receiver.url, "events": ["customer.*"]}, format="json"
    ).json()
    cid = create(alice_client, **PERSONAL)["id"]
    alice_client.patch(f"/v1/customer/{cid}", {"email": "new@example.com"})
    # Two deliveries are pending (created, updated) when the erasure comes.
    response = alice_client.post(f"/v1/customer/{cid}/erase")
    assert response.status_code == 200, response.content
    erased = response.json()
    assert {k: erased[k] for k in PERSONAL} == {
        "firstName": "",
        "lastName": "",
        "email": "",
        "phone": "",
        "vatNumber": "",
        "metadata": {},
    }
    assert erased["id"] == cid and erased["state"] == "inactive" and erased["deletedAt"]

    everything = json.dumps(
        [
            list(Customer.objects.filter(pk=cid).values()),
            list(AuditEntry.objects.values("changes")),
            list(Event.objects.values("data")),
        ],
        default=str,
    )
    for value in ("Mario", "Rossi", "mario@example", "new@example", "390612345678", "IT123", "A-1"):
        assert value not in everything, value

    export = alice_client.get(f"/v1/customer/{cid}/export").json()
    assert [e["action"] for e in export["history"]] == ["created", "updated", "erased"]
    assert export["history"][1]["changes"] == {"email": [None, None]}
    assert export["events"][-1]["type"] == "customer.erased"

    Worker().run_once()
    sent = [
        Webhook(endpoint["secret"]).verify(body, headers) for headers, body in receiver.requests
    ]
    assert [p["type"] for p in sent] == ["customer.created", "customer.updated", "customer.erased"]
    for value in ("Mario", "mario@example", "new@example"):
        assert value not in json.dumps(sent), value


def test_an_erased_customer_never_matches_and_its_email_is_free_at_once(alice_client):
    cid = create(alice_client, **PERSONAL)["id"]
    alice_client.post(f"/v1/customer/{cid}/erase")
    assert_problem(alice_client.get("/v1/customer/by-email/mario@example.com"), 404)
    assert_problem(alice_client.get("/v1/customer/by-phone/+390612345678"), 404)
    assert_problem(alice_client.get(f"/v1/customer/{cid}"), 404)
    again = create(alice_client, email="mario@example.com", phone="+390612345678")
    assert again["id"] != cid
    assert_problem(alice_client.post(f"/v1/customer/{cid}/restore"), 409, "customer_erased")


def test_erasing_twice_changes_nothing_more(alice_client):
    cid = create(alice_client, firstName="A")["id"]
    alice_client.post(f"/v1/customer/{cid}/erase")
    assert alice_client.post(f"/v1/customer/{cid}/erase").status_code == 200
    assert Event.objects.filter(type="customer.erased").count() == 1


def test_erase_moves_the_etag_on_and_erasing_again_keeps_it(alice_client):
    cid = create(alice_client, firstName="A")["id"]
    before = alice_client.get(f"/v1/customer/{cid}")["ETag"]
    erased = alice_client.post(f"/v1/customer/{cid}/erase")
    assert erased["ETag"] != before
    shown = alice_client.get(f"/v1/customer/{cid}", {"includeDeleted": "true"})
    assert shown.status_code == 200 and shown["ETag"] == erased["ETag"]
    assert alice_client.post(f"/v1/customer/{cid}/erase")["ETag"] == erased["ETag"]


def test_erase_needs_the_write_scope(tenant_a, alice_client):
    cid = create(alice_client, firstName="A")["id"]
    _key, raw = apikey_create(tenant=tenant_a, label="ro", scopes=["read"])
    reader = make_client(tenant_a, raw)
    assert_problem(reader.post(f"/v1/customer/{cid}/erase"), 403, "insufficient_scope")
    assert reader.get(f"/v1/customer/{cid}/export").status_code == 200
