"""Writes of applications and API keys: minting (the only moment a clear key exists),
revoking, rolling and application state. Every write that changes what a key may do
invalidates the shared auth cache in the same code path (see apikeys.auth_cache)."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apikeys import auth_cache
from apikeys.exceptions import (
    MSG_EXPIRED,
    MSG_KEY_LIMIT,
    MSG_PROVIDER_KEY_IN_GRACE,
    MSG_REVOKED,
    MSG_SCOPE_ESCALATION,
    InsufficientScope,
    KeyAuthenticationFailed,
    KeyInGrace,
    KeyLimitReached,
    KeyNotLive,
)
from apikeys.keys import PROVIDER_KEY_TYPE, TENANT_KEY_TYPE, generate_key, hash_key, lookup_prefix
from apikeys.models import (
    ALL_SCOPES,
    DEFAULT_ROLL_GRACE,
    MAX_LIVE_KEYS_PER_APPLICATION,
    MAX_ROLL_GRACE,
    ApiKey,
    Application,
)
from apikeys.selectors import apikey_count_live
from core.audit import announce, diff
from plans.models import Plan
from plans.selectors import plan_get_default
from tenants.models import Tenant

LAST_USED_RESOLUTION = timedelta(seconds=60)


def _audit_key(key: ApiKey, action: str, changes: dict | None = None) -> None:
    """History entry (core.audit): a key is named by its lookup prefix, never its secret."""
    tenant_id = key.application.tenant_id if key.application_id else None
    announce(
        tenant_id=tenant_id,
        subject_type="apikey",
        subject_id=key.prefix,
        action=action,
        changes=changes,
    )


def _audit_app(application: Application, action: str, changes: dict | None = None) -> None:
    announce(
        tenant_id=application.tenant_id,
        subject_type="application",
        subject_id=application.app_id,
        action=action,
        changes=changes,
    )


def _trial_end(plan: Plan, now: datetime) -> datetime | None:
    return now + timedelta(days=plan.trial_days) if plan.trial_days else None


def _lock_application(application: Application) -> Application:
    """Row lock that serialises key minting per application (PostgreSQL; SQLite's IMMEDIATE
    transactions serialise all writers anyway), so live-key counts are decided race-free."""
    return Application.objects.select_for_update().get(pk=application.pk)


def _check_room(application: Application, *, now: datetime, freed: int = 0) -> None:
    if apikey_count_live(application=application, now=now) - freed >= (
        MAX_LIVE_KEYS_PER_APPLICATION
    ):
        raise KeyLimitReached(
            MSG_KEY_LIMIT.format(limit=MAX_LIVE_KEYS_PER_APPLICATION),
            extra={"limit": MAX_LIVE_KEYS_PER_APPLICATION},
        )


def _validate_scopes(scopes: list[str] | None) -> list[str]:
    scopes = list(ALL_SCOPES) if scopes is None else list(dict.fromkeys(scopes))
    if not scopes or any(scope not in ALL_SCOPES for scope in scopes):
        raise ValueError(f"scopes must be a non-empty list drawn from {ALL_SCOPES}")
    return scopes


def apikey_check_actor(
    *, actor: ApiKey, scopes: list[str] | None = None, now: datetime | None = None
) -> ApiKey:
    """The one rule for a key acting on keys (creating, rolling or revoking one through the API,
    or a provider key signing a tenant up): no privilege is gained through a key operation.

    - the acting key must still be live (a revocation that committed first wins: 401);
    - a rolled key, in its grace period, may not act at all (403 key_in_grace): rotating a
      leaked key must contain it, so the old key cannot mint a never-expiring key or revoke
      its replacement;
    - a key can only mint keys (created or rolled) whose scopes are a subset of its own.

    The actor is read again from the database: called under the application's row lock (as the
    services below do), a concurrent roll or revocation of the actor is decided first.
    Staff actions (admin, management commands) pass no actor and are not limited.
    """
    now = now or timezone.now()
    current = ApiKey.objects.filter(pk=actor.pk).first()
    if current is None or current.is_revoked:
        raise KeyAuthenticationFailed(MSG_REVOKED, "api_key_revoked")
    if current.is_expired(now):
        raise KeyAuthenticationFailed(MSG_EXPIRED, "api_key_expired")
    if current.is_rolled:
        if current.kind == PROVIDER_KEY_TYPE:
            raise KeyInGrace(MSG_PROVIDER_KEY_IN_GRACE)
        raise KeyInGrace()
    own = set(current.scopes or ())
    if scopes is not None and not set(scopes) <= own:
        raise InsufficientScope(
            MSG_SCOPE_ESCALATION.format(scopes=", ".join(sorted(own))),
            extra={"key_scopes": sorted(own), "requested_scopes": sorted(set(scopes))},
        )
    return current


def _mint(
    *,
    application: Application | None,
    kind: str,
    label: str,
    scopes: list[str],
    expires_at: datetime | None,
) -> tuple[ApiKey, str]:
    for _ in range(5):  # lookup prefixes are random; retry the astronomically rare clash
        raw = generate_key(kind)
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    application=application,
                    kind=kind,
                    label=label,
                    scopes=scopes,
                    prefix=lookup_prefix(raw),
                    key_hash=hash_key(raw),
                    expires_at=expires_at,
                )
        except IntegrityError:
            continue
        # A negative "no such prefix" entry may be cached; drop it.
        auth_cache.forget(key_prefixes=[key.prefix])
        _audit_key(key, "created", {"label": [None, label], "scopes": [None, scopes]})
        return key, raw
    raise RuntimeError("could not mint a unique API key prefix")


def application_create(
    *, tenant: Tenant, plan: Plan | None = None, name: str = "Default application"
) -> Application:
    """An application on `plan` (the default plan if None): pending while the plan requires
    approval, and with a trial end when the plan is a trial."""
    plan = plan or plan_get_default()
    with transaction.atomic():
        application = Application.objects.create(
            tenant=tenant,
            plan=plan,
            name=name,
            state=Application.State.PENDING if plan.requires_approval else Application.State.LIVE,
            trial_ends_at=_trial_end(plan, timezone.now()),
        )
        _audit_app(
            application, "created", {"plan": [None, plan.slug], "state": [None, application.state]}
        )
    return application


def application_get_or_create_default(*, tenant: Tenant) -> Application:
    application = tenant.applications.order_by("created_at").first()
    return application or application_create(tenant=tenant)


@transaction.atomic
def application_set_state(
    *, application: Application, state: str, from_states: list[str] | None = None
) -> bool:
    """Move to `state` (only from `from_states` when given); the database decides, so two staff
    clicking at once cannot both "approve". Returns whether the row changed."""
    rows = Application.objects.filter(pk=application.pk).exclude(state=state)
    if from_states is not None:
        rows = rows.filter(state__in=from_states)
    old_state = application.state
    changed = bool(rows.update(state=state, updated_at=timezone.now()))
    if changed:
        auth_cache.forget(application_ids=[application.pk])
        _audit_app(application, "state_changed", {"state": [old_state, state]})
    application.refresh_from_db(fields=["state", "updated_at"])
    return changed


def application_approve(*, application: Application) -> bool:
    return application_set_state(
        application=application,
        state=Application.State.LIVE,
        from_states=[Application.State.PENDING],
    )


def application_suspend(*, application: Application) -> bool:
    return application_set_state(application=application, state=Application.State.SUSPENDED)


def application_reactivate(*, application: Application) -> bool:
    return application_set_state(
        application=application,
        state=Application.State.LIVE,
        from_states=[Application.State.SUSPENDED],
    )


# What staff may edit on an existing application or key in admin; nothing else is written.
APPLICATION_STAFF_FIELDS = ("name", "plan", "trial_ends_at")
KEY_STAFF_FIELDS = ("label", "scopes", "expires_at")


@transaction.atomic
def application_change_plan(*, application: Application, plan: Plan) -> Application:
    """Switch plans; a trial plan starts a new trial, any other plan ends the trial. One
    conditional UPDATE of those fields only, so a concurrent approve or suspend survives."""
    old_plan_id = application.plan_id
    now = timezone.now()
    Application.objects.filter(pk=application.pk).update(
        plan=plan, trial_ends_at=_trial_end(plan, now), updated_at=now
    )
    _audit_app(application, "plan_changed", {"plan_id": [old_plan_id, plan.pk]})
    auth_cache.forget(application_ids=[application.pk])
    application.refresh_from_db(fields=["plan", "state", "trial_ends_at", "updated_at"])
    return application


@transaction.atomic
def application_save(*, application: Application, changed: list[str]) -> Application:
    """Staff edits from admin: only the fields staff changed are written (the form's other
    values may be stale: a state changed meanwhile is never undone), and a plan change
    applies the plan rule."""
    fields = [field for field in changed if field in APPLICATION_STAFF_FIELDS]
    if "plan" in fields and "trial_ends_at" not in fields:
        application.trial_ends_at = _trial_end(application.plan, timezone.now())
        fields.append("trial_ends_at")
    if fields:
        audited = [Application._meta.get_field(name).attname for name in fields]
        old = Application.objects.filter(pk=application.pk).values(*audited).first() or {}
        application.save(update_fields=[*fields, "updated_at"])
        _audit_app(application, "updated", diff(old, {f: getattr(application, f) for f in audited}))
    auth_cache.forget(application_ids=[application.pk])
    application.refresh_from_db()
    return application


def apikey_create(
    *,
    application: Application | None = None,
    tenant: Tenant | None = None,
    label: str = "",
    kind: str = TENANT_KEY_TYPE,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    actor: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    """Mint a key and return (row, clear key). The clear key is never stored or shown again.

    Give the application, or just the tenant to use its first (default) application. A tenant
    key is refused with KeyLimitReached when its application already has the maximum of live
    keys; the count is taken under a row lock on the application. With `actor` (the key that
    asked, through the API) apikey_check_actor applies too.
    """
    if application is None and tenant is not None:
        application = application_get_or_create_default(tenant=tenant)
    if kind == TENANT_KEY_TYPE and application is None:
        raise ValueError("a tenant key needs an application (or a tenant)")
    if kind == PROVIDER_KEY_TYPE and application is not None:
        raise ValueError("provider keys belong to the operator, not to an application")
    scopes = _validate_scopes(scopes)
    with transaction.atomic():
        if application is not None:
            application = _lock_application(application)
        if actor is not None:
            apikey_check_actor(actor=actor, scopes=scopes)
        if application is not None:
            _check_room(application, now=timezone.now())
        return _mint(
            application=application, kind=kind, label=label, scopes=scopes, expires_at=expires_at
        )


@transaction.atomic
def apikey_revoke(*, key: ApiKey, actor: ApiKey | None = None) -> ApiKey:
    """Revoke now; idempotent (the first revocation time is kept). Every process refuses the
    key from its next request on. With `actor`, apikey_check_actor applies (a rolled key
    cannot revoke its replacement), decided under the application's row lock."""
    if actor is not None:
        if key.application_id:
            _lock_application(key.application)
        apikey_check_actor(actor=actor)
    now = timezone.now()
    if ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now):
        _audit_key(key, "revoked", {"revoked_at": [None, now]})
    auth_cache.forget(key_prefixes=[key.prefix])
    key.refresh_from_db(fields=["revoked_at"])
    return key


