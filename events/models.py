"""History (append-only audit), the events feed and webhook delivery rows.

All are written in the transaction of the change they describe (a transactional outbox):
a committed change always has them, a rolled-back one never does. This app sits below
customers, so nothing here points at a customer row: customers are named by id and arrive
as the dict the API renders.
"""

import secrets

from django.db import models
from django.utils import timezone


def _ulid_like(prefix: str) -> str:
    """prefix + 12 hex digits of milliseconds + 16 random hex: unique and roughly time-sorted."""
    millis = int(timezone.now().timestamp() * 1000)
    return f"{prefix}{millis:012x}{secrets.token_hex(8)}"


def new_event_id() -> str:
    return _ulid_like("evt_")


def new_endpoint_id() -> str:
    return _ulid_like("we_")


class AuditEntry(models.Model):
    """One recorded change: who (actor), what (subject, action, changed fields), when, request."""

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_type = models.CharField(max_length=32, help_text="customer, apikey, application, …")
    subject_id = models.CharField(max_length=64)
    action = models.CharField(max_length=32)
    changes = models.JSONField(default=dict, blank=True, help_text='{"field": [old, new]}')
    actor = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(
                fields=["tenant", "subject_type", "subject_id", "created_at", "id"],
                name="audit_subject_created",
            ),
            models.Index(fields=["created_at", "id"], name="audit_created"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_type} {self.subject_id} {self.action}"


class EventType(models.TextChoices):
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    CUSTOMER_DELETED = "customer.deleted"
    CUSTOMER_RESTORED = "customer.restored"
    CUSTOMER_ERASED = "customer.erased"


class Event(models.Model):
    """A customer change as the feed and webhooks publish it."""

    id = models.CharField(primary_key=True, max_length=40, default=new_event_id, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=40, choices=EventType.choices)
    customer_id = models.UUIDField()
    data = models.JSONField(help_text='{"object": customer, "previousAttributes": {...}}')
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="event_tenant_created"),
            models.Index(fields=["tenant", "customer_id"], name="event_tenant_customer"),
        ]

    def __str__(self) -> str:
        return self.id

    def payload(self) -> dict:
        """The JSON object the feed returns and webhooks POST."""
        return {
            "id": self.id,
            "type": self.type,
            "createdAt": self.created_at.isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }


MAX_ENDPOINTS_PER_APPLICATION = 16


class WebhookEndpoint(models.Model):
    """Where an application wants events POSTed, and the secret that signs them."""

    id = models.CharField(primary_key=True, max_length=40, default=new_endpoint_id, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey(
        "apikeys.Application", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2048)
    events = models.JSONField(default=list, help_text='e.g. ["customer.created", "customer.*"]')
    description = models.CharField(max_length=500, blank=True)
    enabled = models.BooleanField(default=True)
    # Signing needs the secret itself (HMAC), so it is stored; it is shown to the client once.
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="Set when a delivery exhausted its retries."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.id} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class WebhookDelivery(models.Model):
    """The outbox row: one event owed to one endpoint, retried until delivered or given up.

    A worker claims a due row with SELECT … FOR UPDATE SKIP LOCKED, pushes `next_attempt_at`
    past a lease and stamps `lease`; it records the attempt only while its lease still
    holds, so a worker killed mid-delivery loses nothing: the row is due again when the
    lease runs out (at-least-once).
    """

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    lease = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["endpoint", "created_at", "id"], name="delivery_endpoint_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: outcome, response code and latency."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    attempted_at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField(default=False)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at:%Y-%m-%d %H:%M:%S}"
