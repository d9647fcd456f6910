"""Bearer API-key authentication: the one place a request is tied to its tenant.

Keys resolve through the shared auth cache (apikeys.auth_cache). A tenant key this process
has seen recently is taken from its local copy at no cost, as an *unconfirmed* principal:
its version token rides as a guard in the limiter's one Lua call (plans.throttling), which
counts the call only if the token is still current. A stale token, or a refusal by a
permission, reloads the principal (`refreshed`) and decides again on current data; so warm
calls cost one Redis round trip in all, and revocations are still seen at once.
"""

import hmac
from dataclasses import dataclass

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from apikeys import auth_cache
from apikeys.exceptions import (
    MSG_EXPIRED,
    MSG_INVALID,
    MSG_MALFORMED,
    MSG_PROVIDER_KEY_ON_TENANT_ROUTE,
    MSG_REVOKED,
    MSG_TENANT_KEY_ON_PROVIDER_ROUTE,
    KeyAuthenticationFailed,
)
from apikeys.keys import PROVIDER_KEY_TYPE, TENANT_KEY_TYPE, parse_key
from apikeys.models import ApiKey
from apikeys.selectors import apikey_resolve_versioned
from apikeys.services import apikey_record_use, apikey_touch
from tenants.models import Tenant


@dataclass(frozen=True)
class ApiPrincipal:
    """What request.user is for API calls: the key, its application and tenant.

    Other layers (plan gating, throttles, usage) read only `tenant`, `application`,
    `key_id`, `application_id` and `plan_id`, so how they are resolved can change freely.
    The objects may come from the cache: `application.plan` is not loaded (use `plan_id`).
    """

    key: ApiKey
    tenant: Tenant | None
    # Limiter guards that confirm this principal is current; empty when it was just loaded.
    guards: tuple[tuple[str, str], ...] = ()

    is_authenticated = True
    is_anonymous = False

    @property
    def pk(self):  # DRF's throttles and logging like a pk
        return self.key.pk

    @property
    def key_id(self) -> int:
        return self.key.pk

    @property
    def application(self):
        return self.key.application if self.key.application_id else None

    @property
    def application_id(self) -> int | None:
        return self.key.application_id

    @property
    def plan_id(self) -> int | None:
        return self.key.application.plan_id if self.key.application_id else None

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.key.scopes or ())

    @property
    def is_provider(self) -> bool:
        return self.key.kind == PROVIDER_KEY_TYPE

    @property
    def confirmed(self) -> bool:
        """Read from the shared cache or database for this request, not a local copy."""
        return not self.guards

    @property
    def use_claims(self) -> list[tuple[str, int]]:
        """Limiter claims that record last use (a just-loaded principal recorded it already)."""
        return [auth_cache.used_claim(self.key.pk)] if self.guards else []

    def record_use(self) -> None:
        apikey_record_use(key_id=self.key.pk)

    def refreshed(self) -> "ApiPrincipal":
        """The same key read again from the shared cache or database (401 if it no longer
        authenticates): for when this unconfirmed principal turned out to be stale."""
        auth_cache.local_drop(self.key.prefix)
        return _load(
            self.key.prefix,
            self.key.kind,
            lambda key: hmac.compare_digest(key.key_hash, self.key.key_hash),
        )

    @property
    def idempotency_scope(self) -> str:
        """Whose Idempotency-Keys these are (core.idempotency): the application, so all its
        keys share them; a provider key, which has no application, has its own."""
        if self.key.application_id:
            return f"app:{self.key.application_id}"
        return f"key:{self.key.pk}"


class _BearerKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>`. Bad checksums are refused before any cache or database
    lookup; a key of the other kind is a 401 `wrong_key_type`."""

    keyword = b"bearer"
    kind = TENANT_KEY_TYPE
    wrong_kind_message = ""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            return None  # -> NotAuthenticated (401) from the permission check
        if header[0].lower() != self.keyword or len(header) != 2:
            raise KeyAuthenticationFailed(MSG_MALFORMED)
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise KeyAuthenticationFailed(MSG_MALFORMED) from exc
        parsed = parse_key(raw)
        if parsed is None:
            raise KeyAuthenticationFailed(MSG_INVALID)
        if parsed[0] != self.kind:
            raise KeyAuthenticationFailed(self.wrong_kind_message, "wrong_key_type")
        prefix = parsed[1]
        if self.kind == TENANT_KEY_TYPE:
            cached = auth_cache.local_get(prefix)
            if cached is not None:
                key, version = cached
                if key.matches(raw) and key.is_live():
                    guard = auth_cache.version_guard(prefix, version)
                    return ApiPrincipal(key=key, tenant=key.tenant, guards=(guard,)), key
                auth_cache.local_drop(prefix)
        principal = _load(prefix, self.kind, lambda key: key.matches(raw))
        return principal, principal.key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def _load(prefix: str, kind: str, presented) -> ApiPrincipal:
    """The principal for a key read from the shared cache or database; `presented(key)` says
    whether the caller holds that key. Records last use, and keeps a tenant key's snapshot
    in this process for the next call."""
    key, version = apikey_resolve_versioned(prefix=prefix)
    if key is None or key.kind != kind or not presented(key):
        raise KeyAuthenticationFailed(MSG_INVALID)
    if key.is_revoked:
        raise KeyAuthenticationFailed(MSG_REVOKED, "api_key_revoked")
    now = timezone.now()
    if key.is_expired(now):
        raise KeyAuthenticationFailed(MSG_EXPIRED, "api_key_expired")
    apikey_touch(key_id=key.pk, now=now)
    if kind == TENANT_KEY_TYPE and version is not None:
        auth_cache.local_put(prefix, key, version)
    return ApiPrincipal(key=key, tenant=key.tenant)


class ApiKeyAuthentication(_BearerKeyAuthentication):
    """Tenant keys (`cmk_`), for every tenant-scoped route."""

    kind = TENANT_KEY_TYPE
    wrong_kind_message = MSG_PROVIDER_KEY_ON_TENANT_ROUTE


class ProviderKeyAuthentication(_BearerKeyAuthentication):
    """Provider keys (`cmp_`), only for the operator's routes such as /v1/signup."""

    kind = PROVIDER_KEY_TYPE
    wrong_kind_message = MSG_TENANT_KEY_ON_PROVIDER_ROUTE
