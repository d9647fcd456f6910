"""Tenant-scoped customer reads: the only place customer queries filter by tenant."""

import re
import uuid
from collections.abc import Mapping

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from core.db.rows import RowReader
from core.pagination import keyset_slice, make_sorts
from customers.exceptions import CustomerNotFound
from customers.filters import CustomerFilter
from customers.models import EMAIL_KEY, ApiProduct, Customer, CustomerState, TenantCounter
from customers.validation import parse_phone
from tenants.models import Tenant

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def email_is(email: str) -> Q:
    """Email equality as uniqueness defines it: the unique index's own expression and
    condition, so the lookup is a seek on that index (never UPPER(email), which none covers)."""
    return Q(Exact(EMAIL_KEY, Lower(Value(email)))) & ~Q(email="")


# The hot single-customer reads (GET by id, by email, by phone), as plain SQL kept once per
# process (core.db.rows): the same rows and conditions as the querysets below would select,
# without building one per request. Email compares as the unique index holds it (EMAIL_KEY);
# each WHERE implies its index's condition, so each read is one seek on that index.
_ACTIVE_SQL = '"deleted_at" IS NULL'
_BY_ID_ANY = RowReader(Customer, '"tenant_id" = %s AND "id" = %s')
_BY_ID = RowReader(Customer, f'"tenant_id" = %s AND "id" = %s AND {_ACTIVE_SQL}')
_BY_EMAIL = RowReader(
    Customer,
    f'"tenant_id" = %s AND LOWER("email") = LOWER(%s) AND NOT ("email" = \'\') AND {_ACTIVE_SQL}',
)
_BY_PHONE = RowReader(
    Customer, f'"tenant_id" = %s AND "phone" = %s AND NOT ("phone" = \'\') AND {_ACTIVE_SQL}'
)

# `paged`'s total without a filter: the tenant's counter row, by primary key.
_COUNTER = RowReader(TenantCounter, '"tenant_id" = %s')
# Every company-route call checks its product: the same one-row read, on the slug's index.
_ACTIVE_PRODUCT = RowReader(ApiProduct, '"slug" = %s AND "is_active" = %s')


def _only(qs: QuerySet) -> Customer | None:
    """The one row a unique key selects, read without the model's default ordering, so
    PostgreSQL reads it from the unique index and sorts nothing."""
    return next(iter(qs.order_by()[:1]), None)


def customer_base_queryset(*, tenant: Tenant, include_deleted: bool = False) -> QuerySet:
    qs = Customer.objects.filter(tenant=tenant)
    return qs if include_deleted else qs.filter(deleted_at__isnull=True)


def customer_list(
    *, tenant: Tenant, filters: Mapping[str, object] | None = None, include_deleted: bool = False
) -> QuerySet:
    """Customers of `tenant` matching `filters`: CustomerFilter's, as CustomerListQuerySerializer
    validated them (other keys, such as paging parameters, are ignored); asking for
    state=inactive includes the soft-deleted ones, since that is what inactive means.
    Each filter applies itself (no FilterSet per request: it would deep-copy its filters and
    build, then validate, a form of what the serializer has already validated)."""
    filters = filters or {}
    if filters.get("state") == CustomerState.INACTIVE:
        include_deleted = True
    qs = customer_base_queryset(tenant=tenant, include_deleted=include_deleted)
    for name, filter_ in CustomerFilter.base_filters.items():
        if name in filters:
            qs = filter_.filter(qs, filters[name])
    return qs


def customer_active_count(*, tenant: Tenant) -> int:
    """How many active customers the tenant has: one primary-key read of the counter the
    database triggers keep exact (customers.counting), never a COUNT over customers."""
    counter = _COUNTER.first([tenant.pk])
    return counter.active if counter is not None else 0


# A filtered `total` counts the matches up to this many (or the end of the page asked for, if
# further): past it, finding every match would cost a table read per match (README, Paging).
FILTERED_TOTAL_CAP = 1000


def customer_list_total(
    *,
    tenant: Tenant,
    filters: Mapping[str, object],
    include_deleted: bool,
    queryset: QuerySet,
    at_least: int = 0,
) -> tuple[int, bool]:
    """(total, exact) of `queryset` (customer_list's, for these arguments). Every active
    customer: the counter, exact. With a filter or soft-deleted ones: the matches counted up
    to `bound` = max(FILTERED_TOTAL_CAP, at_least); if there are more, (bound, False): a
    lower bound, still past the page the caller shows (`at_least` is its end)."""
    filtered = any(str(filters.get(name) or "").strip() for name in CustomerFilter.base_filters)
    if filtered or include_deleted:
        bound = max(FILTERED_TOTAL_CAP, at_least)
        found = queryset.order_by()[: bound + 1].count()
        return (found, True) if found <= bound else (bound, False)
    return customer_active_count(tenant=tenant), True


def customer_export_queryset(*, tenant: Tenant, include_deleted: bool = False) -> QuerySet:
    """The tenant's customers for an export, oldest first (a stable order to stream)."""
    return customer_base_queryset(tenant=tenant, include_deleted=include_deleted).order_by(
        "created_at", "pk"
    )


