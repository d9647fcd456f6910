"""Work that spans tenants, plans and API keys: a new tenant with its application and first key.

This module sits above those apps, so they never need to import each other to provision.
"""

from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction

from apikeys.models import ApiKey, Application
from apikeys.services import apikey_check_actor, apikey_create, application_create
from plans.models import Plan
from plans.selectors import plan_get_by_slug
from tenants.models import Tenant
from tenants.services import tenant_create


class Provisioned(NamedTuple):
    tenant: Tenant
    application: Application
    api_key: str  # the clear key, shown once


@transaction.atomic
def onboarding_provision(
    *,
    name: str,
    region: str = "IT",
    vat_strict: bool = False,
    plan: Plan | None = None,
    plan_slug: str | None = None,
    actor: ApiKey | None = None,
) -> Provisioned:
    """A tenant, an application on the plan (given, by slug, or the default plan) and its
    first key, in one transaction. The application is pending if the plan requires approval.
    With `actor` (the provider key that asked), apikey_check_actor applies: a rolled provider
    key cannot sign tenants up."""
    if actor is not None:
        apikey_check_actor(actor=actor)
    if plan is None and plan_slug:
        plan = plan_get_by_slug(slug=plan_slug)
        if plan is None:
            raise ValidationError(f"Unknown plan {plan_slug!r}.")
    tenant = tenant_create(name=name, region=region, vat_strict=vat_strict)
    application = application_create(tenant=tenant, plan=plan)
    _key, raw = apikey_create(application=application, label="default")
    return Provisioned(tenant, application, raw)
