"""Writes of the developer portal: tenant users, one-time login tokens, sign-in throttling,
and the owner-only key actions. Keys change only through apikeys.services, so the portal
obeys exactly the rules of /v1/keys (live-key limit, scopes, roll grace)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from apikeys.models import ApiKey, Application
from apikeys.services import apikey_create, apikey_revoke, apikey_roll
from portal.exceptions import EmailInOtherTenant, LastOwner, OwnerOnly, PortalTenantNotFound
from portal.models import LoginToken, TenantUser
from tenants.models import Tenant

LOGIN_TOKEN_MAX_AGE = timedelta(minutes=5)  # the most a one-time link may live


def _token_hash(raw: str) -> str:
    # Tokens are 256 random bits: a fast hash is right, as for API keys.
    return hashlib.sha256(raw.encode()).hexdigest()


def _require_owner(tenant_user: TenantUser) -> None:
    if not tenant_user.is_owner:
        raise OwnerOnly()


def _count_attempt(key: str, window: int) -> int:
    """One more attempt in `key`'s window: add-then-incr, atomic in Redis and in locmem."""
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add and incr: this is its first attempt
        cache.add(key, 1, window)
        return 1


def normalise_email(email: str) -> str:
    """Portal users sign in with their email, kept lower-case as the Django username."""
    email = (email or "").strip().lower()
    validate_email(email)
    return email


@transaction.atomic
def tenant_user_ensure(*, tenant: Tenant, email: str, role: str | None = None) -> TenantUser:
    """The tenant's user with this email, created (as `role`, member by default, with no
    password yet) if new; role=owner promotes an existing member. An email that belongs to
    another tenant's user, or to a staff account, is refused with EmailInOtherTenant."""
    email = normalise_email(email)
    user_model = get_user_model()
    membership = TenantUser.objects.select_related("user").filter(user__username=email).first()
    if membership is None:
        if user_model.objects.filter(username=email).exists():
            raise EmailInOtherTenant()
        try:
            with transaction.atomic():
                user = user_model.objects.create_user(username=email, email=email)
                membership = TenantUser.objects.create(
                    user=user, tenant=tenant, role=role or TenantUser.Role.MEMBER
                )
        except IntegrityError:  # a concurrent request created the same user first
            membership = TenantUser.objects.select_related("user").get(user__username=email)
    if membership.tenant_id != tenant.pk:
        raise EmailInOtherTenant()
    if role == TenantUser.Role.OWNER and not membership.is_owner:
        TenantUser.objects.filter(pk=membership.pk).update(role=TenantUser.Role.OWNER)
        membership.role = TenantUser.Role.OWNER
    return membership


def login_token_issue(*, tenant_user: TenantUser, max_age: timedelta | None = None) -> str:
    """A one-time login token for `tenant_user` (the clear token exists only here)."""
    max_age = min(max_age or LOGIN_TOKEN_MAX_AGE, LOGIN_TOKEN_MAX_AGE)
    now = timezone.now()
    # Keep the table small: tokens a day past their expiry can go.
    LoginToken.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    raw = secrets.token_urlsafe(32)
    LoginToken.objects.create(
        token_hash=_token_hash(raw), tenant_user=tenant_user, expires_at=now + max_age
    )
    return raw


def portal_sso_link(*, tenant_id: str, email: str, owner: bool = False) -> tuple[str, datetime]:
    """A one-time login token for `email` in the active tenant `tenant_id` (public id),
    creating the user as a member (or owner) if new. Returns (token, expiry)."""
    tenant = Tenant.objects.filter(public_id=tenant_id, is_active=True).first()
    if tenant is None:
        raise PortalTenantNotFound()
    membership = tenant_user_ensure(
        tenant=tenant, email=email, role=TenantUser.Role.OWNER if owner else None
    )
    raw = login_token_issue(tenant_user=membership)
    return raw, timezone.now() + LOGIN_TOKEN_MAX_AGE


def login_token_redeem(*, raw: str) -> TenantUser | None:
    """The user a token signs in, or None if it is unknown, expired or already used.

    The conditional UPDATE claims the token: of any number of concurrent requests, the
    database lets exactly one change the row, and only that one signs in."""
    now = timezone.now()
    token_hash = _token_hash(raw or "")
    claimed = LoginToken.objects.filter(
        token_hash=token_hash, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if claimed != 1:
        return None
    membership = (
        TenantUser.objects.select_related("user", "tenant")
        .filter(tokens__token_hash=token_hash)
        .first()
    )
    if membership is None or not membership.tenant.is_active or not membership.user.is_active:
        return None
    return membership


def login_attempt_register(*, client_ip: str, username: str) -> bool:
    """Count a sign-in attempt per client address and per username in the shared cache
    (Redis with REDIS_URL); False when either is over its limit for the window."""
    window = settings.PORTAL_LOGIN_WINDOW_SECONDS
    username_key = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]
    per_user = _count_attempt(f"portal:login:user:{username_key}", window)
    per_ip = _count_attempt(f"portal:login:ip:{client_ip}", window)
    return (
        per_user <= settings.PORTAL_LOGIN_ATTEMPTS_PER_USER
        and per_ip <= settings.PORTAL_LOGIN_ATTEMPTS_PER_IP
    )


def portal_key_create(
    *, tenant_user: TenantUser, application: Application, label: str, scopes: list[str]
) -> tuple[ApiKey, str]:
    """An owner mints a key for one of their tenant's applications (shown once)."""
    _require_owner(tenant_user)
    return apikey_create(application=application, label=label, scopes=scopes)


def portal_key_roll(
    *, tenant_user: TenantUser, key: ApiKey, grace: timedelta
) -> tuple[ApiKey, str, ApiKey]:
    _require_owner(tenant_user)
    return apikey_roll(key=key, grace=grace)


def portal_key_revoke(*, tenant_user: TenantUser, key: ApiKey) -> ApiKey:
    _require_owner(tenant_user)
    return apikey_revoke(key=key)


@transaction.atomic
def tenant_user_set_role(*, actor: TenantUser, member: TenantUser, role: str) -> TenantUser:
    """An owner changes a member's role; the tenant always keeps an owner (the owners'
    rows are locked, so two owners demoting each other at once cannot both succeed)."""
    _require_owner(actor)
    if role not in TenantUser.Role.values:
        raise ValueError(f"role must be one of {TenantUser.Role.values}")
    owners = list(
        TenantUser.objects.select_for_update()
        .filter(tenant_id=actor.tenant_id, role=TenantUser.Role.OWNER)
        .values_list("pk", flat=True)
    )
    if role != TenantUser.Role.OWNER and owners == [member.pk]:
        raise LastOwner()
    TenantUser.objects.filter(pk=member.pk, tenant_id=actor.tenant_id).update(role=role)
    member.role = role
    return member


@transaction.atomic
def tenant_user_remove(*, actor: TenantUser, member: TenantUser) -> None:
    """An owner removes a user from the tenant (their Django user goes too)."""
    _require_owner(actor)
    owners = list(
        TenantUser.objects.select_for_update()
        .filter(tenant_id=actor.tenant_id, role=TenantUser.Role.OWNER)
        .values_list("pk", flat=True)
    )
    if owners == [member.pk]:
        raise LastOwner()
    get_user_model().objects.filter(
        pk=member.user_id, tenant_membership__tenant_id=actor.tenant_id
    ).delete()
