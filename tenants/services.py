"""Writes of tenants, and the changes that the shared auth cache (which holds a copy of each
key's tenant) must hear about, announced through tenants.signals."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from core.audit import announce, diff
from tenants.models import Tenant
from tenants.signals import tenants_changed

_KNOWN_REGIONS = {r for regions in COUNTRY_CODE_TO_REGION_CODE.values() for r in regions}
# The two-letter ISO codes among them (the API's region fields), as tenant_validate_region
# accepts them: in either case.
REGION_CODES = sorted(r for r in _KNOWN_REGIONS if len(r) == 2 and r.isalpha())


def _announce(tenant_ids: list[int]) -> None:
    """Tell the apps that cache tenants (authentication) to forget these."""
    tenants_changed.send(sender=Tenant, tenant_ids=tenant_ids)


_AUDITED = ("name", "default_region", "vat_strict", "is_active")


def _audit(tenant: Tenant, action: str, changes: dict, **kwargs) -> None:
    """History entry (core.audit); a deleted tenant's entry outlives it, so it names no tenant."""
    kwargs.setdefault("tenant_id", tenant.pk)
    announce(
        subject_type="tenant", subject_id=tenant.public_id, action=action, changes=changes, **kwargs
    )


def tenant_validate_region(region: str) -> str:
    region = (region or "").upper()
    if region not in _KNOWN_REGIONS:
        raise ValidationError(f"Unknown phone region {region!r}; use an ISO code such as IT.")
    return region


@transaction.atomic
def tenant_create(
    *, name: str, region: str = "IT", vat_strict: bool = False, public_id: str | None = None
) -> Tenant:
    """A new tenant (its public id generated unless staff chose one), with its history entry."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("A tenant needs a name.")
    extra = {"public_id": public_id} if public_id else {}
    tenant = Tenant.objects.create(
        name=name, default_region=tenant_validate_region(region), vat_strict=vat_strict, **extra
    )
    _audit(
        tenant, "created", {"name": [None, name], "default_region": [None, tenant.default_region]}
    )
    return tenant


@transaction.atomic
def tenant_update(*, tenant: Tenant, fields: list[str] | None = None) -> Tenant:
    """Save staff edits. Authentication caches each key's tenant (is_active, region, VAT
    strictness), so every process must reload it on its next request."""
    old = Tenant.objects.filter(pk=tenant.pk).values(*_AUDITED).first() or {}
    tenant.save(update_fields=[*fields, "updated_at"] if fields else None)
    _audit(tenant, "updated", diff(old, {f: getattr(tenant, f) for f in _AUDITED}))
    _announce([tenant.pk])
    return tenant


@transaction.atomic
def tenant_set_active(*, tenant: Tenant, is_active: bool) -> bool:
    """Activate or deactivate; a deactivated tenant's keys are refused (403 tenant_inactive)
    from the next request on, in every process. Returns whether the row changed."""
    changed = bool(
        Tenant.objects.filter(pk=tenant.pk)
        .exclude(is_active=is_active)
        .update(is_active=is_active, updated_at=timezone.now())
    )
    if changed:
        _announce([tenant.pk])
        _audit(
            tenant,
            "activated" if is_active else "deactivated",
            {"is_active": [not is_active, is_active]},
        )
    tenant.refresh_from_db(fields=["is_active", "updated_at"])
    return changed


@transaction.atomic
def tenant_delete_many(*, tenant_ids: list[int]) -> None:
    """Delete tenants with everything they own; every process forgets their keys first."""
    _announce(tenant_ids)
    for tenant in Tenant.objects.filter(pk__in=tenant_ids):
        _audit(tenant, "deleted", {"name": [tenant.name, None]}, tenant_id=None)
    Tenant.objects.filter(pk__in=tenant_ids).delete()