def apikey_roll(
    *, key: ApiKey, grace: timedelta = DEFAULT_ROLL_GRACE, actor: ApiKey | None = None
) -> tuple[ApiKey, str, ApiKey]:
    """Mint a replacement (same label and scopes) now; the old key keeps working until
    now + grace, in its grace period (rolled_at set: it serves requests but manages no keys).
    Rolling never lengthens the old key's life. With `actor`, apikey_check_actor applies to
    the replacement's scopes, as it does to a created key's. Returns (new, clear key, old)."""
    if not timedelta(0) <= grace <= MAX_ROLL_GRACE:
        raise ValueError(f"grace must be between 0 and {MAX_ROLL_GRACE}")
    with transaction.atomic():
        now = timezone.now()
        application = _lock_application(key.application) if key.application_id else None
        old = ApiKey.objects.select_for_update().get(pk=key.pk)
        if actor is not None:
            apikey_check_actor(actor=actor, scopes=list(old.scopes), now=now)
        if not old.is_live(now):
            raise KeyNotLive()
        old_expires_at = now + grace
        if old.expires_at is not None:
            old_expires_at = min(old.expires_at, old_expires_at)
        # An old key that stops at once frees its slot for the new one.
        if application is not None:
            _check_room(application, now=now, freed=1 if old_expires_at <= now else 0)
        new, raw = _mint(
            application=application,
            kind=old.kind,
            label=old.label,
            scopes=list(old.scopes),
            expires_at=None,
        )
        _audit_key(
            old,
            "rolled",
            {
                "expires_at": [old.expires_at, old_expires_at],
                "rolled_at": [None, now],
                "replaced_by": [None, new.prefix],
            },
        )
        old.expires_at = old_expires_at
        old.rolled_at = now
        old.save(update_fields=["expires_at", "rolled_at"])
        auth_cache.forget(key_prefixes=[old.prefix])
    return new, raw, old


