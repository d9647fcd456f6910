"""Bulk import of customers: the API's validation row by row, written in chunks.

Each row goes through CustomerWriteSerializer (the /v1 create body) and customer_build (the
service rules), exactly as POST /v1/customer; then a chunk of valid rows is written with one
INSERT ... ON CONFLICT DO NOTHING (fed by COPY on PostgreSQL), so the unique indexes decide
duplicates, against existing customers and earlier rows, without a query per row. Only rows
the insert skipped are looked at again, to skip, update or stop as asked. The customers
inserted get the history entry, event and outbox rows a single create records
(events.services.customers_created_record), in the chunk's transaction.

Validation is pure (no database), so `validate_chunk` can run in worker processes while the
parent writes (see import_customers --workers). The workers also do the per-row work the
parent would otherwise do: they render each new customer as the API will show it (all but
its timestamps, which the parent stamps when it inserts) and prepare its COPY columns.

Resuming: a row's id is a UUID derived from the tenant and the row's normalised content, so
importing a row a second time hits the primary key and is skipped, never duplicated, even for
rows without email or phone, and even if a run died between its commit and its checkpoint.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from core.problems import ApplicationError, problem_for
from customers.changes import render, render_new_json, stamper
from customers.models import WRITABLE_FIELDS, Customer, CustomerState
from customers.selectors import customer_find_active_duplicate, customer_find_active_duplicates
from customers.serializers import CustomerWriteSerializer
from customers.services import customer_clean, customer_update
from events.services import customers_created_record, customers_created_record_json
from tenants.models import Tenant

ON_DUPLICATE = ("skip", "update", "fail")
_ROW_ID_NAMESPACE = uuid.UUID("6d1f3c8e-2b4a-4f4e-9c61-3f0a8f5b2e10")
MSG_DUPLICATE = "Duplicate of customer {id} ({field})."
MSG_CONFLICT_RETRY = "Not written: it conflicted with a row being changed; import it again."
# The columns an import writes, in the order the COPY path sends them; every column of the
# model, so a new one (with its default) is written without touching this module.
_COLUMNS = [f.column for f in Customer._meta.concrete_fields]
_ATTNAMES = [f.attname for f in Customer._meta.concrete_fields]
# The columns the writer sets for a whole chunk; the workers prepare the others, in order.
_CHUNK_ATTNAMES = ("tenant_id", "state", "created_at", "updated_at")
_ROW_ATTNAMES = [name for name in _ATTNAMES if name not in _CHUNK_ATTNAMES]
_COPY_COLUMNS = ", ".join(
    Customer._meta.get_field(name).column for name in (*_ROW_ATTNAMES, *_CHUNK_ATTNAMES)
)


def _defaults() -> dict[str, Any]:
    """Each column's model default (None where there is none), computed per row."""
    return {f.attname: f.get_default() for f in Customer._meta.concrete_fields}


