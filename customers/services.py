"""Customer writes and their business rules; every route family calls these, none writes its own."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.changes import records_change, render, render_locked
from customers.exceptions import (
    MSG_IDENTITY_REQUIRED,
    MSG_RESTORE_DUPLICATE,
    CustomerConflict,
    CustomerErased,
    CustomerValidationError,
)
from customers.models import CONSTRAINT_FIELDS, WRITABLE_FIELDS, Customer, CustomerState
from customers.selectors import customer_find_active_duplicate
from customers.validation import normalize_email, normalize_phone, normalize_vat
from events.services import customer_erase_record
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


@records_change("created")
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


@records_change("updated")
def customer_update(
    *, customer: Customer, data: dict[str, Any], api_fields: dict[str, str] = WRITABLE_FIELDS
) -> Customer:
    """Partial update: only the fields sent change; the identity rule still holds afterwards."""
    clean = _normalize(tenant=customer.tenant, data=data, api_fields=api_fields)
    for field, value in clean.items():
        setattr(customer, field, value)
    _require_identity(customer)
    _save_or_conflict(customer, api_fields=api_fields)
    return customer


@records_change("deleted")
def customer_soft_delete(*, customer: Customer) -> Customer:
    """Soft delete: state inactive and deletedAt set; frees the email and phone for reuse."""
    now = timezone.now()
    updated = Customer.objects.filter(pk=customer.pk, deleted_at__isnull=True).update(
        state=CustomerState.INACTIVE, deleted_at=now, updated_at=now
    )
    if updated:
        customer.state, customer.deleted_at, customer.updated_at = CustomerState.INACTIVE, now, now
    return customer


@records_change("restored")
def customer_restore(
    *, customer: Customer, api_fields: dict[str, str] = WRITABLE_FIELDS
) -> Customer:
    """Undo a soft delete; 409 if its email or phone now belongs to another active customer."""
    if customer.deleted_at is None:
        return customer
    if customer.erased_at is not None:
        raise CustomerErased()
    customer.state = CustomerState.ACTIVE
    customer.deleted_at = None
    _save_or_conflict(
        customer,
        api_fields=api_fields,
        template=MSG_RESTORE_DUPLICATE,
        update_fields=["state", "deleted_at", "updated_at"],
    )
    return customer


# GDPR erasure: the personal fields, blanked in the row, its history and its events.
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "vat_number", "metadata")


def customer_erase(*, customer: Customer) -> Customer:
    """Irreversibly anonymise a customer: personal fields cleared in the row and in its
    history, events and pending webhook payloads; the row (soft-deleted), its id and
    timestamps stay. Emits customer.erased; erasing again changes nothing."""
    with transaction.atomic():
        before = render_locked(customer)
        customer.refresh_from_db()
        if customer.erased_at is not None:
            return customer
        now = timezone.now()
        for field in PERSONAL_FIELDS:
            setattr(customer, field, Customer._meta.get_field(field).get_default())
        customer.state = CustomerState.INACTIVE
        customer.deleted_at = customer.deleted_at or now
        customer.erased_at = now
        customer.save()
        customer_erase_record(
            tenant_id=customer.tenant_id,
            before=before,
            after=render(customer),
            personal_fields=[WRITABLE_FIELDS[field] for field in PERSONAL_FIELDS],
        )
    return customer
