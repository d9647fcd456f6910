"""Writes of API keys: minting (the only moment the clear key exists) and revoking."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from apikeys.keys import TENANT_KEY_TYPE, generate_key, hash_key, lookup_prefix
from apikeys.models import ApiKey
from tenants.models import Tenant


def apikey_create(
    *,
    tenant: Tenant | None,
    label: str = "",
    kind: str = TENANT_KEY_TYPE,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Mint a key and return (row, clear key). The clear key is never stored or shown again."""
    for _ in range(5):  # lookup prefixes are random; retry the astronomically rare clash
        raw = generate_key(kind)
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    tenant=tenant,
                    kind=kind,
                    label=label,
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
