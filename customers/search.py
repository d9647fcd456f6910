"""`search=`: a substring of a customer's first or last name, email or phone, in one place.

On PostgreSQL one pg_trgm GIN index answers it (migration 0010), on SearchText: the four
columns joined with a separator (U+001F), lowercased. `SearchText LIKE lower('%term%')` holds
exactly when one of the columns holds the term, case-insensitively, as ILIKE compares (it
lowercases both sides), unless the term holds the separator, which search_condition sees to.
Against an index per column (migration 0007) that is one index scan instead of a BitmapOr of
four, one LIKE per row instead of four ILIKEs, and one expression whose statistics ANALYZE
keeps (with a 1,000-entry histogram), so the planner estimates a term's matches well enough to
choose between the index and the list's own order by itself. LIKE on a lowercased expression
rather than ILIKE: the planner tries the pattern on each histogram entry, and lowercasing each
of them cost about 0.6 ms of planning per statement. bench/RESULTS.md has the measurements
(the 2026-11-30 23:11 entry and the one after it). SQLite has no such index: its search
stays a scan, with the same meaning.
"""

from __future__ import annotations

import re

from django.db.models import CharField, Expression, F, Lookup, Q

from core.expressions import ILikeContains

# The columns a term is looked for in, in the index's order.
SEARCH_COLUMNS = ("first_name", "last_name", "email", "phone")
# Joins them: a control character (the unit separator), so a term can match across two
# columns only if it holds the separator itself.
SEPARATOR = "\x1f"
# The separator as each database's SQL spells it. A literal, never a query parameter: the
# query's expression must be the index's own (migration 0010 spells it out) for PostgreSQL
# to use the index; tests/perf/test_list_costs.py checks that it does.
_SEPARATOR_SQL = {"postgresql": "E'\\x1F'", "sqlite": "char(31)"}

_NON_DIGITS = re.compile(r"\D+")
# A part shorter than a trigram narrows nothing in the index.
_TRIGRAM = 3


class SearchText(Expression):
    """`lower(first_name || E'\\x1F' || last_name || E'\\x1F' || email || E'\\x1F' || phone)`"""

    output_field = CharField()

    def __init__(self):
        super().__init__()
        self.columns = [F(name) for name in SEARCH_COLUMNS]

    def get_source_expressions(self):
        return list(self.columns)

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        separator = _SEPARATOR_SQL.get(connection.vendor)
        if separator is None:
            raise NotImplementedError(f"search on {connection.vendor}")
        parts, params = [], []
        for column in self.columns:
            sql, column_params = compiler.compile(column)
            parts.append(sql)
            params.extend(column_params)
        return "lower(" + f" || {separator} || ".join(parts) + ")", params


class _Holds(Lookup):
    """`SearchText() LIKE lower('%term%')`: the term (LIKE's wildcards escaped) anywhere in
    the lowercased text. Built by _in_any_column, not registered on any field."""

    lookup_name = "search_holds"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = compiler.compile(self.lhs)
        pattern = f"%{connection.ops.prep_for_like_query(self.rhs)}%"
        return f"{lhs} LIKE lower(%s) ESCAPE '\\'", [*lhs_params, pattern]


def _in_any_column(term: str) -> Q:
    return Q(_Holds(SearchText(), term))


def search_condition(term: str) -> Q:
    """Customers a search `term` finds (stripped, not empty): those with the term in the
    first or last name, the email or the phone (case-insensitive); for a term of two words,
    also those with the first word in the first name and the second in the last ("Mario
    Rossi"); for a term with three digits or more, also those whose phone holds its digits."""
    parts = term.split()  # (U+001F is whitespace to str.split: no part holds SEPARATOR)
    digits = _NON_DIGITS.sub("", term)
    by_digits = len(digits) >= _TRIGRAM and digits != term
    if SEPARATOR in term:
        # In SearchText such a term could span two columns: asked of each column instead.
        match = Q()
        for column in SEARCH_COLUMNS:
            match |= Q(ILikeContains(F(column), term))
    else:
        match = _in_any_column(term)
    if len(parts) == 2:
        match |= Q(ILikeContains(F("first_name"), parts[0])) & Q(
            ILikeContains(F("last_name"), parts[1])
        )
    if by_digits:
        match |= Q(phone__contains=digits)
    if SEPARATOR not in term and len(parts) != 2 and not by_digits:
        return match  # SearchText LIKE lower('%term%') alone: the index answers it as it is
    # Each branch above implies that every part is in SearchText (the phone's: that the
    # digits are): a condition the index answers, for the planner to read it with.
    long_parts = [part for part in parts if len(part) >= _TRIGRAM]
    if not long_parts:
        return match  # nothing the index could narrow: a scan
    narrowing = Q()
    for part in long_parts:
        narrowing &= _in_any_column(part)
    if by_digits:
        narrowing |= _in_any_column(digits)
    return match & narrowing
