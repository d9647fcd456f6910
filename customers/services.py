"""Customer writes and their business rules; every route family calls these, none writes its own."""

from collections.abc import Collection
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.conditional import PreconditionFailed, if_match_allows
from customers.exceptions import (
    MSG_IDENTITY_REQUIRED,
    MSG_RESTORE_DUPLICATE,
    CustomerConflict,
    CustomerNotFound,
    CustomerValidationError,
)
from customers.models import CONSTRAINT_FIELDS, WRITABLE_FIELDS, Customer, CustomerState
from customers.selectors import customer_find_active_duplicate
from customers.validation import normalize_email, normalize_phone, normalize_vat
from tenants.models import Tenant

IDENTITY_FIELDS = ("first_name", "last_name", "email", "phone")


def _normalize(*, tenant: Tenant, data: dict[str, Any], api_fields: dict[str, str]) -> dict:
    """Trim names, validate and normalise email/phone/VAT for this tenant."""
    clean: dict[str, Any] = {}
    for field, value in data.items():
        if field not in WRITABLE_FIELDS:
            raise ValueError(f"{field} is not a writable customer field")
        if field in {"first_name", "last_name"}:
            value = (value or "").strip()
        elif field == "email":
            value = normalize_email(value, field=api_fields["email"])
        elif field == "phone":
            value = normalize_phone(value, tenant.default_region, field=api_fields["phone"])
        elif field == "vat_number":
            value = normalize_vat(value, strict=tenant.vat_strict, field=api_fields["vat_number"])
        elif field == "metadata":
            value = value or {}
        clean[field] = value
    return clean


def _require_identity(customer: Customer) -> None:
    if not any(getattr(customer, field) for field in IDENTITY_FIELDS):
        raise CustomerValidationError(None, MSG_IDENTITY_REQUIRED, "identity_required")


def _save_or_conflict(
    customer: Customer, *, api_fields: dict[str, str], template: str | None = None, **save_kwargs
) -> None:
    """Save; if a partial unique constraint fires, raise 409 naming the field and the holder.

    The database decides the race; the follow-up read only finds who won, for the message.
    """
    try:
        with transaction.atomic():
            customer.save(**save_kwargs)
    except IntegrityError as exc:
        field = _violated_field(exc)
        found = customer_find_active_duplicate(
            tenant=customer.tenant,
            email=customer.email,
            phone=customer.phone,
            exclude_id=customer.pk,
            field=field,
        )
        if found is None:  # not one of our uniqueness rules: let it surface as a 500
            raise
        field, existing = found
        kwargs = {"template": template} if template else {}
        raise CustomerConflict(
            field, existing.pk, api_field=api_fields.get(field, field), **kwargs
        ) from exc


def _violated_field(exc: IntegrityError) -> str | None:
    """PostgreSQL names the constraint; SQLite only says UNIQUE failed, so the lookup decides."""
    diag = getattr(getattr(exc, "__cause__", None), "diag", None)
    return CONSTRAINT_FIELDS.get(getattr(diag, "constraint_name", None) or "")


def customer_create(
    *, tenant: Tenant, data: dict[str, Any], api_fields: dict[str, str] = WRITABLE_FIELDS
) -> Customer:
    """Create an active customer; 400 without any identity field, 409 on a duplicate."""
    customer = Customer(
        tenant=tenant, **_normalize(tenant=tenant, data=data, api_fields=api_fields)
    )
    _require_identity(customer)
    _save_or_conflict(customer, api_fields=api_fields, force_insert=True)
    return customer


def _lock(customer: Customer, *, include_deleted: bool = False) -> Customer:
    """The customer's current row, locked until the transaction ends, so the write that
    follows is decided on what is stored now, not on what the caller read earlier. A
    soft-deleted customer counts as gone unless `include_deleted`: CustomerNotFound."""
    rows = Customer.objects.select_for_update().filter(pk=customer.pk, tenant_id=customer.tenant_id)
    if not include_deleted:
        rows = rows.filter(deleted_at__isnull=True)
    locked = rows.first()
    if locked is None:
        raise CustomerNotFound()
    locked.tenant = customer.tenant  # already loaded; not locked (FOR UPDATE covers self only)
    return locked


def _check_if_match(customer: Customer, if_match: Collection[str] | None) -> None:
    if not if_match_allows(customer.etag, if_match):
        raise PreconditionFailed()


def customer_update(
    *,
    customer: Customer,
    data: dict[str, Any],
    api_fields: dict[str, str] = WRITABLE_FIELDS,
    if_match: Collection[str] | None = None,
) -> Customer:
    """Partial update: only the fields sent change; the identity rule still holds afterwards.

    Decided under a row lock on the stored row: a concurrent update of other fields survives,
    an update of a customer deleted meanwhile is a 404 (it never brings it back), and
    `if_match` (entity tags, None for any) is compared with the stored version (412).
    """
    clean = _normalize(tenant=customer.tenant, data=data, api_fields=api_fields)
    with transaction.atomic():
        locked = _lock(customer)
        _check_if_match(locked, if_match)
        for field, value in clean.items():
            setattr(locked, field, value)
        _require_identity(locked)
        locked.version += 1
        _save_or_conflict(
            locked, api_fields=api_fields, update_fields=[*clean, "version", "updated_at"]
        )
    return locked


def customer_soft_delete(
    *, customer: Customer, if_match: Collection[str] | None = None
) -> Customer:
    """Soft delete: state inactive and deletedAt set; frees the email and phone for reuse.

    Under a row lock: of two concurrent deletes one wins and the other is a 404, as a second
    delete is; `if_match` as in customer_update (412 when it names another version).
    """
    with transaction.atomic():
        locked = _lock(customer)
        _check_if_match(locked, if_match)
        locked.state, locked.deleted_at = CustomerState.INACTIVE, timezone.now()
        locked.version += 1
        locked.save(update_fields=["state", "deleted_at", "version", "updated_at"])
    return locked


def customer_restore(
    *, customer: Customer, api_fields: dict[str, str] = WRITABLE_FIELDS
) -> Customer:
    """Undo a soft delete; 409 if its email or phone now belongs to another active customer
    (the partial unique indexes decide, also against a concurrent create). Restoring an
    active customer changes nothing."""
    with transaction.atomic():
        locked = _lock(customer, include_deleted=True)
        if locked.deleted_at is None:
            return locked
        locked.state, locked.deleted_at = CustomerState.ACTIVE, None
        locked.version += 1
        _save_or_conflict(
            locked,
            api_fields=api_fields,
            template=MSG_RESTORE_DUPLICATE,
            update_fields=["state", "deleted_at", "version", "updated_at"],
        )
    return locked
