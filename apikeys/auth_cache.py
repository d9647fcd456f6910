"""The shared (Redis) cache of key snapshots that makes warm authentication query-free.

Each key prefix has two entries: a snapshot (the pickled ApiKey with its application and
tenant) tagged with a version token, and the current version token. A reader fetches both in
one round trip and uses the snapshot only when the tags agree. Every write that changes what a
key may do (revoke, roll, application state or plan, tenant changes, deletes) replaces the
version token, so every process sees the change on its very next request.

Why a version token and not just a delete: a reader that loaded the database just before a
revocation committed could otherwise write the stale row back after the delete. Such a reader
read the old token first, so its snapshot is tagged with a token that is no longer current.

Tokens are replaced twice: at once (inside the writer's transaction, which also keeps tests
that never commit honest) and again on commit (so a reader that cached the not-yet-committed
state in between is rejected as well). No per-process copy is kept: nothing can go stale.

Hot path: each process also keeps the last snapshot it loaded per prefix, with its token
(`local_get`), for at most SNAPSHOT_TTL seconds (so it cannot outlive a token, VERSION_TTL).
Such a copy is used only where its token is confirmed in the same atomic step as the work it
admits: the limiter's Lua script checks `version_guard` before counting the call, and a stale
token makes the caller reload and re-check (see apikeys.authentication). Only snapshots with
a real token are kept locally: a missing token (evicted, or Redis restarted empty) never
confirms anything.

Without Redis (the SQLite default) the cache is Django's in-process LocMemCache, which is
correct only for a single process; run one worker there (the Makefile does).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from apikeys.models import ApiKey
from core.cache_errors import CACHE_ERRORS

logger = logging.getLogger(__name__)

SNAPSHOT_TTL = 300  # seconds; also bounds the damage if a version bump is ever lost
VERSION_TTL = 3 * SNAPSHOT_TTL  # outlives every snapshot that could carry an older token
USED_GUARD_TTL = 60  # last_used_at is written at most once a minute per key

USED_CLAIM_TTL = USED_GUARD_TTL
LOCAL_MAX_ENTRIES = 10_000

_MISSING = "missing"  # negative entry: no key with this prefix (valid checksums are cheap)

# prefix -> (ApiKey, version token, time.monotonic() when loaded); see local_get.
_local: dict[str, tuple[object, str, float]] = {}


def _snapshot_key(prefix: str) -> str:
    return f"auth:key:{prefix}"


def _version_key(prefix: str) -> str:
    return f"auth:ver:{prefix}"


def _used_key(key_id: int) -> str:
    return f"auth:used:{key_id}"


def version_guard(prefix: str, version: str) -> tuple[str, str]:
    """The limiter guard confirming that a snapshot tagged `version` is still current."""
    return _version_key(prefix), version


def used_claim(key_id: int) -> tuple[str, int]:
    """The limiter claim that is won at most once a minute per key (see apikey_touch)."""
    return _used_key(key_id), USED_CLAIM_TTL


def local_get(prefix: str) -> tuple[object, str] | None:
    """(ApiKey, version token) this process loaded at most SNAPSHOT_TTL ago; unconfirmed."""
    entry = _local.get(prefix)
    if entry is None or time.monotonic() - entry[2] > SNAPSHOT_TTL:
        return None
    return entry[0], entry[1]


def local_put(prefix: str, key, version: str) -> None:
    if len(_local) >= LOCAL_MAX_ENTRIES:
        _local.clear()  # rare; a cleared entry costs one reload
    _local[prefix] = (key, version, time.monotonic())


def local_drop(prefix: str) -> None:
    _local.pop(prefix, None)


def snapshot_get(prefix: str) -> tuple[bool, object | None, str | None]:
    """(hit, ApiKey or None, version token). On a miss the token is what a later
    snapshot_set must be tagged with; it is read (or made) before the database on purpose."""
    try:
        values = cache.get_many([_snapshot_key(prefix), _version_key(prefix)])
        version = values.get(_version_key(prefix))
        if version is None:  # make one, so that a later change has a token to replace
            token = secrets.token_hex(8)
            added = cache.add(_version_key(prefix), token, VERSION_TTL)
            version = token if added else cache.get(_version_key(prefix))
    except CACHE_ERRORS:  # an outage must not lock everyone out: read the database
        logger.warning("auth cache unavailable; reading the key from the database", exc_info=True)
        return False, None, None
    entry = values.get(_snapshot_key(prefix))
    if isinstance(entry, dict) and entry.get("ver") == version:
        key = entry.get("key")
        return True, (None if key == _MISSING else key), version
    return False, None, version


def snapshot_set(prefix: str, key, version: str | None) -> None:
    """Store what the database said, tagged with the token read before the query."""
    try:
        cache.set(
            _snapshot_key(prefix),
            {"ver": version, "key": _MISSING if key is None else key},
            SNAPSHOT_TTL,
        )
    except CACHE_ERRORS:
        logger.warning("auth cache unavailable; key snapshot not stored", exc_info=True)


def _bump(prefixes: list[str]) -> None:
    for prefix in prefixes:
        local_drop(prefix)
    cache.set_many({_version_key(p): secrets.token_hex(8) for p in prefixes}, VERSION_TTL)
    cache.delete_many([_snapshot_key(p) for p in prefixes])


def _bump_on_commit_too(prefixes: list[str]) -> None:
    """Errors from the immediate bump propagate on purpose: inside the caller's transaction they
    roll the write back, so a revocation never succeeds while its invalidation failed."""
    if not prefixes:
        return
    _bump(prefixes)
    transaction.on_commit(lambda: _bump(prefixes), robust=True)


def forget(
    *,
    key_prefixes: Iterable[str] = (),
    application_ids: Iterable[int] = (),
    tenant_ids: Iterable[int] = (),
) -> None:
    """The one entry point for invalidation: every process reloads these keys (given by
    prefix, or all keys of these applications or tenants) on its next request. Call it inside
    the transaction that changes what the keys may do, before deleting their rows."""
    prefixes = set(key_prefixes)
    application_ids, tenant_ids = list(application_ids), list(tenant_ids)
    if application_ids or tenant_ids:
        owned = Q(application_id__in=application_ids) | Q(application__tenant_id__in=tenant_ids)
        prefixes.update(ApiKey.objects.filter(owned).values_list("prefix", flat=True))
    _bump_on_commit_too(sorted(prefixes))


def claim_usage_write(key_id: int) -> bool:
    """True at most once a minute per key across processes (Redis add is atomic)."""
    try:
        return bool(cache.add(_used_key(key_id), 1, USED_GUARD_TTL))
    except CACHE_ERRORS:  # fall back to the database's own once-a-minute guard
        return True