OLDEST_FIRST = make_sorts({"createdAt": ("created_at", True)})["createdAt"]


def customer_list_oldest_first(
    *, tenant: Tenant, cursor: str | None, limit: int
) -> tuple[list[Customer], str | None]:
    """Active customers, oldest first, `limit` after the keyset `cursor`: the list the
    company and churnkey route families page through. Returns (customers, next cursor)."""
    return keyset_slice(customer_list(tenant=tenant), sort=OLDEST_FIRST, cursor=cursor, limit=limit)


def customer_get(*, tenant: Tenant, customer_id, include_deleted: bool = False) -> Customer | None:
    """One customer of this tenant, or None (also for malformed ids: another tenant's id and
    a made-up one look the same)."""
    try:
        pk = uuid.UUID(str(customer_id))
    except ValueError:
        return None
    reader = _BY_ID_ANY if include_deleted else _BY_ID
    return reader.first([tenant.pk, reader.db_value("id", pk)])


def customer_get_by_email(*, tenant: Tenant, email: str) -> Customer | None:
    """Exact, case-insensitive match among active customers."""
    email = (email or "").strip()
    # No stored email is longer (NUL never gets here: core.middleware refuses it with 400).
    if not email or len(email) > 254:
        return None
    return _BY_EMAIL.first([tenant.pk, email])


def customer_get_by_phone(*, tenant: Tenant, phone: str) -> Customer | None:
    """Exact match after normalising to E.164 in the tenant's region; None if unparsable."""
    e164 = parse_phone(phone, tenant.default_region)
    if e164 is None:
        return None
    return _BY_PHONE.first([tenant.pk, e164])


def customer_get_or_404(
    *,
    tenant: Tenant,
    customer_id=None,
    email: str | None = None,
    phone: str | None = None,
    include_deleted: bool = False,
) -> Customer:
    """The tenant's customer by exactly one of id, email or phone, read as the selectors
    above read them (`include_deleted` applies to the id); else CustomerNotFound, the same
    404 for another tenant's customer as for a made-up one."""
    if sum(value is not None for value in (customer_id, email, phone)) != 1:
        raise TypeError("pass exactly one of customer_id, email or phone")
    if customer_id is not None:
        customer = customer_get(
            tenant=tenant, customer_id=customer_id, include_deleted=include_deleted
        )
    elif email is not None:
        customer = customer_get_by_email(tenant=tenant, email=email)
    else:
        customer = customer_get_by_phone(tenant=tenant, phone=phone)
    if customer is None:
        raise CustomerNotFound()
    return customer


def customer_find_active_duplicate(
    *, tenant: Tenant, email: str, phone: str, exclude_id=None, field: str | None = None
) -> tuple[str, Customer] | None:
    """Which active customer already holds this email or phone (checked in that order)."""
    base = customer_base_queryset(tenant=tenant).exclude(pk=exclude_id)
    checks = [("email", email_is(email)), ("phone", Q(phone=phone))]
    if field is not None:
        checks.sort(key=lambda check: check[0] != field)
    for name, lookup in checks:
        value = email if name == "email" else phone
        if value:
            holder = _only(base.filter(lookup))
            if holder is not None:
                return name, holder
    return None


def customer_find_active_duplicates(
    *, tenant: Tenant, pairs: list[tuple[str, str]]
) -> list[tuple[str, Customer] | None]:
    """customer_find_active_duplicate for each (email, phone) pair, in three queries at
    most, whatever the number of pairs: the emails as the unique index compares them (the
    database lowers them, as EMAIL_KEY does), then the holders of those and of the phones."""
    emails = sorted({email for email, _ in pairs if email})
    phones = sorted({phone for _, phone in pairs if phone})
    base = customer_base_queryset(tenant=tenant)
    keys: dict[str, str] = {}
    by_key: dict[str, Customer] = {}
    if emails:
        lowered = Tenant.objects.filter(pk=tenant.pk).values(
            **{f"e{n}": Lower(Value(email)) for n, email in enumerate(emails)}
        )[0]
        keys = {email: lowered[f"e{n}"] for n, email in enumerate(emails)}
        holders = base.exclude(email="").annotate(email_key=EMAIL_KEY)
        by_key = {
            c.email_key: c for c in holders.filter(email_key__in=set(keys.values())).order_by()
        }
    by_phone = {c.phone: c for c in base.filter(phone__in=phones).order_by()} if phones else {}
    found: list[tuple[str, Customer] | None] = []
    for email, phone in pairs:
        if email and keys[email] in by_key:
            found.append(("email", by_key[keys[email]]))
        elif phone and phone in by_phone:
            found.append(("phone", by_phone[phone]))
        else:
            found.append(None)
    return found


def api_product_get_active(*, slug: str) -> ApiProduct | None:
    """The active product with this URL slug, or None (also for text no slug could be)."""
    if not _SLUG.fullmatch(slug or ""):
        return None
    return _ACTIVE_PRODUCT.first([slug, True])
