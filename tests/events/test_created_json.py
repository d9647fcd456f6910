"""created_json and CreatedStamper: the texts a bulk insert records for a new customer decode
to what customer_change_record("created") records for it once its times are known."""

import json

import pytest

from events.services import CreatedStamper, _changes, created_json

AFTER = {
    "id": "6f1c2a9e-8a43-4a57-9a51-4e1f0f7b9d3c",
    "firstName": "Mario",
    "lastName": "",
    "email": "Mario@Example.com",
    "metadata": {"crmId": "A-1", "vip": True, "score": 2.5, "note": 'quote " and \\ and é'},
    "createdAt": None,
    "updatedAt": None,
    "deletedAt": None,
}
NOW = "2026-11-30T12:00:00.123456Z"


@pytest.mark.parametrize(
    "stamps",
    [
        {"createdAt": NOW, "updatedAt": NOW},
        {"updatedAt": NOW},  # nothing of it in the changes (updatedAt is not a change)
        {},
    ],
)
def test_stamped_texts_are_the_json_of_the_stamped_customer(stamps):
    texts = created_json(AFTER, unstamped=stamps.keys())
    changes, obj = CreatedStamper(stamps)(texts)
    stamped = {**AFTER, **stamps}
    assert json.loads(changes) == _changes(None, stamped)
    assert json.loads(obj) == stamped


def test_a_customer_with_no_field_but_its_times_still_gets_them():
    changes, obj = CreatedStamper({"createdAt": NOW})(
        created_json({"createdAt": None}, unstamped={"createdAt"})
    )
    assert json.loads(changes) == {"createdAt": [None, NOW]}
    assert json.loads(obj) == {"createdAt": NOW}


@pytest.mark.django_db
def test_recording_from_the_texts_writes_what_a_single_create_records(tenant_a):
    """customers_created_record_json (COPY on PostgreSQL, bulk_create elsewhere) against the
    history entry and event that customer_create itself recorded."""
    from customers.changes import render
    from customers.services import customer_create
    from events.models import AuditEntry, Event
    from events.services import customers_created_record_json

    customer = customer_create(
        tenant=tenant_a, data={"email": "t@example.com", "metadata": {"a": "1", "b": 2}}
    )
    after = render(customer)
    customers_created_record_json(
        tenant_id=tenant_a.pk, customers=[(after["id"], *created_json(after))]
    )
    entries = AuditEntry.objects.filter(tenant=tenant_a, subject_id=str(customer.pk))
    events = Event.objects.filter(tenant=tenant_a, customer_id=customer.pk)
    assert len(entries) == len(events) == 2
    assert entries[0].changes == entries[1].changes
    assert [(e.action, e.actor, e.request_id) for e in entries][0] == (
        entries[1].action,
        entries[1].actor,
        entries[1].request_id,
    )
    assert events[0].data == events[1].data == {"object": after}
    assert events[0].type == events[1].type == "customer.created"
