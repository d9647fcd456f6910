"""INSERT statements made from unsaved model instances, for writes the ORM cannot send as one
statement (PostgreSQL data-modifying CTEs: `WITH a AS (INSERT ...), b AS (INSERT ... SELECT
... FROM a) ...`). Values are prepared exactly as the ORM prepares them for an insert (each
field's `pre_save` with `add=True`, so defaults and auto_now fields are set on the instance
too, then `get_db_prep_save`)."""

from collections.abc import Mapping
from functools import cache

from django.db import connection
from django.db.models import Field, Model


@cache
def _insert_fields(model: type[Model]) -> tuple[Field, ...]:
    """The columns an ORM insert of `model` writes: every local concrete field but an
    auto-incremented primary key (the database numbers it)."""
    meta = model._meta
    return tuple(
        field
        for field in meta.local_concrete_fields
        if field is not meta.auto_field and not field.generated
    )


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
    expressions = expressions or {}
    quote = connection.ops.quote_name
    columns, values, params = [], [], []
    for field in _insert_fields(type(obj)):
        columns.append(quote(field.column))
        if field.column in expressions:
            values.append(expressions[field.column])
            continue
        values.append("%s")
        params.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
    head = f"INSERT INTO {quote(obj._meta.db_table)} ({', '.join(columns)}) "
    body = (
        f"SELECT {', '.join(values)} FROM {select_from}"
        if select_from
        else f"VALUES ({', '.join(values)})"
    )
    return f"{head}{body}{' ' + suffix if suffix else ''}", params
