"""Query filters for customer lists (django-filter), shared by every list route."""

import django_filters

from customers.models import Customer, CustomerState, CustomerType
from customers.search import search_condition


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
    # Values in range for the database: CustomerListQuerySerializer's StorableDateTimeField.
    createdAfter = django_filters.IsoDateTimeFilter(  # noqa: N815
        field_name="created_at", lookup_expr="gte"
    )
    createdBefore = django_filters.IsoDateTimeFilter(  # noqa: N815
        field_name="created_at", lookup_expr="lt"
    )

    class Meta:
        model = Customer
        fields: list[str] = []
