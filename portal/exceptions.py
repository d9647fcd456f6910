"""Portal domain errors; their messages are constants the tests import."""

from core.problems import ApplicationError

MSG_TENANT_NOT_FOUND = "No active tenant has this id."
MSG_EMAIL_IN_OTHER_TENANT = "This email already belongs to a user of another tenant."
MSG_OWNER_ONLY = "Only an owner of the tenant can do this."
MSG_LAST_OWNER = "A tenant keeps at least one owner."


class PortalTenantNotFound(ApplicationError):
    status = 404
    code = "not_found"
    detail = MSG_TENANT_NOT_FOUND


class EmailInOtherTenant(ApplicationError):
    """A portal user belongs to exactly one tenant, and signs in by email."""

    status = 409
    code = "conflict"
    detail = MSG_EMAIL_IN_OTHER_TENANT


class OwnerOnly(ApplicationError):
    status = 403
    code = "permission_denied"
    detail = MSG_OWNER_ONLY


class LastOwner(ApplicationError):
    status = 409
    code = "conflict"
    detail = MSG_LAST_OWNER
