"""Writes of the events app: recording a change (history, event, webhook outbox rows) in the
caller's transaction, managing webhook endpoints, redelivery and erasure."""

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apikeys.models import Application
from core.db.bulk_insert import copy_insert
from core.db.inserts import insert_sql
from core.request_id import current_request_id
from events.actor import current_actor
from events.exceptions import (
    MSG_ENDPOINT_LIMIT,
    EndpointLimitReached,
)
from events.models import (
    MAX_ENDPOINTS_PER_APPLICATION,
    AuditEntry,
    Event,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    new_event_id,
)
from events.outbound import resolve_url
from events.signing import new_secret
from tenants.models import Tenant

ROTATION_GRACE = timedelta(hours=24)
ERASED = None  # what an erased personal value becomes in history and events

# The action each customer event type records in history.
CUSTOMER_EVENT_TYPES = {
    "created": EventType.CUSTOMER_CREATED,
    "updated": EventType.CUSTOMER_UPDATED,
    "deleted": EventType.CUSTOMER_DELETED,
    "restored": EventType.CUSTOMER_RESTORED,
}
IGNORED_IN_CHANGES = frozenset({"updatedAt"})


def _changes(before: dict | None, after: dict) -> dict[str, list]:
    before = before or {}
    return {
        field: [before.get(field), value]
        for field, value in after.items()
        if field not in IGNORED_IN_CHANGES and before.get(field) != value
    }


def type_matches(patterns: list[str], event_type: str) -> bool:
    """`customer.*` matches every customer event; anything else must be exact."""
    return any(
        pattern == event_type or (pattern.endswith(".*") and event_type.startswith(pattern[:-1]))
        for pattern in patterns
    )


def matching_patterns(event_type: str) -> list[str]:
    """Every pattern type_matches accepts for `event_type` (the type itself and each
    `prefix.*` of it), so SQL can match an endpoint's list against them (`?|`)."""
    prefixes = [event_type[: i + 1] + "*" for i, char in enumerate(event_type) if char == "."]
    return [event_type, *prefixes]


def audit_record(
    *, tenant_id: int | None, subject_type: str, subject_id: Any, action: str, changes: dict
) -> AuditEntry:
    """Append one history entry for the current actor and request."""
    return AuditEntry.objects.create(
        tenant_id=tenant_id,
        subject_type=subject_type,
        subject_id=str(subject_id),
        action=action,
        changes=changes,
        actor=current_actor(),
        request_id=current_request_id() or "",
    )


@dataclass(frozen=True)
class ChangeRecord:
    """What one customer change records, unsaved: its history entry and its event (the
    outbox rows follow from the event: one per enabled endpoint of the tenant subscribed
    to its type)."""

    audit: AuditEntry
    event: Event


def customer_change_rows(
    *, tenant_id: int, action: str, before: dict | None, after: dict
) -> ChangeRecord | None:
    """The rows a customer change records: `before`/`after` are the customer as the API
    renders it; the history entry names the current actor and request. None for a change
    that changes nothing (a repeated delete, an empty update): it records nothing."""
    changes = _changes(before, after)
    if not changes:
        return None
    data: dict[str, Any] = {"object": after}
    if action == "updated":
        data["previousAttributes"] = {field: old for field, (old, _new) in changes.items()}
    return ChangeRecord(
        audit=AuditEntry(
            tenant_id=tenant_id,
            subject_type="customer",
            subject_id=str(after["id"]),
            action=action,
            changes=changes,
            actor=current_actor(),
            request_id=current_request_id() or "",
        ),
        event=Event(
            tenant_id=tenant_id,
            type=CUSTOMER_EVENT_TYPES[action],
            customer_id=after["id"],
            data=data,
        ),
    )


def change_record_write(record: ChangeRecord) -> Event:
    """Write a ChangeRecord through the ORM, in the caller's transaction (one if there is
    none; no savepoint of its own: a failure here fails the caller's write too)."""
    with transaction.atomic(savepoint=False):
        record.audit.save(force_insert=True)
        record.event.save(force_insert=True)
        _enqueue(record.event)
    return record.event


