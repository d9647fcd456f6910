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

from django.db import connection, transaction

from core.inserts import insert_sql
from customers.models import Customer
from customers.serializers import render_customer
from events.services import (
    change_record_ctes,
    customer_change_record,
    customer_change_rows,
    customers_created_record,
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


def record_created(customer_ids) -> None:
    """History, events and outbox rows for customers a bulk path inserted without the
    services (the importer's COPY), in the caller's transaction."""
    customers = list(
        Customer.objects.filter(pk__in=list(customer_ids)).order_by("created_at", "pk")
    )
    by_tenant: dict[int, list[dict]] = {}
    for customer in customers:
        by_tenant.setdefault(customer.tenant_id, []).append(render(customer))
    for tenant_id, afters in by_tenant.items():
        customers_created_record(tenant_id=tenant_id, afters=afters)
