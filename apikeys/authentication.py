"""Bearer API-key authentication: the one place a request is tied to its tenant."""

import hmac
from dataclasses import dataclass

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from apikeys.keys import TENANT_KEY_TYPE, hash_key, parse_key
from apikeys.models import ApiKey
from apikeys.selectors import apikey_get_by_prefix
from tenants.models import Tenant

MSG_MISSING = "Send 'Authorization: Bearer <api key>'."
MSG_MALFORMED = "The Authorization header must be 'Bearer <api key>'."
MSG_INVALID = "The API key is invalid."
MSG_REVOKED = "The API key has been revoked."
MSG_EXPIRED = "The API key has expired."


class _KeyFailed(exceptions.AuthenticationFailed):
    def __init__(self, detail: str, code: str):
        super().__init__(detail, code)


@dataclass(frozen=True)
class ApiPrincipal:
    """What request.user is for API calls: the key, its application and tenant.

    Other layers (plan gating, throttles, usage) read only `tenant`, `application`,
    `key_id`, `application_id` and `plan_id`, so how they are resolved can change freely.
    """

    key: ApiKey
    tenant: Tenant | None

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
        return self.key.application

    @property
    def application_id(self) -> int | None:
        return self.key.application_id

    @property
    def plan_id(self) -> int | None:
        return self.key.application.plan_id if self.key.application_id else None


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>`. Bad checksums are refused before any database query."""

    keyword = b"bearer"
    allowed_kinds = (TENANT_KEY_TYPE,)

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            return None  # -> NotAuthenticated (401) from the permission check
        if header[0].lower() != self.keyword or len(header) != 2:
            raise _KeyFailed(MSG_MALFORMED, "authentication_failed")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise _KeyFailed(MSG_MALFORMED, "authentication_failed") from exc
        parsed = parse_key(raw)
        if parsed is None or parsed[0] not in self.allowed_kinds:
            raise _KeyFailed(MSG_INVALID, "authentication_failed")
        key = apikey_get_by_prefix(prefix=parsed[1])
        if key is None or not _same_hash(key.key_hash, hash_key(raw)):
            raise _KeyFailed(MSG_INVALID, "authentication_failed")
        if key.is_revoked:
            raise _KeyFailed(MSG_REVOKED, "api_key_revoked")
        if key.is_expired(timezone.now()):
            raise _KeyFailed(MSG_EXPIRED, "api_key_expired")
        return ApiPrincipal(key=key, tenant=key.tenant), key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def _same_hash(stored: str, presented: str) -> bool:
    return hmac.compare_digest(stored.encode(), presented.encode())