def change_record_ctes(record: ChangeRecord, *, source: str) -> tuple[list[str], list]:
    """The same rows as change_record_write, as PostgreSQL data-modifying CTEs (`name AS
    (INSERT ...)`) for the caller's statement: each row is written once per row of the
    relation `source` (the caller's CTE of the changed customer), so none if it is empty.
    Returns (ctes, params); the CTEs are named h, e (the event) and o (the outbox)."""
    history, history_params = insert_sql(record.audit, select_from=source)
    event, event_params = insert_sql(record.event, select_from=source, suffix="RETURNING id")
    endpoint = WebhookEndpoint._meta.db_table
    outbox, outbox_params = insert_sql(
        WebhookDelivery(event=record.event),
        select_from=(
            f"e JOIN {endpoint} ep ON ep.tenant_id = %s AND ep.enabled AND ep.events ?| %s "
            "ORDER BY ep.created_at, ep.id"
        ),
        expressions={"endpoint_id": "ep.id", "event_id": "e.id"},
    )
    ctes = [f"h AS ({history})", f"e AS ({event})", f"o AS ({outbox})"]
    params = [
        *history_params,
        *event_params,
        *outbox_params,
        record.event.tenant_id,
        matching_patterns(record.event.type),
    ]
    return ctes, params


def customer_change_record(
    *, tenant_id: int, action: str, before: dict | None, after: dict
) -> Event | None:
    """Record a customer change (customer_change_rows) in the caller's transaction: the
    history entry, the event and one outbox row per matching webhook endpoint. Returns the
    event, or None for a change that changes nothing."""
    record = customer_change_rows(tenant_id=tenant_id, action=action, before=before, after=after)
    return change_record_write(record) if record is not None else None


# Compact JSON for the COPY path (jsonb keeps neither spacing nor key order).
_dumps = json.JSONEncoder(separators=(",", ":")).encode


def created_json(after: dict, *, unstamped: Collection[str] = ()) -> tuple[str, str]:
    """What customers_created_record writes for one new customer, as JSON texts: its history
    entry's changes and its event's object. A bulk insert that renders its customers before
    it knows their times leaves those fields (`unstamped`) out and adds them later with
    CreatedStamper. Pure (no database): the import's validation workers call it."""
    if unstamped:
        after = {field: value for field, value in after.items() if field not in unstamped}
    return _dumps(_changes(None, after)), _dumps(after)


def _members(head: str, tail: str) -> str:
    """One JSON object of the members of `head` (an object's text) and of `tail` (another
    object's text without its opening brace)."""
    if tail == "}":
        return head
    return "{" + tail if head == "{}" else f"{head[:-1]},{tail}"


class CreatedStamper:
    """Adds the fields a bulk insert stamps (rendered name -> value) to created_json's texts:
    encoded once for the batch, then joined to each customer's texts."""

    def __init__(self, stamps: dict):
        self.changes_tail = _dumps(_changes(None, stamps))[1:]
        self.object_tail = _dumps(stamps)[1:]

    def __call__(self, texts: tuple[str, str]) -> tuple[str, str]:
        changes, obj = texts
        return _members(changes, self.changes_tail), _members(obj, self.object_tail)


