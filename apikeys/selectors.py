"""Reads of API keys."""

from apikeys.models import ApiKey


def apikey_get_by_prefix(*, prefix: str) -> ApiKey | None:
    return ApiKey.objects.select_related("tenant").filter(prefix=prefix).first()
