"""Plan gating: the route family and method a view belongs to must be in the caller's plan."""

from rest_framework.permissions import BasePermission

from plans.enforcement import plan_confirmed, request_plan, view_method
from plans.exceptions import (
    MSG_FAMILY_NOT_GRANTED,
    MSG_METHOD_NOT_ENABLED,
    PlanMethodNotAllowed,
)


class PlanAllowsMethod(BasePermission):
    """403 `plan_method_not_allowed` when the plan lacks the view's `api_family` or its
    `plan_method`. (A trial's end is an application state: HasTenantAccess refuses it.)

    Runs after HasTenantAccess. Views without `api_family` and `plan_method` are not gated,
    nor are callers without an application (provider keys).
    """

    def has_permission(self, request, view) -> bool:
        family = getattr(view, "api_family", "") or ""
        method = view_method(view)
        if not family and not method:
            return True
        plan = request_plan(request)
        if plan is None:
            return True
        refused = (family and family not in plan.families) or (
            method and method not in plan.methods
        )
        principal_confirmed = getattr(request.user, "confirmed", True)
        if refused and not (plan_confirmed(request) and principal_confirmed):
            # Refuse only on current data: this process's copies may be old.
            if not principal_confirmed:
                request.user = request.user.refreshed()
            plan = request_plan(request, reread=True)
            if plan is None:
                return True
        extra = {"plan": plan.slug}
        if family and family not in plan.families:
            raise PlanMethodNotAllowed(
                MSG_FAMILY_NOT_GRANTED.format(plan=plan.name, family=family),
                extra={**extra, "family": family},
            )
        if method and method not in plan.methods:
            raise PlanMethodNotAllowed(
                MSG_METHOD_NOT_ENABLED.format(plan=plan.name, method=method),
                extra={**extra, "method": method},
            )
        return True
