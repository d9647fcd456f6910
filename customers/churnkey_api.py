"""HTTP layer of the Churnkey Customers controller: /churnkey/customers[...].

Read-only lookups on the same store as /v1; the tenant comes from the API key.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from core.openapi import error_responses
from core.serializers import CursorQuerySerializer
from customers.base_api import CustomerApi
from customers.churnkey_serializers import (
    ChurnkeyCustomerListSerializer,
    ChurnkeyCustomerSerializer,
)
from customers.exceptions import MSG_NOT_FOUND
from plans.models import ApiFamily, Method

TAG = "Churnkey customers"
# Oldest first, so customers created during a walk show up on a later page, not never.

_AUTH = [{"bearerAuth": []}]  # the tenant comes from the key; the header is optional
_DESCRIPTIONS = {
    403: "An x-business-tenant-id header was sent and is not the key's tenant, or the "
    "tenant is inactive",
    404: "No such customer among the tenant's active customers",
}


def _errors(*statuses: int, instance: str) -> dict:
    return error_responses(
        *statuses,
        instance=instance,
        descriptions=_DESCRIPTIONS,
        examples={404: {"detail": MSG_NOT_FOUND}},
    )


def _render(customer) -> Response:
    return Response(ChurnkeyCustomerSerializer(customer).data)


class ChurnkeyApi(CustomerApi):
    """Common to the Churnkey routes: API family, and no tenant header needed."""

    api_family = ApiFamily.CHURNKEY
    tenant_header_required = False


class ChurnkeyCustomerListApi(ChurnkeyApi):
    plan_methods = {"GET": Method.CUSTOMER_LIST}

    @extend_schema(
        tags=[TAG],
        operation_id="churnkey_customers_list",
        summary="List customers",
        description=(
            "The tenant's active customers, oldest first, `limit` at a time (default 100, "
            "at most 1000). `next` is an opaque keyset cursor: pass it back as `cursor` "
            "until it is null. Every customer is seen exactly once in a walk."
        ),
        parameters=[CursorQuerySerializer],
        auth=_AUTH,
        responses={
            200: ChurnkeyCustomerListSerializer,
            **_errors(400, 401, 403, 429, instance="/churnkey/customers"),
        },
    )
    def get(self, request):
        customers, next_cursor = self.list_oldest_first()
        return Response(
            {
                "data": ChurnkeyCustomerSerializer(customers, many=True).data,
                "next": next_cursor,
            }
        )


class ChurnkeyCustomerRetrieveApi(ChurnkeyApi):
    plan_methods = {"GET": Method.CUSTOMER_READ}

    @extend_schema(
        tags=[TAG],
        operation_id="churnkey_customers_retrieve",
        summary="Retrieve a customer by id",
        description="An active customer of the key's tenant; any other id is a 404.",
        parameters=[OpenApiParameter("id", str, OpenApiParameter.PATH, description="Customer id.")],
        auth=_AUTH,
        responses={
            200: ChurnkeyCustomerSerializer,
            **_errors(401, 403, 404, 429, instance="/churnkey/customers/{id}"),
        },
    )
    def get(self, request, id):  # noqa: A002 - the document's parameter name
        return _render(self.get_customer(customer_id=id))


class ChurnkeyCustomerByEmailApi(ChurnkeyApi):
    plan_methods = {"GET": Method.CUSTOMER_LOOKUP}

    @extend_schema(
        tags=[TAG],
        operation_id="churnkey_customers_find_by_email",
        summary="Find a customer by email",
        description=(
            "Exact, case-insensitive match. Emails are unique among a tenant's active "
            "customers, so there is at most one. URL-encode the address (`+` may be sent as is)."
        ),
        parameters=[OpenApiParameter("email", str, OpenApiParameter.PATH)],
        auth=_AUTH,
        responses={
            200: ChurnkeyCustomerSerializer,
            **_errors(401, 403, 404, 429, instance="/churnkey/customers/email/{email}"),
        },
    )
    def get(self, request, email):
        return _render(self.get_customer(email=email))


class ChurnkeyCustomerByPhoneApi(ChurnkeyApi):
    plan_methods = {"GET": Method.CUSTOMER_LOOKUP}

    @extend_schema(
        tags=[TAG],
        operation_id="churnkey_customers_find_by_phone",
        summary="Find a customer by phone",
        description=(
            "The number is normalised to E.164 as on /v1 (national numbers are read in the "
            "tenant's region), then matched exactly. Phones are unique among a tenant's "
            "active customers. A leading `+` may be sent as is or as `%2B`."
        ),
        parameters=[OpenApiParameter("phone", str, OpenApiParameter.PATH)],
        auth=_AUTH,
        responses={
            200: ChurnkeyCustomerSerializer,
            **_errors(401, 403, 404, 429, instance="/churnkey/customers/phone/{phone}"),
        },
    )
    def get(self, request, phone):
        return _render(self.get_customer(phone=phone))
