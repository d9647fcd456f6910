"""What a create writes (customers.changes.customer_insert_recorded): the customer, its history
entry, its event and the outbox rows, the same rows whether PostgreSQL's one statement or the
ORM (SQLite's path) writes them."""

import pytest
from django.db import IntegrityError, transaction

from core.request_id import reset_request_id, set_request_id
from customers import changes, services
from customers.models import Customer
from customers.selectors import customer_active_count
from customers.services import customer_build
from events.models import AuditEntry, DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from events.services import matching_patterns, type_matches

pytestmark = pytest.mark.django_db

PATHS = [
    pytest.param(changes.customer_insert_recorded_orm, id="orm"),
    pytest.param(
        changes.customer_insert_recorded_sql, id="one_statement", marks=pytest.mark.postgres_only
    ),
]


def _endpoint(tenant, application, events, *, enabled=True) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        tenant=tenant,
        application=application,
        url="https://example.com/hook",
        events=events,
        enabled=enabled,
        secret="s",
    )


@pytest.mark.parametrize("insert", PATHS)
def test_a_create_writes_the_customer_its_history_its_event_and_its_outbox_rows(
    insert, tenant_a, key_a, tenant_b, key_b
):
    app_a, app_b = key_a[0].application, key_b[0].application
    wildcard = _endpoint(tenant_a, app_a, ["customer.*"])
    exact = _endpoint(tenant_a, app_a, ["customer.deleted", "customer.created"])
    _endpoint(tenant_a, app_a, ["customer.deleted"])  # another type
    _endpoint(tenant_a, app_a, ["customer.*"], enabled=False)  # disabled
    _endpoint(tenant_b, app_b, ["customer.*"])  # another tenant's
    customer = customer_build(
        tenant=tenant_a,
        data={"first_name": "Ada", "email": "Ada@Example.com", "metadata": {"crm": [1, "x"]}},
    )
    token = set_request_id("req-create-1")
    try:
        assert insert(customer) is True
    finally:
        reset_request_id(token)

    stored = Customer.objects.get()
    after = changes.render(stored)
    assert after == changes.render(customer)  # what the record carries is what was stored
    assert (stored.version, stored.state, stored.deleted_at) == (1, "active", None)
    assert customer_active_count(tenant=tenant_a) == 1

    entry = AuditEntry.objects.get(subject_type="customer")
    assert (entry.tenant_id, entry.subject_id, entry.action) == (
        tenant_a.pk,
        str(customer.pk),
        "created",
    )
    assert entry.changes == {
        field: [None, value]
        for field, value in after.items()
        if field != "updatedAt" and value is not None
    }
    assert entry.actor == {"type": "system"}  # no request: the process
    assert entry.request_id == "req-create-1"

    event = Event.objects.get()
    assert event.id.startswith("evt_")
    assert (event.tenant_id, event.type, event.customer_id) == (
        tenant_a.pk,
        "customer.created",
        customer.pk,
    )
    assert event.data == {"object": after}

    deliveries = list(WebhookDelivery.objects.order_by("id"))
    assert [d.endpoint_id for d in deliveries] == [wildcard.pk, exact.pk]
    for delivery in deliveries:
        assert delivery.event_id == event.id
        assert (delivery.status, delivery.attempts, delivery.lease) == (
            DeliveryStatus.PENDING,
            0,
            "",
        )
        assert delivery.next_attempt_at is not None and delivery.created_at is not None


@pytest.mark.postgres_only
def test_on_postgresql_a_duplicate_writes_nothing_and_raises_nothing(tenant_a, key_a):
    _endpoint(tenant_a, key_a[0].application, ["customer.*"])
    first = customer_build(tenant=tenant_a, data={"email": "dup@example.com"})
    assert changes.customer_insert_recorded_sql(first) is True
    again = customer_build(tenant=tenant_a, data={"email": "DUP@example.com"})
    with transaction.atomic():  # no savepoint needed: the transaction is still usable after
        assert changes.customer_insert_recorded_sql(again) is False
        assert Customer.objects.count() == 1
    assert Event.objects.count() == AuditEntry.objects.filter(subject_type="customer").count() == 1
    assert WebhookDelivery.objects.count() == 1
    assert customer_active_count(tenant=tenant_a) == 1


def test_through_the_orm_a_duplicate_raises_and_writes_nothing(tenant_a):
    assert changes.customer_insert_recorded_orm(
        customer_build(tenant=tenant_a, data={"phone": "+390612345678"})
    )
    with pytest.raises(IntegrityError):
        changes.customer_insert_recorded_orm(
            customer_build(tenant=tenant_a, data={"phone": "+390612345678"})
        )
    assert Customer.objects.count() == Event.objects.count() == 1


@pytest.mark.parametrize(
    "patterns",
    [["customer.created"], ["customer.*"], ["customer.updated"], ["*"], ["customer"], [".*"]],
)
@pytest.mark.parametrize("event_type", ["customer.created", "customer.updated"])
def test_the_sql_match_of_endpoint_patterns_is_type_matches(patterns, event_type):
    assert type_matches(patterns, event_type) == bool(
        set(patterns) & set(matching_patterns(event_type))
    )


@pytest.mark.postgres_only
def test_a_holder_deleted_between_the_refused_insert_and_its_lookup_lets_the_create_retry(
    tenant_a, monkeypatch
):
    holder = services.customer_create(tenant=tenant_a, data={"email": "race@example.com"})
    real_lookup = services.customer_find_active_duplicate
    calls = []

    def holder_goes_away_first(**kwargs):
        if not calls:
            services.customer_soft_delete(customer=holder)
        calls.append(kwargs)
        return real_lookup(**kwargs)

    monkeypatch.setattr(services, "customer_find_active_duplicate", holder_goes_away_first)
    created = services.customer_create(tenant=tenant_a, data={"email": "race@example.com"})
    assert len(calls) == 1  # refused once, found nobody, inserted on the second attempt
    assert Customer.objects.get(deleted_at__isnull=True).pk == created.pk != holder.pk
    assert Event.objects.filter(customer_id=created.pk, type="customer.created").count() == 1
