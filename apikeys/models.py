"""API keys: only a hash is stored; the clear key is shown once when it is made."""

from django.db import models
from django.utils import timezone

from apikeys.keys import PROVIDER_KEY_TYPE, TENANT_KEY_TYPE


class ApiKey(models.Model):
    KIND_CHOICES = [(TENANT_KEY_TYPE, "Tenant key"), (PROVIDER_KEY_TYPE, "Provider key")]

    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.CASCADE,
        related_name="api_keys",
        null=True,
        blank=True,
        help_text="Empty only for provider keys, which belong to the service operator.",
    )
    kind = models.CharField(max_length=3, choices=KIND_CHOICES, default=TENANT_KEY_TYPE)
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="apikey_tenant_key_has_tenant",
                condition=models.Q(kind=PROVIDER_KEY_TYPE) | models.Q(tenant__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.label or self.get_kind_display()})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
