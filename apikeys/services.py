"""Writes of applications and API keys: minting (the only moment a clear key exists), revoking."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from apikeys.keys import TENANT_KEY_TYPE, generate_key, hash_key, lookup_prefix
from apikeys.models import ALL_SCOPES, ApiKey, Application
from plans.models import Plan
from plans.selectors import plan_get_default
from tenants.models import Tenant


def application_create(
    *, tenant: Tenant, plan: Plan | None = None, name: str = "Default application"
) -> Application:
    """An application on `plan` (the default plan if None): pending while the plan requires
    approval, and with a trial end when the plan is a trial."""
    plan = plan or plan_get_default()
    trial_ends_at = timezone.now() + timedelta(days=plan.trial_days) if plan.trial_days else None
    return Application.objects.create(
        tenant=tenant,
        plan=plan,
        name=name,
        state=Application.State.PENDING if plan.requires_approval else Application.State.LIVE,
        trial_ends_at=trial_ends_at,
    )


def application_get_or_create_default(*, tenant: Tenant) -> Application:
    application = tenant.applications.order_by("created_at").first()
    return application or application_create(tenant=tenant)


def apikey_create(
    *,
    application: Application | None = None,
    tenant: Tenant | None = None,
    label: str = "",
    kind: str = TENANT_KEY_TYPE,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Mint a key and return (row, clear key). The clear key is never stored or shown again.

    Give the application, or just the tenant to use its first (default) application.
    """
    if application is None and tenant is not None:
        application = application_get_or_create_default(tenant=tenant)
    for _ in range(5):  # lookup prefixes are random; retry the astronomically rare clash
        raw = generate_key(kind)
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    application=application,
                    kind=kind,
                    label=label,
                    scopes=list(scopes) if scopes is not None else list(ALL_SCOPES),
                    prefix=lookup_prefix(raw),
                    key_hash=hash_key(raw),
                    expires_at=expires_at,
                )
            return key, raw
        except IntegrityError:
            continue
    raise RuntimeError("could not mint a unique API key prefix")


def apikey_revoke(*, key: ApiKey) -> ApiKey:
    """Revoke now; idempotent (the first revocation time is kept)."""
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key.refresh_from_db(fields=["revoked_at"])
    return key
