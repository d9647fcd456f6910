"""Reads of API keys and applications."""

from django.db.models import QuerySet

from apikeys import auth_cache
from apikeys.models import ApiKey, Application, live_keys_q


def apikey_get_by_prefix(*, prefix: str) -> ApiKey | None:
    """The key row with its application and tenant (not the plan: only plan_id is promised)."""
    return ApiKey.objects.select_related("application__tenant").filter(prefix=prefix).first()


def apikey_resolve_versioned(*, prefix: str) -> tuple[ApiKey | None, str | None]:
    """(key, its version token): the shared-cache snapshot when current, else the database.

    Warm, this costs one cache round trip and no query. See apikeys.auth_cache for why a
    revocation or suspension is still seen on the next request by every process. The token
    is None only when the cache is unreachable.
    """
    hit, key, version = auth_cache.snapshot_get(prefix)
    if hit:
        return key, version
    key = apikey_get_by_prefix(prefix=prefix)
    auth_cache.snapshot_set(prefix, key, version)
    return key, version


def apikey_resolve(*, prefix: str) -> ApiKey | None:
    return apikey_resolve_versioned(prefix=prefix)[0]


def apikey_list(*, application: Application) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(application=application).order_by("-created_at", "-pk")


def _key_pk(key_id) -> int | None:
    try:
        key_id = int(key_id)
    except (TypeError, ValueError):
        return None
    if not 0 < key_id < 2**63:  # beyond bigint PostgreSQL would raise, not answer "no row"
        return None
    return key_id


def apikey_get(*, application: Application, key_id) -> ApiKey | None:
    """A key of this application only: another application's or tenant's id is None (404)."""
    key_id = _key_pk(key_id)
    if key_id is None:
        return None
    return ApiKey.objects.filter(application=application, pk=key_id).first()


def apikey_get_of_tenant(*, tenant, key_id) -> ApiKey | None:
    """A key of any of this tenant's applications: another tenant's id is None (404)."""
    key_id = _key_pk(key_id)
    if key_id is None:
        return None
    return (
        ApiKey.objects.select_related("application")
        .filter(application__tenant=tenant, pk=key_id)
        .first()
    )


def application_list(*, tenant) -> QuerySet[Application]:
    return Application.objects.filter(tenant=tenant).select_related("plan").order_by("created_at")


def application_get(*, tenant, app_id: str) -> Application | None:
    """One of this tenant's applications by its public app id (another tenant's: None)."""
    return application_list(tenant=tenant).filter(app_id=app_id).first()


def apikey_count_live(*, application: Application, now=None) -> int:
    return ApiKey.objects.filter(live_keys_q(now), application=application).count()
