"""Query filters for customer lists (django-filter), shared by every list route."""

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from core.datetimes import storable_datetime
from customers.models import Customer, CustomerState, CustomerType
from customers.search import search_condition


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


class SearchFilter(django_filters.CharFilter):
    """`search=`: customers.search's match for the stripped term (none if it is empty)."""

    def filter(self, qs, value):
        term = (value or "").strip()
        return qs.filter(search_condition(term)) if term else qs


class CustomerFilter(django_filters.FilterSet):
    """The list filters. CustomerListQuerySerializer validates their query parameters (one
    field per filter, derived from it) and customers.selectors.customer_list applies the
    validated values with each filter's own `filter()`: every filter here must work on its
    own, without a FilterSet instance (so no `method=`)."""

    search = SearchFilter(max_length=200)
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
