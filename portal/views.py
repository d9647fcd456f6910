"""Portal pages: thin views over portal.selectors (reads) and portal.services (writes).

Every page runs as the signed-in user's tenant (`tenant_page`); objects are looked up
through tenant-scoped selectors, so another tenant's id is a 404 whatever the URL or form
says, and a member's attempt to change something is a 403. A refused form (bad input, the
live-key limit, a used sign-in link) is shown again with its error at 200, as Django's own
form views do; real HTTP errors (403, 404, 429, 503) leave as problem+json.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apikeys.exceptions import KeyLimitReached, KeyNotLive
from apikeys.selectors import apikey_get, application_list
from core.cache_errors import CACHE_ERRORS
from core.problems import problem_response
from events import selectors as events_selectors
from events import services as events_services
from events.exceptions import EndpointNotFound, EventNotFound
from plans.models import HITS
from portal import selectors, services
from portal.exceptions import LastOwner, OwnerOnly
from portal.forms import (
    KeyCreateForm,
    KeyRollForm,
    MemberRoleForm,
    PortalLoginForm,
    PortalPasswordResetForm,
)

MSG_TOO_MANY_ATTEMPTS = "Too many sign-in attempts. Wait a few minutes and try again."
MSG_BAD_GRACE = "Grace must be 0 to 168 hours."
MSG_UNAVAILABLE = "Sign-in is unavailable for a moment; try again shortly."
MSG_LINK_INVALID = "This sign-in link is invalid, expired or already used. Ask for a new one."


def tenant_page(view):
    """Signed in (else to the login page), as a user of an active tenant (else 403); puts
    the membership on request.tenant_user."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        membership = selectors.tenant_user_for(user=request.user)
        if membership is None or not membership.tenant.is_active:
            raise PermissionDenied
        request.tenant_user = membership
        return view(request, *args, **kwargs)

    return wrapped


def _owner_only(request) -> None:
    if not request.tenant_user.is_owner:
        raise PermissionDenied


def _application_or_404(request, app_id=None):
    application = selectors.portal_application(
        tenant=request.tenant_user.tenant,
        app_id=app_id if app_id is not None else request.GET.get("app"),
    )
    if application is None:
        raise Http404("No such application.")
    return application


def _key_or_404(request, application, key_id):
    key = apikey_get(application=application, key_id=key_id)
    if key is None:
        raise Http404("No such key.")
    return key


def _page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    tenant = request.tenant_user.tenant
    base = {
        "tenant": tenant,
        "tenant_user": request.tenant_user,
        "applications": list(application_list(tenant=tenant)),
    }
    return render(request, template, {**base, **context}, status=status)


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _refuse_attempt(request, username: str) -> HttpResponse | None:
    """Count a sign-in or reset attempt; a problem refusing it (429 over the limit, 503
    while the shared cache is down: attempts are never let through uncounted), or None."""
    try:
        allowed = services.login_attempt_register(client_ip=_client_ip(request), username=username)
    except CACHE_ERRORS:
        status, code, detail, wait = 503, "service_unavailable", MSG_UNAVAILABLE, 1
    else:
        if allowed:
            return None
        status, code, detail = 429, "rate_limited", MSG_TOO_MANY_ATTEMPTS
        wait = settings.PORTAL_LOGIN_WINDOW_SECONDS
    response = problem_response(request, status=status, code=code, detail=detail)
    response["Retry-After"] = str(wait)
    return response


class PortalLoginView(auth_views.LoginView):
    """Django's login view, with every POST counted (per address and per email) first."""

    template_name = "portal/login.html"
    authentication_form = PortalLoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        refused = _refuse_attempt(request, request.POST.get("username", ""))
        return refused or super().post(request, *args, **kwargs)


class PortalPasswordResetView(auth_views.PasswordResetView):
    template_name = "portal/registration/password_reset_form.html"
    email_template_name = "portal/registration/password_reset_email.txt"
    subject_template_name = "portal/registration/password_reset_subject.txt"
    form_class = PortalPasswordResetForm
    success_url = reverse_lazy("portal:password_reset_done")

    def post(self, request, *args, **kwargs):
        # Reset requests send email: count them with the sign-in attempts.
        refused = _refuse_attempt(request, request.POST.get("email", ""))
        return refused or super().post(request, *args, **kwargs)


@never_cache
@require_GET
def sso_login(request, token: str):
    """Follow a one-time link (SSO or `portal_login_link`): the first use signs in."""
    membership = services.login_token_redeem(raw=token)
    if membership is None:
        return render(request, "portal/link_invalid.html", {"error": MSG_LINK_INVALID})
    login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("portal:overview")


@tenant_page
@require_GET
def overview(request):
    return _page(
        request,
        "portal/overview.html",
        {"overview": selectors.portal_overview(tenant=request.tenant_user.tenant)},
    )


def _keys_page(request, application, *, form=None, created=None, error=None, status=200):
    response = _page(
        request,
        "portal/keys.html",
        {
            "application": application,
            "keys": selectors.portal_keys(application=application),
            "form": form or KeyCreateForm(),
            "roll_form": KeyRollForm(),
            "created": created,
            "error": error,
        },
        status=status,
    )
    if created:  # the secret is in this response only: no cache may keep it
        add_never_cache_headers(response)
    return response


@tenant_page
def keys(request):
    application = _application_or_404(request)
    if request.method != "POST":
        return _keys_page(request, application)
    _owner_only(request)
    application = _application_or_404(request, request.POST.get("app", ""))
    form = KeyCreateForm(request.POST)
    if not form.is_valid():
        return _keys_page(request, application, form=form)
    try:
        key, raw = services.portal_key_create(
            tenant_user=request.tenant_user,
            application=application,
            label=form.cleaned_data["label"],
            scopes=form.cleaned_data["scopes"],
        )
    except (KeyLimitReached, ValueError) as exc:
        return _keys_page(request, application, form=form, error=str(exc))
    except OwnerOnly as exc:
        raise PermissionDenied from exc
    return _keys_page(request, application, created={"key": key, "raw": raw}, status=201)


