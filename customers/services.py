"""Customer writes and their business rules; every route family calls these, none writes its own."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.conditional import PreconditionFailed, if_match_allows
from core.problems import ApplicationError
from customers.changes import customer_insert_recorded, records_change, render
from customers.exceptions import (
    MSG_IDENTITY_REQUIRED,
    MSG_RESTORE_DUPLICATE,
    CustomerConflict,
    CustomerErased,
    CustomerNotFound,
    CustomerValidationError,
    IdentityWouldBeLost,
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


def _has_identity(customer: Customer | dict[str, Any]) -> bool:
    get = customer.get if isinstance(customer, dict) else partial(getattr, customer)
    return any(get(field, None) for field in IDENTITY_FIELDS)


def _conflict(
    customer: Customer,
    *,
    api_fields: dict[str, str],
    field: str | None = None,
    template: str | None = None,
) -> CustomerConflict | None:
    """The 409 for a write a partial unique index refused: names the field and the active
    customer holding it (None if no active customer holds it, any more or at all)."""
    found = customer_find_active_duplicate(
        tenant=customer.tenant,
        email=customer.email,
        phone=customer.phone,
        exclude_id=customer.pk,
        field=field,
    )
    if found is None:
        return None
    field, existing = found
    kwargs = {"template": template} if template else {}
    return CustomerConflict(field, existing.pk, api_field=api_fields.get(field, field), **kwargs)


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
        conflict = _conflict(
            customer, api_fields=api_fields, field=_violated_field(exc), template=template
        )
        if conflict is None:  # not one of our uniqueness rules: let it surface as a 500
            raise
        raise conflict from exc


def _violated_field(exc: IntegrityError) -> str | None:
    """PostgreSQL names the constraint; SQLite only says UNIQUE failed, so the lookup decides."""
    diag = getattr(getattr(exc, "__cause__", None), "diag", None)
    return CONSTRAINT_FIELDS.get(getattr(diag, "constraint_name", None) or "")


def customer_clean(
    *, tenant: Tenant, data: dict[str, Any], api_fields: dict[str, str] = WRITABLE_FIELDS
) -> dict[str, Any]:
    """The normalised fields of a new customer that passes every rule but uniqueness (which
    only the database decides, on insert); 400 (CustomerValidationError) otherwise."""
    clean = _normalize(tenant=tenant, data=data, api_fields=api_fields)
    if not _has_identity(clean):  # the body alone breaks the rule: 400
        raise CustomerValidationError(None, MSG_IDENTITY_REQUIRED, "identity_required")
    return clean


def customer_build(
    *, tenant: Tenant, data: dict[str, Any], api_fields: dict[str, str] = WRITABLE_FIELDS
) -> Customer:
    """An unsaved customer made of customer_clean's fields."""
    return Customer(
        tenant=tenant, **customer_clean(tenant=tenant, data=data, api_fields=api_fields)
    )


# A duplicate's holder can be soft-deleted between the refused INSERT and the read that looks
# for it; the create then simply tries again (a second such race in a row is not expected).
_CREATE_ATTEMPTS = 3


def customer_create(
    *, tenant: Tenant, data: dict[str, Any], api_fields: dict[str, str] = WRITABLE_FIELDS
) -> Customer:
    """Create an active customer with its record (customers.changes.customer_insert_recorded);
    400 without any identity field, 409 on a duplicate email or phone, as the database's
    partial unique indexes decide (also between concurrent creates)."""
    customer = customer_build(tenant=tenant, data=data, api_fields=api_fields)
    for _attempt in range(_CREATE_ATTEMPTS):
        try:
            if customer_insert_recorded(customer):
                return customer
            field, cause = None, None  # PostgreSQL: the INSERT skipped the row
        except IntegrityError as exc:  # the ORM path (SQLite) raises instead
            field, cause = _violated_field(exc), exc
        conflict = _conflict(customer, api_fields=api_fields, field=field)
        if conflict is not None:
            raise conflict from cause
        if cause is not None:  # not one of our uniqueness rules: let it surface as a 500
            raise cause
    raise RuntimeError(f"customer_create: refused {_CREATE_ATTEMPTS} times, no holder found")


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


@dataclass(frozen=True)
class BulkOutcome:
    """One item of a bulk create: the customer made, or the error that refused it."""

    index: int
    customer: Customer | None = None
    error: ApplicationError | None = None


def customer_bulk_create(
    *, tenant: Tenant, items: Mapping[int, dict[str, Any]]
) -> dict[int, BulkOutcome]:
    """Create each item (by its index in the call) as `customer_create` would; an item's
    400 or 409 refuses that item only.

    One transaction for the call (each item one statement on PostgreSQL, a savepoint on
    SQLite: customer_create's own): the unique indexes see earlier items of the same call,
    so the database decides duplicates within the call as between calls, and the call is
    written whole or (on a crash) not at all.
    """
    outcomes = {}
    with transaction.atomic():
        for index, data in items.items():
            try:
                outcomes[index] = BulkOutcome(index, customer_create(tenant=tenant, data=data))
            except ApplicationError as exc:
                outcomes[index] = BulkOutcome(index, error=exc)
    return outcomes


@records_change("updated")
def customer_update(
    *,
    customer: Customer,
    data: dict[str, Any],
    api_fields: dict[str, str] = WRITABLE_FIELDS,
    if_match: Collection[str] | None = None,
) -> Customer:
    """Partial update: only the fields sent change; the identity rule still holds afterwards
    (409 identity_required if this update would leave the customer with none).

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
        if not _has_identity(locked):
            raise IdentityWouldBeLost()
        locked.version += 1
        _save_or_conflict(
            locked, api_fields=api_fields, update_fields=[*clean, "version", "updated_at"]
        )
    return locked


@records_change("deleted")
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


@records_change("restored")
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
        if locked.erased_at is not None:
            raise CustomerErased()
        locked.state, locked.deleted_at = CustomerState.ACTIVE, None
        locked.version += 1
        _save_or_conflict(
            locked,
            api_fields=api_fields,
            template=MSG_RESTORE_DUPLICATE,
            update_fields=["state", "deleted_at", "version", "updated_at"],
        )
    return locked


# GDPR erasure: the personal fields, blanked in the row, its history and its events.
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "vat_number", "metadata")


def customer_erase(*, customer: Customer) -> Customer:
    """Irreversibly anonymise a customer: personal fields cleared in the row and in its
    history, events and pending webhook payloads; the row (soft-deleted), its id and
    timestamps stay. Emits customer.erased; erasing again changes nothing.

    Under a row lock (a soft-deleted customer too); the version moves on, so the ETag does."""
    with transaction.atomic():
        locked = _lock(customer, include_deleted=True)
        if locked.erased_at is not None:
            return locked
        before = render(locked)
        now = timezone.now()
        for field in PERSONAL_FIELDS:
            setattr(locked, field, Customer._meta.get_field(field).get_default())
        locked.state = CustomerState.INACTIVE
        locked.deleted_at = locked.deleted_at or now
        locked.erased_at = now
        locked.version += 1
        locked.save(
            update_fields=[
                *PERSONAL_FIELDS,
                "state",
                "deleted_at",
                "erased_at",
                "version",
                "updated_at",
            ]
        )
        customer_erase_record(
            tenant_id=locked.tenant_id,
            before=before,
            after=render(locked),
            personal_fields=[WRITABLE_FIELDS[field] for field in PERSONAL_FIELDS],
        )
    return locked