# What a field not sent in a row is (as on a model instance made without it).
_DEFAULTS = {
    name: Customer._meta.get_field(name).get_default()
    for name in WRITABLE_FIELDS
    if name != "metadata"  # a new dict for each row, below
}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0

    def add(self, other: Counts) -> None:
        for name in ("created", "updated", "skipped", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.skipped + self.rejected


class ValidRow(NamedTuple):
    """A valid row as a worker sends it back: a tuple of plain values, since unpickling (in
    the parent, which is the bottleneck) costs several times more for a dataclass or a UUID."""

    line: int
    data: dict[str, Any] | None  # the validated API body, kept for updates only
    values: dict[str, Any]  # the normalised model fields, id included (as text)
    record: tuple[str, str]  # what its creation records, as JSON, but its timestamps
    copy: tuple  # the _ROW_ATTNAMES columns as COPY sends them (defaults filled, JSON as text)


@dataclass
class Validated:
    """A chunk after validation: rows to write, rows refused, repeats within the chunk."""

    valid: list[ValidRow] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    repeated: int = 0
    last_line: int = 0
    rows: int = 0  # rows read, whatever became of them


@dataclass
class ChunkResult:
    counts: Counts = field(default_factory=Counts)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


class DuplicateRow(Exception):
    """--on-duplicate fail: the row's chunk is rolled back and the import stops."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"row {line}: {reason}")
        self.line, self.reason = line, reason


def _reason(exc: Exception) -> str:
    return problem_for(exc)["detail"]


def row_id(tenant_pk: int, values: dict[str, Any]) -> uuid.UUID:
    """The same row content (after normalisation) always gets the same id in a tenant."""
    content = {name: values[name] for name in WRITABLE_FIELDS}
    content["email"] = content["email"].lower()
    key = f"{tenant_pk}|{json.dumps(content, sort_keys=True, default=str)}"
    return uuid.uuid5(_ROW_ID_NAMESPACE, key)


class RowValidator:
    """The /v1 create validation for one tenant, with the serializer's fields built once."""

    def __init__(self, tenant: Tenant, *, keep_data: bool = True):
        self.tenant, self.keep_data = tenant, keep_data
        self.serializer = CustomerWriteSerializer()

    def validate_chunk(self, rows: Iterable[tuple[int, dict[str, Any] | str]]) -> Validated:
        """Rows are (line, fields, or why the row could not be read)."""
        out, seen = Validated(), set()
        # Defaults once for the chunk: the only per-row one (the id's uuid4) every row replaces.
        defaults = _defaults()
        for line, raw in rows:
            out.last_line, out.rows = line, out.rows + 1
            if isinstance(raw, str):
                out.rejected.append((line, raw))
                continue
            try:
                data = self.serializer.run_validation(raw)
                values = {**_DEFAULTS, "metadata": {}}
                values.update(customer_clean(tenant=self.tenant, data=data))
            except (ValidationError, ApplicationError) as exc:
                out.rejected.append((line, _reason(exc)))
                continue
            values["id"] = str(row_id(self.tenant.pk, values))
            if values["id"] in seen:  # the very same row twice in this chunk
                out.repeated += 1
                continue
            seen.add(values["id"])
            record = render_new_json(Customer(tenant_id=self.tenant.pk, **values))
            copy = {**defaults, **values, "metadata": json.dumps(values["metadata"])}
            out.valid.append(
                ValidRow(
                    line,
                    data if self.keep_data else None,
                    values,
                    record,
                    tuple(copy[name] for name in _ROW_ATTNAMES),
                )
            )
        return out


class Importer:
    """Writes validated chunks for one tenant, one transaction each."""

    def __init__(self, *, tenant: Tenant, on_duplicate: str = "skip"):
        if on_duplicate not in ON_DUPLICATE:
            raise ValueError(f"on_duplicate must be one of {ON_DUPLICATE}")
        self.tenant, self.on_duplicate = tenant, on_duplicate
        self.validator = RowValidator(tenant, keep_data=on_duplicate == "update")

    def import_chunk(self, rows: Iterable[tuple[int, dict[str, Any] | str]]) -> ChunkResult:
        """Validate and write, in this process."""
        return self.write_chunk(self.validator.validate_chunk(rows))

    def write_chunk(self, validated: Validated) -> ChunkResult:
        """Write one validated chunk in one transaction; raises DuplicateRow (nothing of the
        chunk written) in `fail` mode."""
        result = ChunkResult(rejected=list(validated.rejected))
        result.counts.rejected = len(validated.rejected)
        result.counts.skipped = validated.repeated
        if validated.valid:
            with transaction.atomic():
                write = _insert_copy if connection.vendor == "postgresql" else _insert_orm
                existed, inserted = write(self.tenant, validated.valid)
                result.counts.created = len(inserted)
                duplicates = []
                for row in validated.valid:
                    if row.values["id"] in inserted:
                        continue
                    if row.values["id"] in existed:  # imported by an earlier run
                        result.counts.skipped += 1
                        continue
                    duplicates.append(row)
                self._duplicates(duplicates, result)
        result.rejected.sort()
        return result

    def _duplicates(self, rows: list[ValidRow], result: ChunkResult) -> None:
        """Rows the unique indexes refused, in file order. Their holders are looked up all at
        once; with `update` one at a time, after the previous row's update (which can change
        who holds the next row's email or phone)."""
        if not rows:
            return
        if self.on_duplicate == "update":
            holders = (
                customer_find_active_duplicate(
                    tenant=self.tenant, email=row.values["email"], phone=row.values["phone"]
                )
                for row in rows
            )
        else:
            holders = customer_find_active_duplicates(
                tenant=self.tenant,
                pairs=[(row.values["email"], row.values["phone"]) for row in rows],
            )
        for row, found in zip(rows, holders, strict=True):
            self._duplicate(row, found, result)

    def _duplicate(
        self, row: ValidRow, found: tuple[str, Customer] | None, result: ChunkResult
    ) -> None:
        if found is None:  # the holder changed meanwhile
            result.rejected.append((row.line, MSG_CONFLICT_RETRY))
            result.counts.rejected += 1
            return
        name, holder = found
        reason = MSG_DUPLICATE.format(id=holder.pk, field=WRITABLE_FIELDS.get(name, name))
        if self.on_duplicate == "fail":
            raise DuplicateRow(row.line, reason)
        if self.on_duplicate == "skip":
            result.counts.skipped += 1
            return
        try:
            with transaction.atomic():
                customer_update(customer=holder, data=row.data)
        except ApplicationError as exc:  # the update would duplicate yet another customer
            result.rejected.append((row.line, _reason(exc)))
            result.counts.rejected += 1
        else:
            result.counts.updated += 1


def _insert_orm(tenant: Tenant, rows: list[ValidRow]) -> tuple[set, set]:
    """Any database: bulk_create(ignore_conflicts) and a look at which ids are there.
    Records the customers inserted (history, events, outbox) as a single create does. Returns
    the ids (as text) that existed before and those inserted."""
    ids = [row.values["id"] for row in rows]
    qs = Customer.objects.filter(tenant=tenant, pk__in=ids)
    existed = {str(pk) for pk in qs.values_list("pk", flat=True)}
    new = [Customer(tenant=tenant, **row.values) for row in rows if row.values["id"] not in existed]
    Customer.objects.bulk_create(new, ignore_conflicts=True)
    present = {str(pk) for pk in qs.values_list("pk", flat=True)}
    inserted = [c for c in new if c.pk in present]
    customers_created_record(tenant_id=tenant.pk, afters=[render(c) for c in inserted])
    return existed, {c.pk for c in inserted}


def _insert_copy(tenant: Tenant, rows: list[ValidRow]) -> tuple[set, set]:
    """PostgreSQL: COPY the chunk into a temporary table, then one INSERT ... SELECT ... ON
    CONFLICT DO NOTHING RETURNING id, in file order (so the first of two duplicates wins).
    Records and returns as _insert_orm does; the records are the workers' texts, stamped."""
    table = Customer._meta.db_table
    columns = ", ".join(_COLUMNS)
    now = timezone.now()
    fixed = (tenant.pk, CustomerState.ACTIVE.value, now, now)  # _CHUNK_ATTNAMES
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS import_chunk "
            f"(line integer, LIKE {table}) ON COMMIT DELETE ROWS"
        )
        cursor.execute("DELETE FROM import_chunk")  # inside a test's outer transaction too
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY import_chunk (line, {_COPY_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((row.line, *row.copy, *fixed))
        cursor.execute(f"SELECT id::text FROM {table} JOIN import_chunk USING (id)")
        existed = {r[0] for r in cursor.fetchall()}
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM import_chunk "
            f"ORDER BY line ON CONFLICT DO NOTHING RETURNING id::text"
        )
        inserted = {r[0] for r in cursor.fetchall()}
    stamp = stamper(now)
    customers_created_record_json(
        tenant_id=tenant.pk,
        customers=[
            (row.values["id"], *stamp(row.record)) for row in rows if row.values["id"] in inserted
        ],
    )
    return existed, inserted


# --- Worker processes -----------------------------------------------------------------------

_worker_validator: RowValidator | None = None


def worker_init(tenant: Tenant, keep_data: bool) -> None:
    """Pool initializer: each worker validates for this tenant (no database use)."""
    global _worker_validator
    _worker_validator = RowValidator(tenant, keep_data=keep_data)


def worker_validate(rows: list[tuple[int, dict[str, Any] | str]]) -> Validated:
    return _worker_validator.validate_chunk(rows)
