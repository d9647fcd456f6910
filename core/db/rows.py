"""Single-row reads of a model without building a queryset: for the hottest lookups only.

Building and compiling a queryset (`Customer.objects.filter(...).first()`) costs more CPU
than PostgreSQL spends answering the primary-key read it becomes (measured: bench/RESULTS.md).
A `RowReader` keeps the SELECT of a model's concrete columns as a string, made once from the
model's own metadata, and turns each row into a model instance the way the ORM does (the
same database and field converters, `Model.from_db`), so what callers get is the same.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Generic, TypeVar

from django.db import connections, router
from django.db.models import Model

M = TypeVar("M", bound=Model)


class RowReader(Generic[M]):
    """`SELECT <every concrete column> FROM <table> WHERE <where> LIMIT 1` for `model`.

    `where` is SQL with `%s` placeholders over the model's column names; callers pass the
    parameters as the database takes them (`db_value` adapts one for a field)."""

    def __init__(self, model: type[M], where: str) -> None:
        self.model = model
        fields = model._meta.concrete_fields
        self.attnames = [f.attname for f in fields]
        columns = ", ".join(f'"{f.column}"' for f in fields)
        self.sql = f'SELECT {columns} FROM "{model._meta.db_table}" WHERE {where} LIMIT 1'
        self._converters: dict[str, list] = {}

    def _converters_for(self, connection) -> list:
        """(position, converters, column) for every column that has converters, as the
        ORM's compiler would apply them; the same for every connection of one vendor."""
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for i, field in enumerate(self.model._meta.concrete_fields):
                col = field.get_col(self.model._meta.db_table)
                convs = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
                if convs:
                    found.append((i, convs, col))
            self._converters[connection.vendor] = found
        return found

    def connection(self):
        return connections[router.db_for_read(self.model)]

    def db_value(self, field_name: str, value):
        """`value` as the database takes it for `field_name` (e.g. a UUID on SQLite)."""
        field = self.model._meta.get_field(field_name)
        return field.get_db_prep_value(value, self.connection())

    def first(self, params: list) -> M | None:
        connection = self.connection()
        prepared = getattr(connection, "prepared_cursor", None)
        # PostgreSQL (core.db.postgresql): prepared once per connection, then only executed,
        # on a cursor the connection keeps (so not closed here); elsewhere a cursor of its own.
        with nullcontext(prepared()) if prepared else connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for i, convs, col in self._converters_for(connection):
            for convert in convs:
                values[i] = convert(values[i], col, connection)
        return self.model.from_db(connection.alias, self.attnames, values)
