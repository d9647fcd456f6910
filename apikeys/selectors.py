"""Reads of API keys."""

from apikeys.models import ApiKey


def apikey_get_by_prefix(*, prefix: str) -> ApiKey | None:
    return (
        ApiKey.objects.select_related("application__tenant", "application__plan")
        .filter(prefix=prefix)
        .first()
    )
