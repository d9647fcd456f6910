"""The tenant checks every tenant-scoped view runs after authentication."""

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from core.problems import ApplicationError

TENANT_HEADER = "x-business-tenant-id"
MSG_TENANT_HEADER_MISSING = f"The {TENANT_HEADER} header is required."
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


def check_tenant_id(request, tenant_id: str | None, *, required: bool) -> None:
    """A tenant id sent by the client (header or path) must be the key's tenant."""
    if not tenant_id:
        if required:
            raise TenantHeaderMissing()
        return
    if tenant_id != request.user.tenant.public_id:
        raise TenantMismatch()


class HasTenantAccess(BasePermission):
    """Authenticated, tenant active, and x-business-tenant-id naming the key's tenant.

    Views set `tenant_header_required = False` where the tenant comes from elsewhere
    (the key alone, or the path); a header that is sent must still match.
    """

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if principal is None or not getattr(principal, "is_authenticated", False):
            raise exceptions.NotAuthenticated("Send 'Authorization: Bearer <api key>'.")
        tenant = principal.tenant
        if tenant is None or not tenant.is_active:
            raise TenantInactive()
        check_tenant_id(
            request,
            request.headers.get(TENANT_HEADER),
            required=getattr(view, "tenant_header_required", True),
        )
        return True