def customers_created_record(*, tenant_id: int, afters: list[dict]) -> list[str]:
    """customer_change_record("created") for many new customers at once (a bulk import):
    the same history, event and outbox rows the one-by-one path writes, each table in one
    statement (COPY on PostgreSQL), in the caller's transaction. Returns the event ids."""
    if connection.vendor == "postgresql":
        return customers_created_record_json(
            tenant_id=tenant_id,
            customers=[(after["id"], *created_json(after)) for after in afters],
        )
    if not afters:
        return []
    actor, request_id = current_actor(), current_request_id() or ""
    event_type = CUSTOMER_EVENT_TYPES["created"]
    event_ids = [new_event_id() for _ in afters]
    AuditEntry.objects.bulk_create(
        AuditEntry(
            tenant_id=tenant_id,
            subject_type="customer",
            subject_id=str(after["id"]),
            action="created",
            changes=_changes(None, after),
            actor=actor,
            request_id=request_id,
        )
        for after in afters
    )
    Event.objects.bulk_create(
        Event(
            id=event_id,
            tenant_id=tenant_id,
            type=event_type,
            customer_id=after["id"],
            data={"object": after},
        )
        for event_id, after in zip(event_ids, afters, strict=True)
    )
    endpoints = _created_endpoints(tenant_id)
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint_id=endpoint, event_id=event_id)
        for event_id in event_ids
        for endpoint in endpoints
    )
    return event_ids


def _created_endpoints(tenant_id: int) -> list[str]:
    return [endpoint.pk for endpoint in _subscribed(tenant_id, CUSTOMER_EVENT_TYPES["created"])]


def customers_created_record_json(
    *, tenant_id: int, customers: list[tuple[str, str, str]]
) -> list[str]:
    """customers_created_record for customers given as (id, changes JSON, object JSON), the
    texts of created_json (stamped): on PostgreSQL one COPY per table, nothing decoded."""
    if connection.vendor != "postgresql":
        afters = [json.loads(obj) for _id, _changes_json, obj in customers]
        return customers_created_record(tenant_id=tenant_id, afters=afters)
    if not customers:
        return []
    actor, request_id = _dumps(current_actor()), current_request_id() or ""
    event_type = CUSTOMER_EVENT_TYPES["created"]
    event_ids = [new_event_id() for _ in customers]
    copy_insert(
        AuditEntry,
        ["tenant_id", "subject_type", "subject_id", "action", "changes", "actor", "request_id"],
        (
            (tenant_id, "customer", str(cid), "created", changes, actor, request_id)
            for cid, changes, _obj in customers
        ),
    )
    copy_insert(
        Event,
        ["id", "tenant_id", "type", "customer_id", "data"],
        (
            (event_id, tenant_id, event_type, cid, f'{{"object":{obj}}}')
            for event_id, (cid, _changes_json, obj) in zip(event_ids, customers, strict=True)
        ),
    )
    endpoints = _created_endpoints(tenant_id)
    if endpoints:
        copy_insert(
            WebhookDelivery,
            ["endpoint_id", "event_id"],
            ((endpoint, event_id) for event_id in event_ids for endpoint in endpoints),
        )
    return event_ids


def _subscribed(tenant_id: int, event_type: str, endpoints=None) -> list[WebhookEndpoint]:
    """The endpoints (by default: the tenant's enabled ones) subscribed to `event_type`."""
    if endpoints is None:
        endpoints = WebhookEndpoint.objects.filter(tenant_id=tenant_id, enabled=True)
    return [endpoint for endpoint in endpoints if type_matches(endpoint.events, event_type)]


def _enqueue(event: Event, endpoints=None) -> list[WebhookDelivery]:
    rows = [
        WebhookDelivery(endpoint=endpoint, event=event)
        for endpoint in _subscribed(event.tenant_id, event.type, endpoints)
    ]
    return WebhookDelivery.objects.bulk_create(rows)