def apikey_touch(*, key_id: int, now: datetime | None = None) -> None:
    """Record use at most once a minute: a cross-process cache guard skips the query, and the
    conditional UPDATE keeps the write rate bounded even without a shared cache."""
    if auth_cache.claim_usage_write(key_id):
        apikey_record_use(key_id=key_id, now=now)


def apikey_record_use(*, key_id: int, now: datetime | None = None) -> None:
    """Write last_used_at unless it was written less than a minute ago (the caller has won
    the once-a-minute claim: apikey_touch, or the limiter's claim on the hot path)."""
    now = now or timezone.now()
    ApiKey.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION), pk=key_id
    ).update(last_used_at=now)


def apikey_save(*, key: ApiKey, changed: list[str] | None = None) -> ApiKey:
    """Staff edits of an existing key from admin: only the `changed` staff fields (label,
    scopes, expiry; all three if None) are written, so a stale form never un-revokes a key
    revoked meanwhile."""
    fields = [
        f for f in (KEY_STAFF_FIELDS if changed is None else changed) if f in KEY_STAFF_FIELDS
    ]
    with transaction.atomic():
        if fields:
            old = ApiKey.objects.filter(pk=key.pk).values(*fields).first() or {}
            key.save(update_fields=fields)
            _audit_key(key, "updated", diff(old, {f: getattr(key, f) for f in fields}))
        auth_cache.forget(key_prefixes=[key.prefix])
    key.refresh_from_db()
    return key


@transaction.atomic
def application_delete_many(*, application_ids: list[int]) -> None:
    """Delete applications with their keys; every process forgets the keys first."""
    auth_cache.forget(application_ids=application_ids)
    for application in Application.objects.filter(pk__in=application_ids):
        _audit_app(application, "deleted")
    Application.objects.filter(pk__in=application_ids).delete()


@transaction.atomic
def apikey_delete_many(*, key_ids: list[int]) -> None:
    """Delete key rows (staff only; revoking is the normal way out)."""
    keys = ApiKey.objects.filter(pk__in=key_ids)
    auth_cache.forget(key_prefixes=keys.values_list("prefix", flat=True))
    for key in keys.select_related("application"):
        _audit_key(key, "deleted")
    keys.delete()
