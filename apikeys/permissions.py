"""The checks every tenant-scoped view runs after authentication: tenant, application
state and key scopes. All read the authenticated principal only, so they cost no query."""

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apikeys.exceptions import (
    MSG_MISSING,
    MSG_SCOPE_REQUIRED,
    ApplicationPending,
    ApplicationSuspended,
    ApplicationTrialEnded,
    InsufficientScope,
    TenantHeaderMissing,
    TenantInactive,
    TenantMismatch,
)
from apikeys.models import Application, Scope
from core.problems import ApplicationError

TENANT_HEADER = "x-business-tenant-id"


def check_tenant_id(request, view) -> None:
    """Every tenant id the client names must be the key's tenant: the x-business-tenant-id
    header (required unless the view sets `tenant_header_required = False`) and, on routes
    that name the tenant in the path, what the view's `requested_tenant_id(request)` returns."""
    header = request.headers.get(TENANT_HEADER)
    if not header and getattr(view, "tenant_header_required", True):
        raise TenantHeaderMissing()
    in_path = getattr(view, "requested_tenant_id", None)
    for tenant_id in (header, in_path(request) if in_path else None):
        if tenant_id and tenant_id != request.user.tenant.public_id:
            raise TenantMismatch()


def required_scope(method: str) -> str:
    """GET/HEAD/OPTIONS need `read`; POST/PUT/PATCH/DELETE (anything else) need `write`."""
    return Scope.READ if method in SAFE_METHODS else Scope.WRITE


def check_application(application, now=None) -> None:
    """Only a live application's keys get through; pending and suspended say why."""
    if application is None:
        raise TenantInactive()
    if application.state == Application.State.PENDING:
        raise ApplicationPending()
    if application.state == Application.State.SUSPENDED:
        raise ApplicationSuspended()
    if application.trial_ends_at is not None and application.trial_ends_at <= (
        now or timezone.now()
    ):
        raise ApplicationTrialEnded()


def check_scope(principal, method: str) -> None:
    scope = required_scope(method)
    if scope not in principal.scopes:
        raise InsufficientScope(
            MSG_SCOPE_REQUIRED.format(scope=scope, method=method),
            extra={"required_scope": str(scope), "key_scopes": sorted(principal.scopes)},
        )


class HasTenantAccess(BasePermission):
    """Authenticated; tenant active; x-business-tenant-id naming the key's tenant; the key's
    application live (403 application_pending / application_suspended otherwise); and the
    key's scopes allowing the HTTP method (403 insufficient_scope).

    Views set `tenant_header_required = False` where the tenant comes from elsewhere
    (the key alone, or the path); a header that is sent must still match. Views that name
    the tenant in the path return it from `requested_tenant_id(request)`, checked here too:
    permissions run before throttles, so a refused call is never counted.
    """

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if principal is None or not getattr(principal, "is_authenticated", False):
            raise exceptions.NotAuthenticated(MSG_MISSING)
        try:
            self._check(request, view, principal)
        except (exceptions.APIException, ApplicationError):
            if principal.confirmed:
                raise
            # Refuse only on current data: this process's copy of the key may be old.
            request.user = principal = principal.refreshed()
            self._check(request, view, principal)
        return True

    def _check(self, request, view, principal) -> None:
        tenant = principal.tenant
        if tenant is None or not tenant.is_active:
            raise TenantInactive()
        check_tenant_id(request, view)
        check_application(principal.application)
        check_scope(principal, request.method)


class IsProvider(BasePermission):
    """For operator routes authenticated by ProviderKeyAuthentication."""

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if principal is None or not getattr(principal, "is_provider", False):
            raise exceptions.NotAuthenticated(MSG_MISSING)
        return True
