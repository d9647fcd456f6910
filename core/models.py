"""Plumbing state shared by every app: the stored responses of Idempotency-Key requests."""

from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """The first response to a POST sent with an Idempotency-Key, replayed to its retries.

    `scope` names whose key it is (the caller's application, or a provider key) as the
    authenticated principal says; plain text, no foreign key, so core depends on no app.
    """

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField()
    headers = models.JSONField(default=list, help_text="[name, value] pairs set by the view.")
    body = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} -> {self.status_code}"