def customer_erase_record(
    *, tenant_id: int, before: dict, after: dict, personal_fields: list[str]
) -> Event:
    """Blank the customer's `personal_fields` (API names) in its history and events, then
    record the erasure itself (its changes name the erased fields, never their values).
    Pending webhook deliveries are built from the event when sent, so they follow."""
    personal = set(personal_fields)
    customer_id = str(after["id"])

    def scrub(values: dict) -> dict:
        return {k: (ERASED if k in personal else v) for k, v in values.items()}

    with transaction.atomic():
        for entry in AuditEntry.objects.select_for_update().filter(
            tenant_id=tenant_id, subject_type="customer", subject_id=customer_id
        ):
            entry.changes = {
                field: ([ERASED, ERASED] if field in personal else values)
                for field, values in entry.changes.items()
            }
            entry.save(update_fields=["changes"])
        for event in Event.objects.select_for_update().filter(
            tenant_id=tenant_id, customer_id=customer_id
        ):
            event.data = {key: scrub(value) for key, value in event.data.items()}
            event.save(update_fields=["data"])
        changes = _changes(before, after)
        changes = {
            field: ([ERASED, ERASED] if field in personal else values)
            for field, values in changes.items()
        }
        audit_record(
            tenant_id=tenant_id,
            subject_type="customer",
            subject_id=customer_id,
            action="erased",
            changes=changes,
        )
        event = Event.objects.create(
            tenant_id=tenant_id,
            type=EventType.CUSTOMER_ERASED,
            customer_id=customer_id,
            data={"object": after},
        )
        _enqueue(event)
    return event


def event_redeliver(*, event: Event) -> list[WebhookDelivery]:
    """Queue the event again for every enabled endpoint of its tenant that subscribes to it."""
    with transaction.atomic():
        return _enqueue(event)


def webhook_endpoint_create(
    *,
    tenant: Tenant,
    application: Application,
    url: str,
    events: list[str],
    description: str = "",
) -> WebhookEndpoint:
    """A new endpoint with a fresh secret; at most 16 per application (checked under a lock
    on the application row, so concurrent creates cannot overshoot)."""
    resolve_url(url, must_resolve=False)
    with transaction.atomic():
        Application.objects.select_for_update().filter(pk=application.pk).first()
        count = WebhookEndpoint.objects.filter(application=application).count()
        if count >= MAX_ENDPOINTS_PER_APPLICATION:
            raise EndpointLimitReached(
                MSG_ENDPOINT_LIMIT.format(limit=MAX_ENDPOINTS_PER_APPLICATION)
            )
        endpoint = WebhookEndpoint.objects.create(
            tenant=tenant,
            application=application,
            url=url,
            events=events,
            description=description,
            secret=new_secret(),
        )
        _endpoint_audit(endpoint, "created", {"url": [None, url], "events": [None, events]})
    return endpoint


def _endpoint_audit(endpoint: WebhookEndpoint, action: str, changes: dict | None = None) -> None:
    audit_record(
        tenant_id=endpoint.tenant_id,
        subject_type="webhook_endpoint",
        subject_id=endpoint.pk,
        action=action,
        changes=changes or {},
    )


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, data: dict[str, Any]) -> WebhookEndpoint:
    """Change url, events, description or enabled; `enabled: true` also clears the failing
    mark (staff or the client have fixed the receiver)."""
    if "url" in data:
        resolve_url(data["url"], must_resolve=False)
    with transaction.atomic():
        changes = {
            field: [getattr(endpoint, field), value]
            for field, value in data.items()
            if getattr(endpoint, field) != value
        }
        if data.get("enabled") and endpoint.failing_since is not None:
            changes["failingSince"] = [endpoint.failing_since.isoformat(), None]
            endpoint.failing_since = None
        if not changes:
            return endpoint
        for field, value in data.items():
            setattr(endpoint, field, value)
        endpoint.save()
        _endpoint_audit(endpoint, "updated", changes)
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    with transaction.atomic():
        _endpoint_audit(endpoint, "deleted")
        endpoint.delete()


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret now; the old one keeps signing (alongside) for 24 hours."""
    now = timezone.now()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = now + ROTATION_GRACE
        locked.secret = new_secret()
        locked.save()
        _endpoint_audit(locked, "secret_rotated")
    return locked


def signing_secrets(endpoint: WebhookEndpoint, now=None) -> list[str]:
    """The secrets that sign a delivery now: the current one, plus the previous one for 24 h."""
    now = now or timezone.now()
    live = [endpoint.secret]
    if endpoint.previous_secret and (endpoint.previous_secret_expires_at or now) > now:
        live.append(endpoint.previous_secret)
    return live
