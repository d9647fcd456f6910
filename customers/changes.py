"""Every customer write is recorded in its own transaction: history entry, event and webhook
outbox rows (events.services), or none of them if the write rolls back.

Services opt in with one decorator line, so no write path can forget it and the services'
own code stays as it is. A plain service-level recorder rather than database triggers
(django-pghistory): the event must carry the customer as the API renders it, and history
the actor and request id, which only the application knows; and SQLite must keep working.
"""

import functools

from django.db import transaction

from customers.models import Customer
from customers.serializers import render_customer
from events.services import customer_change_record, customers_created_record


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
