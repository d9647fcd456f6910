"""Writes of tenants: provisioning a tenant together with its first API key."""

from django.core.exceptions import ValidationError
from django.db import transaction
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from tenants.models import Tenant

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


@transaction.atomic
def tenant_provision(
    *, name: str, region: str = "IT", vat_strict: bool = False, plan_slug: str | None = None
) -> tuple[Tenant, str]:
    """A tenant, an application on the named plan (default plan if None) and its first key,
    in one transaction."""
    from apikeys.services import apikey_create, application_create
    from plans.selectors import plan_get_by_slug

    plan = None
    if plan_slug:
        plan = plan_get_by_slug(slug=plan_slug)
        if plan is None:
            raise ValidationError(f"Unknown plan {plan_slug!r}.")
    tenant = tenant_create(name=name, region=region, vat_strict=vat_strict)
    application = application_create(tenant=tenant, plan=plan)
    _key, raw = apikey_create(application=application, label="default")
    return tenant, raw
