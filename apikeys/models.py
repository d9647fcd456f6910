"""Applications (a tenant's API client on a plan) and their API keys.

Plan and limits belong to the application, so all its keys share one quota. Only a hash of
each key is stored; the clear key is shown once when it is made.
"""

import secrets
from datetime import timedelta

from django.db import models
from django.utils import timezone

from apikeys.keys import PROVIDER_KEY_TYPE, TENANT_KEY_TYPE, key_matches

MAX_LIVE_KEYS_PER_APPLICATION = 5
DEFAULT_ROLL_GRACE = timedelta(hours=24)  # how long a rolled key keeps working by default
MAX_ROLL_GRACE = timedelta(days=7)


class Scope(models.TextChoices):
    READ = "read"
    WRITE = "write"


ALL_SCOPES = [Scope.READ.value, Scope.WRITE.value]


def new_app_id() -> str:
    return "app_" + secrets.token_hex(8)


def new_key_public_id() -> str:
    """The id a key is known by in the API (`key_…`); the integer pk stays internal."""
    return "key_" + secrets.token_hex(8)


def all_scopes() -> list[str]:
    return list(ALL_SCOPES)


def live_keys_q(now=None) -> models.Q:
    """The database form of ApiKey.is_live: not revoked and not expired (a rolled key in its
    grace period is live)."""
    now = now or timezone.now()
    return models.Q(revoked_at__isnull=True) & (
        models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
    )


class Application(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending approval"
        LIVE = "live", "Live"
        SUSPENDED = "suspended", "Suspended"

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="applications"
    )
    app_id = models.CharField(max_length=40, unique=True, default=new_app_id)
    name = models.CharField(max_length=100, default="Default application")
    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="applications")
    state = models.CharField(max_length=10, choices=State.choices, default=State.LIVE)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant", "created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.app_id})"


class ApiKey(models.Model):
    KIND_CHOICES = [(TENANT_KEY_TYPE, "Tenant key"), (PROVIDER_KEY_TYPE, "Provider key")]

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="keys",
        null=True,
        blank=True,
        help_text="Empty only for provider keys, which belong to the service operator.",
    )
    public_id = models.CharField(
        max_length=40, unique=True, default=new_key_public_id, editable=False
    )
    kind = models.CharField(max_length=3, choices=KIND_CHOICES, default=TENANT_KEY_TYPE)
    scopes = models.JSONField(default=all_scopes, blank=True, help_text=f"Any of {ALL_SCOPES}.")
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    rolled_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the key was rolled: from then on it is in its grace period, serving "
        "requests until expires_at but never managing keys (see apikeys.services).",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="apikey_tenant_key_has_application",
                condition=models.Q(kind=PROVIDER_KEY_TYPE) | models.Q(application__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.label or self.get_kind_display()})"

    @property
    def tenant(self):
        return self.application.tenant if self.application_id else None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def state(self, now=None) -> str:
        """revoked, expired, expiring (live until expires_at, e.g. rolled) or live."""
        if self.is_revoked:
            return "revoked"
        if self.expires_at is not None:
            return "expired" if self.is_expired(now) else "expiring"
        return "live"

    @property
    def is_rolled(self) -> bool:
        """Rolled (replaced): a live rolled key is in its grace period. A key created with an
        expiry is not: only apikey_roll sets rolled_at."""
        return self.rolled_at is not None

    def is_live(self, now=None) -> bool:
        """What makes a key usable (live_keys_q is the same rule as a query)."""
        return self.state(now) in ("live", "expiring")

    def matches(self, raw: str) -> bool:
        return key_matches(self.key_hash, raw)