@tenant_page
@require_POST
def key_roll(request, key_id):
    _owner_only(request)
    application = _application_or_404(request, request.POST.get("app", ""))
    key = _key_or_404(request, application, key_id)
    form = KeyRollForm(request.POST)
    if not form.is_valid():
        return _keys_page(request, application, error=MSG_BAD_GRACE)
    try:
        new, raw, old = services.portal_key_roll(
            tenant_user=request.tenant_user,
            key=key,
            grace=timedelta(hours=form.cleaned_data["grace_hours"]),
        )
    except (KeyLimitReached, KeyNotLive, ValueError) as exc:
        return _keys_page(request, application, error=str(exc))
    except OwnerOnly as exc:
        raise PermissionDenied from exc
    created = {"key": new, "raw": raw, "previous": old}
    return _keys_page(request, application, created=created, status=201)


@tenant_page
@require_POST
def key_revoke(request, key_id):
    _owner_only(request)
    application = _application_or_404(request, request.POST.get("app", ""))
    key = _key_or_404(request, application, key_id)
    try:
        services.portal_key_revoke(tenant_user=request.tenant_user, key=key)
    except OwnerOnly as exc:
        raise PermissionDenied from exc
    messages.success(request, f"Key {key.prefix}… revoked.")
    return redirect(f"{reverse('portal:keys')}?app={application.app_id}")


@tenant_page
def members(request):
    tenant = request.tenant_user.tenant
    error = None
    if request.method == "POST":
        _owner_only(request)
        member = selectors.tenant_user_get(tenant=tenant, member_id=request.POST.get("member"))
        if member is None:
            raise Http404("No such user.")
        try:
            if request.POST.get("action") == "remove":
                services.tenant_user_remove(actor=request.tenant_user, member=member)
                messages.success(request, f"{member.user.email} removed.")
            else:
                form = MemberRoleForm(request.POST)
                if not form.is_valid():
                    raise ValueError("Choose owner or member.")
                services.tenant_user_set_role(
                    actor=request.tenant_user, member=member, role=form.cleaned_data["role"]
                )
                messages.success(request, f"{member.user.email} is now {member.role}.")
            return redirect("portal:members")
        except (LastOwner, ValueError) as exc:
            error = str(exc)
        except OwnerOnly as exc:
            raise PermissionDenied from exc
    return _page(
        request,
        "portal/members.html",
        {"members": selectors.tenant_user_list(tenant=tenant), "error": error},
    )


@tenant_page
@require_GET
def usage(request):
    application = _application_or_404(request)
    metric = request.GET.get("metric") or HITS
    if metric not in selectors.USAGE_METRICS:
        raise Http404("No such metric.")
    key = None
    if request.GET.get("key"):
        key = _key_or_404(request, application, request.GET["key"])
    data = selectors.portal_usage(application=application, metric=metric, key=key)
    return _page(
        request,
        "portal/usage.html",
        {
            "application": application,
            "metric": metric,
            "metrics": selectors.USAGE_METRICS,
            "selected_key": key,
            "keys": selectors.portal_keys(application=application),
            **data,
        },
    )


@tenant_page
@require_GET
def usage_csv(request):
    application = _application_or_404(request)
    by_day = request.GET.get("period") == "day"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"usage-{application.app_id}-{'daily' if by_day else 'hourly'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(["day" if by_day else "hour_utc", "metric", "key_prefix", "count"])
    writer.writerows(selectors.portal_usage_csv_rows(application=application, by_day=by_day))
    return response


@tenant_page
@require_GET
def docs(request):
    return _page(request, "portal/docs.html", {})


@tenant_page
@require_GET
def webhooks(request):
    """The tenant's webhook endpoints (managed through /v1/webhook-endpoints)."""
    tenant = request.tenant_user.tenant
    endpoints = list(events_selectors.webhook_endpoint_list(tenant=tenant))
    return _page(request, "portal/webhooks.html", {"endpoints": endpoints})


@tenant_page
@require_GET
def webhook_deliveries(request, endpoint_id):
    """One endpoint's latest deliveries, each with its attempts; owners may redeliver."""
    try:
        endpoint = events_selectors.webhook_endpoint_get_or_404(
            tenant=request.tenant_user.tenant, endpoint_id=endpoint_id
        )
    except EndpointNotFound as exc:
        raise Http404("No such endpoint.") from exc
    deliveries, _next = events_selectors.webhook_delivery_list(
        endpoint=endpoint, cursor=None, limit=50
    )
    return _page(
        request,
        "portal/webhook_deliveries.html",
        {"endpoint": endpoint, "deliveries": deliveries},
    )


@tenant_page
@require_POST
def event_redeliver(request, event_id):
    """Queue an event again for every subscribed endpoint (as POST /v1/events/{id}/redeliver)."""
    _owner_only(request)
    try:
        event = events_selectors.event_get_or_404(
            tenant=request.tenant_user.tenant, event_id=event_id
        )
    except EventNotFound as exc:
        raise Http404("No such event.") from exc
    queued = events_services.event_redeliver(event=event)
    messages.success(request, f"Event {event.id} queued again for {len(queued)} endpoint(s).")
    back = request.POST.get("endpoint", "")
    if back:
        return redirect(reverse("portal:webhook_deliveries", args=[back]))
    return redirect(reverse("portal:webhooks"))
