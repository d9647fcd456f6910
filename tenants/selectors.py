"""Reads of tenants."""

from tenants.models import Tenant


def tenant_get_by_public_id(*, public_id: str) -> Tenant | None:
    """The tenant with this public id (`tn_…`), or None."""
    return Tenant.objects.filter(public_id=public_id).first()
