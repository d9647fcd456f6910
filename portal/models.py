"""Tenant users (people who sign in to the developer portal) and one-time login tokens."""

from django.conf import settings
from django.db import models


class TenantUser(models.Model):
    """Links a Django user to exactly one tenant with a role: owners change keys and see
    members; members only look."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tenant_membership"
    )
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="portal_users"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant", "user__email"]

    def __str__(self) -> str:
        return f"{self.user.email or self.user.username} ({self.role} of {self.tenant_id})"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


class LoginToken(models.Model):
    """A one-time login link (SSO or `portal_login_link`). Only a hash is stored; redeeming
    sets `used_at` with a conditional UPDATE, so the database lets exactly one request in."""

    token_hash = models.CharField(max_length=64, unique=True)
    tenant_user = models.ForeignKey(TenantUser, on_delete=models.CASCADE, related_name="tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="portal_token_expiry_idx")]

    def __str__(self) -> str:
        return f"login token for {self.tenant_user_id} (expires {self.expires_at:%H:%M:%S})"
