"""Many rows of one model in one COPY (PostgreSQL): what bulk_create writes, without building
a model instance and adapting every value of every row.

bulk_create on PostgreSQL sends each column as an array parameter; with client-side binding
psycopg quotes every element of every array in Python, which costs more than the rows'
whole INSERT on the server. COPY streams the rows as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models


def _batch_values(model: type[models.Model], fields: list[models.Field]) -> list:
    """The value bulk_create would give each of `fields` on a new row, once for the batch:
    pre_save of an instance made without them (its default, or now for auto_now)."""
    probe = model()
    return [f.get_db_prep_save(f.pre_save(probe, add=True), connection) for f in fields]


def copy_insert(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY `rows` (the values of the fields `names`, attnames, in that order, as psycopg
    adapts them: JSON as its text) into `model`'s table in the current transaction; every
    other concrete field but an auto primary key takes its bulk_create value, the same for
    the whole batch. PostgreSQL only. Returns the number of rows."""
    opts = model._meta
    given = [opts.get_field(name) for name in names]
    rest = [
        f
        for f in opts.concrete_fields
        if f not in given and not (f.primary_key and f.db_returning)  # the database's id
    ]
    tail = tuple(_batch_values(model, rest))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in (*given, *rest))
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, *tail))
                count += 1
    return count
