"""INSERT statements made from unsaved model instances, for writes the ORM cannot send as one
statement (PostgreSQL data-modifying CTEs: `WITH a AS (INSERT ...), b AS (INSERT ... SELECT
... FROM a) ...`). Values are prepared exactly as the ORM prepares them for an insert (each
field's `pre_save` with `add=True`, so defaults and auto_now fields are set on the instance
too, then `get_db_prep_save`)."""

from collections.abc import Mapping
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model


@cache
def _statement(
    model: type[Model],
    vendor: str,
    select_from: str | None,
    expressions: tuple[tuple[str, str], ...],
    suffix: str,
) -> tuple[str, tuple[Field, ...]]:
    """The SQL text of insert_sql (the same for every instance: built once per process) and
    the fields whose values are its parameters, in order. Written columns: every local
    concrete field but an auto-incremented primary key (the database numbers it)."""
    meta = model._meta
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    given = dict(expressions)
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(given.get(f.column, "%s") for f in fields)
    body = f"SELECT {values} FROM {select_from}" if select_from else f"VALUES ({values})"
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) {body}{' ' + suffix if suffix else ''}"
    return sql, tuple(f for f in fields if f.column not in given)


def insert_sql(
    obj: Model,
    *,
    select_from: str | None = None,
    expressions: Mapping[str, str] | None = None,
    suffix: str = "",
) -> tuple[str, list]:
    """`INSERT INTO <table> (<columns>) VALUES (...)` for `obj`, or `... SELECT ... FROM
    <select_from>` (one row per row of that relation, typically a CTE: nothing if it is
    empty). `expressions` gives some columns (by column name) an SQL expression instead of
    the instance's value; `suffix` is appended (ON CONFLICT, RETURNING). Returns (sql, params)."""
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-access proxy
    sql, fields = _statement(
        type(obj), db.vendor, select_from, tuple(sorted((expressions or {}).items())), suffix
    )
    return sql, [field.get_db_prep_save(field.pre_save(obj, True), db) for field in fields]
