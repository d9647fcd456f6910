"""Query filters for customer lists (django-filter), shared by every list route."""

import re

import django_filters
from django import forms
from django.db.models import F, Q
from django_filters.fields import IsoDateTimeField

from core.datetimes import storable_datetime
from core.expressions import ILikeContains
from customers.models import Customer, CustomerState, CustomerType
from customers.search import SEARCHED_COLUMNS, SEPARATOR, SearchDocument

_NON_DIGITS = re.compile(r"\D+")


class _StorableIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return storable_datetime(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="out_of_range") from exc


class StorableIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 date-times the database can compare against (core.datetimes), in UTC."""

    field_class = _StorableIsoDateTimeField


def _contains(column: str, term: str) -> Q:
    return Q(ILikeContains(F(column), term))


def _in_document(term: str) -> Q:
    return Q(ILikeContains(SearchDocument(), term))


def search_matches(term: str) -> Q:
    """Which customers `search=term` finds. On PostgreSQL every branch holds a condition on
    the search document, so one trigram index (customers.search) finds the candidates; the
    per-column conditions next to it keep the meaning exact (the planner rechecks them)."""
    if SEPARATOR in term:  # could match across two columns of the document: compare each
        match = Q()
        for column in SEARCHED_COLUMNS:
            match |= _contains(column, term)
    else:
        match = _in_document(term)  # a substring of one of the columns
    parts = term.split()
    if len(parts) == 2:  # "Mario Rossi"
        first, last = parts
        match |= (
            _in_document(first)
            & _in_document(last)
            & _contains("first_name", first)
            & _contains("last_name", last)
        )
    digits = _NON_DIGITS.sub("", term)
    if len(digits) >= 3 and digits != term:  # "06 9876 5432"
        match |= _in_document(digits) & Q(phone__contains=digits)
    return match


class CustomerFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    customerType = django_filters.ChoiceFilter(  # noqa: N815 - the API's own spelling
        field_name="customer_type", choices=CustomerType.choices
    )
    state = django_filters.ChoiceFilter(field_name="state", choices=CustomerState.choices)
    createdAfter = StorableIsoDateTimeFilter(  # noqa: N815
        field_name="created_at", lookup_expr="gte"
    )
    createdBefore = StorableIsoDateTimeFilter(  # noqa: N815
        field_name="created_at", lookup_expr="lt"
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        """Substring of first or last name, email or phone, case-insensitive; "first last"
        also matches those two names; the term's digits (3 or more) also match phones."""
        term = value.strip()
        if not term:
            return queryset
        return queryset.filter(search_matches(term))
