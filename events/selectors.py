"""Tenant-scoped reads of history, events, webhook endpoints and deliveries."""

from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from core.pagination import keyset_slice, make_sorts
from events.exceptions import EndpointNotFound, EventNotFound
from events.models import AuditEntry, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tenants.models import Tenant

_BY_CREATED = make_sorts({"createdAt": ("created_at", True)})
OLDEST_FIRST, NEWEST_FIRST = _BY_CREATED["createdAt"], _BY_CREATED["-createdAt"]


def history_queryset(*, tenant: Tenant, subject_type: str, subject_id) -> QuerySet:
    return AuditEntry.objects.filter(
        tenant=tenant, subject_type=subject_type, subject_id=str(subject_id)
    )


def customer_history(
    *, tenant: Tenant, customer_id, cursor: str | None, limit: int
) -> tuple[list[AuditEntry], str | None]:
    """A customer's history, newest first, `limit` after `cursor`."""
    qs = history_queryset(tenant=tenant, subject_type="customer", subject_id=customer_id)
    return keyset_slice(qs, sort=NEWEST_FIRST, cursor=cursor, limit=limit)


def customer_events(*, tenant: Tenant, customer_id) -> QuerySet:
    """Every event about one customer, oldest first (the GDPR export)."""
    return Event.objects.filter(tenant=tenant, customer_id=customer_id).order_by("created_at", "id")


def event_list(
    *,
    tenant: Tenant,
    types: list[str],
    created_after: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Event], str | None]:
    """The tenant's events oldest first; `types` may hold exact types and `customer.*`."""
    qs = Event.objects.filter(tenant=tenant)
    if types:
        match = Q()
        for pattern in types:
            if pattern.endswith(".*"):
                match |= Q(type__startswith=pattern[:-1])
            else:
                match |= Q(type=pattern)
        qs = qs.filter(match)
    if created_after is not None:
        qs = qs.filter(created_at__gt=created_after)
    return keyset_slice(qs, sort=OLDEST_FIRST, cursor=cursor, limit=limit)


def event_get_or_404(*, tenant: Tenant, event_id: str) -> Event:
    event = Event.objects.filter(tenant=tenant, pk=str(event_id)[:40]).first()
    if event is None:
        raise EventNotFound()
    return event


def webhook_endpoint_list(*, tenant: Tenant) -> QuerySet:
    return WebhookEndpoint.objects.filter(tenant=tenant).order_by("created_at", "id")


def webhook_endpoint_get_or_404(*, tenant: Tenant, endpoint_id: str) -> WebhookEndpoint:
    endpoint = webhook_endpoint_list(tenant=tenant).filter(pk=str(endpoint_id)[:40]).first()
    if endpoint is None:
        raise EndpointNotFound()
    return endpoint


def webhook_delivery_list(
    *, endpoint: WebhookEndpoint, cursor: str | None, limit: int
) -> tuple[list[WebhookDelivery], str | None]:
    """An endpoint's deliveries, newest first, each with its attempts."""
    qs = (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related(
            Prefetch("tries", queryset=WebhookAttempt.objects.order_by("attempted_at", "id"))
        )
    )
    return keyset_slice(qs, sort=NEWEST_FIRST, cursor=cursor, limit=limit)
