"""Customer writes and their business rules; every route family calls these, none writes its own."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.exceptions import (
    MSG_IDENTITY_REQUIRED,
    MSG_RESTORE_DUPLICATE,
    CustomerConflict,
    CustomerValidationError,
    IdentityWouldBeLost,
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


def _has_identity(customer: Customer) -> bool:
    return any(getattr(customer, field) for field in IDENTITY_FIELDS)


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
    if not _has_identity(customer):  # the body alone breaks the rule: 400
        raise CustomerValidationError(None, MSG_IDENTITY_REQUIRED, "identity_required")
    _save_or_conflict(customer, api_fields=api_fields, force_insert=True)
    return customer


def customer_update(
    *, customer: Customer, data: dict[str, Any], api_fields: dict[str, str] = WRITABLE_FIELDS
) -> Customer:
    """Partial update: only the fields sent change; the identity rule still holds afterwards
    (409 identity_required if this update would leave the customer with none)."""
    clean = _normalize(tenant=customer.tenant, data=data, api_fields=api_fields)
    for field, value in clean.items():
        setattr(customer, field, value)
    if not _has_identity(customer):
        raise IdentityWouldBeLost()
    _save_or_conflict(customer, api_fields=api_fields)
    return customer


def customer_soft_delete(*, customer: Customer) -> Customer:
    """Soft delete: state inactive and deletedAt set; frees the email and phone for reuse."""
    now = timezone.now()
    updated = Customer.objects.filter(pk=customer.pk, deleted_at__isnull=True).update(
        state=CustomerState.INACTIVE, deleted_at=now, updated_at=now
    )
    if updated:
        customer.state, customer.deleted_at, customer.updated_at = CustomerState.INACTIVE, now, now
    return customer


def customer_restore(
    *, customer: Customer, api_fields: dict[str, str] = WRITABLE_FIELDS
) -> Customer:
    """Undo a soft delete; 409 if its email or phone now belongs to another active customer."""
    if customer.deleted_at is None:
        return customer
    customer.state = CustomerState.ACTIVE
    customer.deleted_at = None
    _save_or_conflict(
        customer,
        api_fields=api_fields,
        template=MSG_RESTORE_DUPLICATE,
        update_fields=["state", "deleted_at", "updated_at"],
    )
    return customer
