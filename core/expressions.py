"""Query expressions Django does not ship: a row-value comparison for keyset paging, and
an ILIKE substring match that trigram indexes serve."""

from django.db.models import BooleanField, Expression, F
from django.db.models.lookups import IContains


class RowComparison(Expression):
    """`(a, b) < (x, y)` (or `>`), compared as a row: PostgreSQL seeks straight to it on an
    index over (..., a, b). The equivalent `a < x OR (a = x AND b < y)` is no index bound,
    so PostgreSQL reads and discards every row before the cursor. SQLite has row values too.
    `values` are expressions (e.g. `Value(v, output_field=...)`), so each is adapted as its
    column is."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, fields: list[str], op: str, values: list):
        if op not in {"<", ">"} or len(fields) != len(values) or not fields:
            raise ValueError("RowComparison takes '<' or '>' and as many values as fields")
        super().__init__()
        self.op = op
        self.lhs = [F(name) for name in fields]
        self.rhs = list(values)

    def get_source_expressions(self):
        return [*self.lhs, *self.rhs]

    def set_source_expressions(self, exprs):
        n = len(self.lhs)
        self.lhs, self.rhs = list(exprs[:n]), list(exprs[n:])

    def as_sql(self, compiler, connection):
        sides, params = [], []
        for side in (self.lhs, self.rhs):
            parts = []
            for expr in side:
                sql, expr_params = compiler.compile(expr)
                parts.append(sql)
                params.extend(expr_params)
            sides.append(f"({', '.join(parts)})")
        return f"{sides[0]} {self.op} {sides[1]}", params


class ILikeContains(IContains):
    """Case-insensitive substring. On PostgreSQL `column ILIKE '%term%'`: the form a pg_trgm
    GIN index on the column answers (Django's icontains compiles to
    `UPPER(column::text) LIKE UPPER(...)`, which no index on the column serves); elsewhere it
    is Django's icontains. Use as `filter(ILikeContains(F("name"), term))`."""

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = compiler.compile(self.lhs)
        rhs, rhs_params = self.process_rhs(compiler, connection)  # '%term%', % and _ escaped
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]
