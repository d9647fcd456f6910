"""The search document: the searched columns as one text, which one trigram index serves."""

from django.db.models import Expression, F, TextField

# What `search=` matches: a substring of any of these (customers.filters.CustomerFilter).
SEARCHED_COLUMNS = ("first_name", "last_name", "email", "phone")
# Between the columns, so a term never matches across two of them: the unit separator, which
# a search term may hold only if sent on purpose (the filter then compares column by column).
SEPARATOR = "\x1f"
# PostgreSQL: the pg_trgm GIN index over document_sql() (migration 0009).
INDEX = "customer_search_document_trgm"


def document_sql(columns: list[str]) -> str:
    """The document as PostgreSQL SQL over the given (quoted) column references: the index's
    expression and the query's must be the same expression for the planner to match them."""
    return "(" + " || E'\\x1f' || ".join(f"{column}::text" for column in columns) + ")"


class SearchDocument(Expression):
    """`first_name || SEP || last_name || SEP || email || SEP || phone`: on PostgreSQL the
    indexed expression itself, on SQLite the same text (its search is a scan)."""

    output_field = TextField()

    def __init__(self):
        super().__init__()
        self.columns = [F(name) for name in SEARCHED_COLUMNS]

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def _compiled(self, compiler) -> tuple[list[str], list]:
        parts, params = [], []
        for column in self.columns:
            sql, column_params = compiler.compile(column)
            parts.append(sql)
            params.extend(column_params)
        return parts, params

    def as_postgresql(self, compiler, connection):
        parts, params = self._compiled(compiler)
        return document_sql(parts), params

    def as_sql(self, compiler, connection):
        parts, params = self._compiled(compiler)
        return "(" + " || char(31) || ".join(parts) + ")", params
