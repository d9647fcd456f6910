"""API-key and application domain errors; their messages are constants the tests import."""

from rest_framework import exceptions

from core.problems import ApplicationError

MSG_MISSING = "Send 'Authorization: Bearer <api key>'."
MSG_MALFORMED = "The Authorization header must be 'Bearer <api key>'."
MSG_INVALID = "The API key is invalid."
MSG_REVOKED = "The API key has been revoked."
MSG_EXPIRED = "The API key has expired."
MSG_PROVIDER_KEY_ON_TENANT_ROUTE = (
    "Provider keys (cmp_...) only call /v1/signup; use a tenant key (cmk_...) here."
)
MSG_TENANT_KEY_ON_PROVIDER_ROUTE = (
    "This endpoint needs a provider key (cmp_...) made with `manage.py create_provider_key`."
)
MSG_APPLICATION_PENDING = (
    "The application is waiting for staff approval; its keys work once it is approved."
)
MSG_APPLICATION_SUSPENDED = "The application is suspended; contact support to reactivate it."
MSG_APPLICATION_TRIAL_ENDED = "The application's trial has ended; move it to a paid plan."
MSG_SCOPE_REQUIRED = "This API key lacks the '{scope}' scope needed for {method} requests."
MSG_SCOPE_ESCALATION = "A key can only mint keys with scopes it has itself ({scopes})."
MSG_KEY_IN_GRACE = (
    "This key has been rolled: until its grace period ends it can call the customer routes, "
    "but it cannot create, roll or revoke keys. Use its replacement."
)
MSG_PROVIDER_KEY_IN_GRACE = (
    "This provider key has been rolled and can no longer sign tenants up. Use its replacement."
)
MSG_KEY_NOT_FOUND = "API key not found."
MSG_KEY_LIMIT = (
    "The application already has {limit} live keys (a rolled key counts until it expires). "
    "Revoke one, or roll with expiresIn=0."
)
MSG_KEY_NOT_LIVE = "Only a live key (not revoked, not expired) can be rolled."
MSG_TENANT_HEADER_MISSING = "The x-business-tenant-id header is required."
MSG_TENANT_MISMATCH = "The tenant does not match the API key's tenant."
MSG_TENANT_INACTIVE = "The tenant is inactive."


class TenantHeaderMissing(ApplicationError):
    status = 400
    code = "tenant_header_missing"
    detail = MSG_TENANT_HEADER_MISSING


class TenantMismatch(ApplicationError):
    status = 403
    code = "tenant_mismatch"
    detail = MSG_TENANT_MISMATCH


class TenantInactive(ApplicationError):
    status = 403
    code = "tenant_inactive"
    detail = MSG_TENANT_INACTIVE


class KeyAuthenticationFailed(exceptions.AuthenticationFailed):
    """A 401 whose `code` becomes the problem code (the handler adds WWW-Authenticate)."""

    def __init__(self, detail: str, code: str = "authentication_failed"):
        super().__init__(detail, code)


class ApplicationPending(ApplicationError):
    status = 403
    code = "application_pending"
    detail = MSG_APPLICATION_PENDING


class ApplicationSuspended(ApplicationError):
    status = 403
    code = "application_suspended"
    detail = MSG_APPLICATION_SUSPENDED


class ApplicationTrialEnded(ApplicationError):
    status = 403
    code = "application_trial_ended"
    detail = MSG_APPLICATION_TRIAL_ENDED


class InsufficientScope(ApplicationError):
    status = 403
    code = "insufficient_scope"


class KeyNotFound(ApplicationError):
    status = 404
    code = "not_found"
    detail = MSG_KEY_NOT_FOUND


class KeyLimitReached(ApplicationError):
    status = 409
    code = "key_limit_reached"


class KeyNotLive(ApplicationError):
    status = 409
    code = "key_not_live"
    detail = MSG_KEY_NOT_LIVE


class KeyInGrace(ApplicationError):
    """A rolled key (in its grace period) tried to mint or revoke keys."""

    status = 403
    code = "key_in_grace"
    detail = MSG_KEY_IN_GRACE
