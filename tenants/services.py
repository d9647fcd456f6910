"""Writes of tenants: provisioning a tenant together with its first API key, and changes
that the shared auth cache (which holds a copy of each key's tenant) must hear about."""

from typing import TYPE_CHECKING, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from tenants.models import Tenant

if TYPE_CHECKING:
    from apikeys.models import Application
    from plans.models import Plan

_KNOWN_REGIONS = {r for regions in COUNTRY_CODE_TO_REGION_CODE.values() for r in regions}


def tenant_validate_region(region: str) -> str:
    region = (region or "").upper()
    if region not in _KNOWN_REGIONS:
        raise ValidationError(f"Unknown phone region {region!r}; use an ISO code such as IT.")
    return region


@transaction.atomic
def tenant_create(*, name: str, region: str = "IT", vat_strict: bool = False) -> Tenant:
    name = (name or "").strip()
    if not name:
        raise ValidationError("A tenant needs a name.")
    return Tenant.objects.create(
        name=name, default_region=tenant_validate_region(region), vat_strict=vat_strict
    )


class Provisioned(NamedTuple):
    tenant: Tenant
    application: "Application"
    api_key: str  # the clear key, shown once


@transaction.atomic
def tenant_provision_application(
    *,
    name: str,
    region: str = "IT",
    vat_strict: bool = False,
    plan: "Plan | None" = None,
    plan_slug: str | None = None,
) -> Provisioned:
    """A tenant, an application on the plan (given, by slug, or the default plan) and its
    first key, in one transaction. The application is pending if the plan requires approval."""
    from apikeys.services import apikey_create, application_create
    from plans.selectors import plan_get_by_slug

    if plan is None and plan_slug:
        plan = plan_get_by_slug(slug=plan_slug)
        if plan is None:
            raise ValidationError(f"Unknown plan {plan_slug!r}.")
    tenant = tenant_create(name=name, region=region, vat_strict=vat_strict)
    application = application_create(tenant=tenant, plan=plan)
    _key, raw = apikey_create(application=application, label="default")
    return Provisioned(tenant, application, raw)


def tenant_provision(
    *, name: str, region: str = "IT", vat_strict: bool = False, plan_slug: str | None = None
) -> tuple[Tenant, str]:
    """(tenant, clear key): tenant_provision_application for callers that need no more."""
    result = tenant_provision_application(
        name=name, region=region, vat_strict=vat_strict, plan_slug=plan_slug
    )
    return result.tenant, result.api_key


@transaction.atomic
def tenant_update(*, tenant: Tenant, fields: list[str] | None = None) -> Tenant:
    """Save staff edits. Authentication caches each key's tenant (is_active, region, VAT
    strictness), so every process must reload it on its next request."""
    from apikeys.services import auth_cache_forget

    tenant.save(update_fields=[*fields, "updated_at"] if fields else None)
    auth_cache_forget(tenant_ids=[tenant.pk])
    return tenant


@transaction.atomic
def tenant_set_active(*, tenant: Tenant, is_active: bool) -> bool:
    """Activate or deactivate; a deactivated tenant's keys are refused (403 tenant_inactive)
    from the next request on, in every process. Returns whether the row changed."""
    from apikeys.services import auth_cache_forget

    changed = bool(
        Tenant.objects.filter(pk=tenant.pk)
        .exclude(is_active=is_active)
        .update(is_active=is_active, updated_at=timezone.now())
    )
    if changed:
        auth_cache_forget(tenant_ids=[tenant.pk])
    tenant.refresh_from_db(fields=["is_active", "updated_at"])
    return changed
