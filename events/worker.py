"""The webhook delivery worker: claims due outbox rows, POSTs them signed, records the outcome.

Several workers (threads, processes, machines) share the rows: a claim is one transaction
that selects due rows FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite serialises writers, so one
worker there) and leases them. The HTTP call happens outside any transaction, and the result
is written only while the lease holds, so an attempt is never delivered twice by two
workers, and a worker killed mid-delivery loses nothing: its rows are due again when the
lease runs out, and the event goes out again (at-least-once; receivers dedupe on webhook-id).
"""

import json
import logging
import random
import secrets
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from events.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from events.outbound import PostResult, post_json
from events.services import signing_secrets
from events.signing import signature_headers

logger = logging.getLogger(__name__)

# Seconds to wait after failed attempt n (1-based), each with ±20 % jitter: the first retry
# comes within 10 s, then they grow; the last one is about 3.9 days after the first attempt
# (at least 75 h even with the least jitter). After it the delivery fails for good.
RETRY_SCHEDULE = [
    5,
    30,
    2 * 60,
    10 * 60,
    30 * 60,
    60 * 60,
    3 * 3600,
    6 * 3600,
    12 * 3600,
    24 * 3600,
    24 * 3600,
    24 * 3600,
]
JITTER = 0.2
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1


def retry_delay(failed_attempts: int, rng=random) -> timedelta | None:
    """How long after the `failed_attempts`-th failure to try again; None: give up."""
    if failed_attempts >= MAX_ATTEMPTS:
        return None
    base = RETRY_SCHEDULE[failed_attempts - 1]
    return timedelta(seconds=base * rng.uniform(1 - JITTER, 1 + JITTER))


def claim(*, batch: int, now=None) -> tuple[str, list[WebhookDelivery]]:
    """Lease up to `batch` due deliveries to this caller: (lease token, rows). Rows of a
    disabled endpoint stay pending and go out once it is enabled again."""
    now = now or timezone.now()
    token = secrets.token_hex(8)
    lease_until = now + timedelta(seconds=settings.WEBHOOKS_LEASE_SECONDS)
    with transaction.atomic():
        due = (
            # of=self: lock only the delivery rows, not the joined endpoint (which every
            # claimer would then skip).
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=DeliveryStatus.PENDING,
                next_attempt_at__lte=now,
                endpoint__enabled=True,  # a disabled endpoint's rows wait for re-enabling
            )
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:batch]
        )
        ids = list(due)
        if ids:
            WebhookDelivery.objects.filter(id__in=ids).update(
                lease=token, next_attempt_at=lease_until
            )
    rows = (
        WebhookDelivery.objects.filter(id__in=ids, lease=token)
        .select_related("endpoint", "event")
        .order_by("id")
    )
    return token, list(rows)


def _send(delivery: WebhookDelivery) -> PostResult:
    endpoint, event = delivery.endpoint, delivery.event
    if not endpoint.enabled:
        return PostResult(None, 0, "endpoint disabled")
    body = json.dumps(event.payload(), separators=(",", ":")).encode()
    headers = signature_headers(
        signing_secrets(endpoint), msg_id=event.id, timestamp=int(time.time()), body=body
    )
    return post_json(endpoint.url, body, headers)


def record(delivery: WebhookDelivery, token: str, result: PostResult, now=None) -> str:
    """Write one attempt's outcome; the delivery row changes only if `token` still holds
    its lease. Returns the delivery's new status (or "lost" if the lease had passed on)."""
    now = now or timezone.now()
    attempts = delivery.attempts + 1
    if result.ok:
        status, next_at = DeliveryStatus.SUCCEEDED, None
    elif (delay := retry_delay(attempts)) is None:
        status, next_at = DeliveryStatus.FAILED, None
    else:
        status, next_at = DeliveryStatus.PENDING, now + delay
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            succeeded=result.ok,
            response_status=result.status,
            latency_ms=result.latency_ms,
            error=result.error[:500],
        )
        held = WebhookDelivery.objects.filter(
            pk=delivery.pk, lease=token, status=DeliveryStatus.PENDING
        ).update(status=status, attempts=F("attempts") + 1, next_attempt_at=next_at, lease="")
        if not held:
            return "lost"
        endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
        if status == DeliveryStatus.FAILED:
            endpoints.filter(failing_since__isnull=True).update(failing_since=now)
        elif status == DeliveryStatus.SUCCEEDED:
            endpoints.filter(failing_since__isnull=False).update(failing_since=None)
    return status


def release(ids: list[int], token: str) -> None:
    """Hand claimed but unsent rows back at once (a graceful stop)."""
    WebhookDelivery.objects.filter(id__in=ids, lease=token).update(
        lease="", next_attempt_at=timezone.now()
    )


class Worker:
    """Claims and delivers in a loop until `stop()` (SIGTERM): the delivery in flight is
    finished and recorded, the rest of the batch handed back."""

    def __init__(self, *, batch: int = 10, poll_interval: float = 1.0):
        self.batch = batch
        self.poll_interval = poll_interval
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run_once(self, now=None) -> int:
        """Deliver what is due now; returns how many attempts were made."""
        token, rows = claim(batch=self.batch, now=now)
        done = 0
        for index, delivery in enumerate(rows):
            if self.stopping:
                release([row.id for row in rows[index:]], token)
                break
            result = _send(delivery)
            status = record(delivery, token, result, now=now)
            logger.info(
                "webhook %s -> %s: %s (%s, %d ms)",
                delivery.event_id,
                delivery.endpoint_id,
                status,
                result.status or result.error,
                result.latency_ms,
            )
            done += 1
        return done

    def run_forever(self) -> None:
        while not self.stopping:
            close_old_connections()
            try:
                done = self.run_once()
            except Exception:  # a database hiccup must not kill the worker; log and go on
                logger.exception("webhook worker loop failed; retrying")
                done = 0
            if not done:
                self._stop.wait(self.poll_interval)
        close_old_connections()
