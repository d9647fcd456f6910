"""What POST /v1/customer costs in SQL (issue 10: at most four statements in one transaction,
BEGIN and COMMIT counted), with the customer's record (issue 11: history entry, event and
webhook outbox rows) in the same transaction.

On PostgreSQL it is ONE statement (customers.changes.customer_insert_recorded_sql), atomic by
itself, so it needs no BEGIN or COMMIT:

    WITH c AS (INSERT INTO customers_customer ... ON CONFLICT DO NOTHING RETURNING id),
         h AS (INSERT INTO events_auditentry ... SELECT ... FROM c),
         e AS (INSERT INTO events_event ... SELECT ... FROM c RETURNING id),
         o AS (INSERT INTO events_webhookdelivery ... SELECT ... FROM e JOIN the tenant's
               enabled endpoints subscribed to customer.created)
    SELECT count(*) FROM c

The active-customer counter is kept by the statement-level trigger inside it. A duplicate is
that statement (no row) and the read of who holds the email or phone; with Idempotency-Key
the request is a transaction around it that also claims the key and stores the record.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import changes
from customers.models import Customer
from customers.selectors import customer_active_count
from events.models import AuditEntry, Event, WebhookDelivery, WebhookEndpoint

# Real transactions, so BEGIN and COMMIT are what the request itself sends; the flush at
# the end takes the seeded plans, which serialized_rollback brings back for the next test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BODY = {"firstName": "Ada", "email": "ada@example.com"}


def _post(client, body=BODY, **headers) -> tuple:
    client.get("/v1/customer/paged?cursor=")  # warm the key and plan caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/v1/customer", body, format="json", **headers)
    return response, [q["sql"] for q in ctx.captured_queries]


def _subscribe(tenant, key) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        tenant=tenant,
        application=key[0].application,
        url="https://example.com/hook",
        events=["customer.*"],
        secret="s",
    )


def _assert_recorded(tenant, endpoint) -> None:
    customer = Customer.objects.get()
    assert customer_active_count(tenant=tenant) == 1
    assert AuditEntry.objects.filter(subject_id=str(customer.pk), action="created").count() == 1
    event = Event.objects.get(customer_id=customer.pk, type="customer.created")
    assert WebhookDelivery.objects.get().endpoint_id == endpoint.pk
    assert WebhookDelivery.objects.get().event_id == event.pk


@pytest.mark.postgres_only
def test_create_on_postgresql_is_one_statement_with_its_history_event_and_outbox(
    alice_client, tenant_a, key_a
):
    endpoint = _subscribe(tenant_a, key_a)
    response, statements = _post(alice_client)
    assert response.status_code == 201, response.content
    assert len(statements) == 1 <= 4, statements
    (statement,) = statements
    assert statement.startswith('WITH c AS (INSERT INTO "customers_customer"'), statement
    assert "ON CONFLICT DO NOTHING RETURNING id" in statement
    for table in ("events_auditentry", "events_event", "events_webhookdelivery"):
        assert f'INSERT INTO "{table}"' in statement
    _assert_recorded(tenant_a, endpoint)


@pytest.mark.postgres_only
def test_a_duplicate_on_postgresql_is_that_statement_and_the_read_of_its_holder(
    alice_client, tenant_a
):
    first = alice_client.post("/v1/customer", BODY, format="json").json()
    response, statements = _post(alice_client, {"email": "ADA@example.com"})
    assert response.status_code == 409, response.content
    assert response.json()["errors"][0]["field"] == "email"
    assert response.json()["existing_id"] == first["id"]
    assert len(statements) == 2, statements
    assert statements[0].startswith("WITH c AS (INSERT"), statements
    assert statements[1].startswith("SELECT"), statements
    assert Customer.objects.count() == Event.objects.count() == 1


@pytest.mark.postgres_only
def test_with_an_idempotency_key_the_create_and_the_key_share_one_transaction(
    alice_client, tenant_a, key_a
):
    endpoint = _subscribe(tenant_a, key_a)
    response, statements = _post(alice_client, HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 201, response.content
    assert [statements[0], statements[-1]] == ["BEGIN", "COMMIT"], statements
    kinds = [sql.split(" ")[0] for sql in statements[1:-1]]
    # the key's lock and record, the savepoint a 4xx rolls back to, the create, the record
    assert kinds == ["SELECT", "SELECT", "SAVEPOINT", "WITH", "RELEASE", "INSERT"], statements
    assert '"core_idempotencyrecord"' in statements[-2]
    _assert_recorded(tenant_a, endpoint)


def test_create_through_the_orm_is_one_transaction_of_three_inserts_and_a_read(
    alice_client, tenant_a, key_a, monkeypatch
):
    """SQLite's path (customers.changes.customer_insert_recorded_orm), also on PostgreSQL."""
    monkeypatch.setattr(
        changes, "customer_insert_recorded_sql", changes.customer_insert_recorded_orm
    )
    endpoint = _subscribe(tenant_a, key_a)
    response, statements = _post(alice_client)
    assert response.status_code == 201, response.content
    begin = "BEGIN" if connection.vendor == "postgresql" else "BEGIN IMMEDIATE"
    assert [statements.pop(0), statements.pop()] == [begin, "COMMIT"], statements
    tables = [sql.split('"')[1] for sql in statements]
    assert tables == [
        "customers_customer",
        "events_auditentry",
        "events_event",
        "events_webhookendpoint",
        "events_webhookdelivery",
    ], statements
    _assert_recorded(tenant_a, endpoint)
