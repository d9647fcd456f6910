"""A tenant is one business using the service; every customer and key belongs to exactly one."""

import secrets

from django.db import models


def new_tenant_public_id() -> str:
    """Opaque, URL-safe and unguessable: what clients send in x-business-tenant-id."""
    return "tn_" + secrets.token_hex(8)


class Tenant(models.Model):
    public_id = models.CharField(
        max_length=64,
        unique=True,
        default=new_tenant_public_id,
        editable=True,
        help_text="Sent by clients in the x-business-tenant-id header.",
    )
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    default_region = models.CharField(
        max_length=2,
        default="IT",
        help_text="ISO 3166-1 alpha-2 region used to read phone numbers without a +country prefix.",
    )
    vat_strict = models.BooleanField(
        default=False, help_text="Refuse VAT numbers whose check digits are wrong."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"
