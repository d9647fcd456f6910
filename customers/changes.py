"""Every customer write is recorded in its own transaction: history entry, event and webhook
outbox rows (events.services), or none of them if the write rolls back.

Updates, deletes and restores opt in with one decorator line (`records_change`), so no write
path can forget it and the services' own code stays as it is. A create is the hot write, so
it has its own function here, `customer_insert_recorded`: on PostgreSQL the customer and its
record are one statement. A plain service-level recorder rather than database triggers
(django-pghistory): the event must carry the customer as the API renders it, and history
the actor and request id, which only the application knows; and SQLite must keep working.
"""

import functools
from datetime import datetime

from django.db import connection, transaction

from core.db.inserts import insert_sql
from customers.models import Customer
from customers.serializers import CustomerSerializer, render_customer
from events.services import (
    CreatedStamper,
    change_record_ctes,
    created_json,
    customer_change_record,
    customer_change_rows,
)


def render(customer: Customer) -> dict:
    """The customer exactly as GET /v1/customer/{id} shows it (a plain dict for JSON)."""
    return dict(render_customer(customer))


def render_locked(customer: Customer) -> dict | None:
    """The customer as stored, its row locked until the transaction ends (the true "before"
    of the change, even if `customer` is a stale copy)."""
    current = Customer.objects.select_for_update().filter(pk=customer.pk).first()
    return render(current) if current is not None else None


def records_change(action: str):
    """Decorate a customer service that returns the customer it wrote: the call and its
    record share one transaction. The `customer` keyword argument, if any, is the "before"."""

    def decorate(service):
        @functools.wraps(service)
        def wrapper(*args, **kwargs):
            with transaction.atomic():
                existing = kwargs.get("customer")
                before = render_locked(existing) if existing is not None else None
                customer = service(*args, **kwargs)
                customer_change_record(
                    tenant_id=customer.tenant_id,
                    action=action,
                    before=before,
                    after=render(customer),
                )
                return customer

        return wrapper

    return decorate


def customer_insert_recorded(customer: Customer) -> bool:
    """What a create writes, the one rule: the new customer (an unsaved instance, complete
    but for the timestamps this sets), its history entry, its customer.created event and an
    outbox row per subscribed webhook endpoint (events.services.customer_change_rows), all
    or none, in the caller's transaction if there is one. True if written; False, nothing
    written, when a partial unique index refuses the customer (a duplicate email or phone:
    the caller finds who holds it).

    PostgreSQL writes it in one statement (customer_insert_recorded_sql), elsewhere the ORM
    does (customer_insert_recorded_orm); both write the same rows.
    """
    if connection.vendor == "postgresql":
        return customer_insert_recorded_sql(customer)
    return customer_insert_recorded_orm(customer)


def customer_insert_recorded_sql(customer: Customer) -> bool:
    """customer_insert_recorded as one PostgreSQL statement: `INSERT ... ON CONFLICT DO
    NOTHING RETURNING id` chained to the record's INSERTs by data-modifying CTEs, which
    write only if the customer row was. Atomic by itself: outside a transaction it is the
    whole transaction (no BEGIN, no COMMIT); inside one it needs no savepoint, since a
    duplicate skips the row instead of raising."""
    insert, params = insert_sql(customer, suffix="ON CONFLICT DO NOTHING RETURNING id")
    record = customer_change_rows(
        tenant_id=customer.tenant_id, action="created", before=None, after=render(customer)
    )
    ctes, record_params = change_record_ctes(record, source="c")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH c AS ({insert}), {', '.join(ctes)} SELECT count(*) FROM c",
            [*params, *record_params],
        )
        return cursor.fetchone()[0] == 1


def customer_insert_recorded_orm(customer: Customer) -> bool:
    """customer_insert_recorded through the ORM, in a transaction (a savepoint inside the
    caller's); a duplicate raises IntegrityError, as any other refused INSERT does."""
    with transaction.atomic():
        customer.save(force_insert=True)
        customer_change_record(
            tenant_id=customer.tenant_id, action="created", before=None, after=render(customer)
        )
    return True


# The rendered fields that show when a row was written (createdAt, updatedAt): a bulk insert
# renders its customers before it knows that time, and fills these in when it does.
_STAMPED = {
    name: field
    for name, field in CustomerSerializer().fields.items()
    if field.source in ("created_at", "updated_at")
}


def render_new(customer: Customer) -> dict:
    """An unsaved new customer as GET /v1/customer/{id} will show it, but for the time it is
    written (None until stamped). Pure: the import's workers call it."""
    customer.created_at = customer.updated_at = None
    return render(customer)


def render_new_json(customer: Customer) -> tuple[str, str]:
    """render_new as the JSON texts its creation records (history changes, event object;
    events.services.created_json), without the time it is written: `stamper` adds that."""
    return created_json(render_new(customer), unstamped=_STAMPED.keys())


def stamps(now: datetime) -> dict:
    """The rendered written-at fields of customers inserted at `now`, for `dict.update`
    (which keeps the keys' places)."""
    return {name: field.to_representation(now) for name, field in _STAMPED.items()}


def stamper(now: datetime) -> CreatedStamper:
    """Completes render_new_json's texts for customers inserted at `now`."""
    return CreatedStamper(stamps(now))
