"""The base view of the three customer route families (/v1, company, churnkey)."""

from collections.abc import Mapping
from typing import ClassVar

from rest_framework.views import APIView

from core.serializers import CursorQuerySerializer, query_values
from customers import selectors
from customers.models import Customer
from plans.models import ApiFamily, Method


class CustomerApi(APIView):
    """A customer route: the plan family it belongs to, the plan method each HTTP method
    counts as, and the tenant-scoped customer lookup.

    Plan gating and the throttle read `api_family` and `plan_methods` (through
    plans.enforcement.view_method); the first entry of `plan_methods` also stands for the
    methods it does not list (HEAD, OPTIONS, and those answered 405).
    """

    api_family: ClassVar[ApiFamily]
    plan_methods: ClassVar[Mapping[str, Method]]

    def get_customer(self, **lookup) -> Customer:
        """The caller's customer by `customer_id`, `email` or `phone`; 404 otherwise."""
        return selectors.customer_get_or_404(tenant=self.request.user.tenant, **lookup)

    def list_oldest_first(self) -> tuple[list[Customer], str | None]:
        """The caller's active customers for `?limit=&cursor=`, oldest first, and the next
        cursor (the keyset list the company and churnkey routes page through)."""
        # A plain dict, not the QueryDict: DRF reads an empty form value as "not sent", which
        # would turn `?limit=` into the default instead of the 400 the schema promises.
        query = CursorQuerySerializer(data=query_values(self.request))
        query.is_valid(raise_exception=True)
        return selectors.customer_list_oldest_first(
            tenant=self.request.user.tenant,
            cursor=query.validated_data["cursor"],
            limit=query.validated_data["limit"],
        )
