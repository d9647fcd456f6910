"""Reads of API keys and applications."""

from django.db.models import QuerySet

from apikeys import auth_cache
from apikeys.models import ApiKey, Application, live_keys_q
from core.pagination import keyset_slice, make_sorts


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


# Newest first; the pk breaks ties between keys made in the same instant.
NEWEST_FIRST = make_sorts({"createdAt": ("created_at", True)})["-createdAt"]


def apikey_list_page(
    *, application: Application, cursor: str | None, limit: int
) -> tuple[list[ApiKey], str | None]:
    """One keyset page of the application's keys, newest first: (keys, next cursor)."""
    return keyset_slice(
        apikey_list(application=application), sort=NEWEST_FIRST, cursor=cursor, limit=limit
    )


def apikey_get(*, application: Application, key_id: str) -> ApiKey | None:
    """A key of this application by its public id (`key_…`): another application's or
    tenant's key, or anything that is not such an id, is None (404)."""
    if not isinstance(key_id, str) or not key_id.startswith("key_") or len(key_id) > 40:
        return None
    return ApiKey.objects.filter(application=application, public_id=key_id).first()


def application_list(*, tenant) -> QuerySet[Application]:
    return Application.objects.filter(tenant=tenant).select_related("plan").order_by("created_at")


def application_get(*, tenant, app_id: str) -> Application | None:
    """One of this tenant's applications by its public app id (another tenant's: None)."""
    return application_list(tenant=tenant).filter(app_id=app_id).first()


def apikey_count_live(*, application: Application, now=None) -> int:
    return ApiKey.objects.filter(live_keys_q(now), application=application).count()
