"""HTTP layer of the Smart Customer API: /api/{product}/{version}/company/{companyId}/customer.

Same store, services and selectors as /v1; only the names and the envelope differ.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.openapi import error_responses
from core.pagination import next_link
from core.serializers import CursorQuerySerializer
from core.urls import absolute_url
from customers import selectors, services
from customers.base_api import CustomerApi
from customers.company_serializers import (
    COMPANY_API_FIELDS,
    CompanyCustomerCreateSerializer,
    CompanyCustomerSerializer,
    render_company_customer,
)
from customers.exceptions import (
    MSG_NOT_FOUND,
    MSG_UNKNOWN_PRODUCT,
    ApiProductNotFound,
    ApiVersionNotFound,
)
from plans.models import ApiFamily, Method

TAG = "Smart Customer API (company)"
SUPPORTED_VERSIONS = ("v1",)
# Oldest first, so customers created during a walk show up on a later page, not never.

_INSTANCE = "/api/tse/v1/company/tn_0123456789abcdef/customer"
_AUTH = [{"bearerAuth": []}]  # the tenant comes from companyId; the header is optional
_PATH = [
    OpenApiParameter(
        "product",
        str,
        OpenApiParameter.PATH,
        description="API product identifier, e.g. `tse` (staff manage the list in admin).",
        examples=[OpenApiExample("tse", value="tse")],
    ),
    OpenApiParameter(
        "version",
        str,
        OpenApiParameter.PATH,
        enum=list(SUPPORTED_VERSIONS),
        description="API version; only v1 exists.",
    ),
    OpenApiParameter(
        "companyId",
        str,
        OpenApiParameter.PATH,
        description="Your tenant id (e.g. tn_0123456789abcdef); must be the API key's tenant.",
    ),
]
_CUSTOMER_ID = OpenApiParameter(
    "customerId", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The customer's id."
)
_DESCRIPTIONS = {
    400: "Invalid request: missing or invalid fields (named in errors[].field), malformed "
    "JSON, a body that is not an object, or a bad limit/cursor",
    403: "companyId (or an x-business-tenant-id header, if sent) is not the key's tenant",
    404: "Customer not found (also another company's customer), or unknown product/version",
}
_EXAMPLES = {
    400: {
        "detail": "vat-number: This field is required.",
        "errors": [
            {"field": "vat-number", "code": "required", "message": "This field is required."}
        ],
    },
    404: {"detail": MSG_NOT_FOUND},
}


def _errors(*statuses: int, examples: dict | None = None) -> dict:
    return error_responses(
        *statuses,
        instance=_INSTANCE,
        descriptions=_DESCRIPTIONS,
        examples={**_EXAMPLES, **(examples or {})},
    )


class CompanyApi(CustomerApi):
    """Common to the company routes: companyId is checked with the tenant checks (before
    the throttle counts the call); product and version are resolved after them."""

    api_family = ApiFamily.COMPANY
    tenant_header_required = False

    def requested_tenant_id(self, request) -> str:
        """The path's companyId: HasTenantAccess refuses it unless it is the key's tenant."""
        return self.kwargs["companyId"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, tenant checks, throttles
        if kwargs["version"] not in SUPPORTED_VERSIONS:
            raise ApiVersionNotFound()
        if selectors.api_product_get_active(slug=kwargs["product"]) is None:
            raise ApiProductNotFound()


class CompanyCustomerCollectionApi(CompanyApi):
    plan_methods = {"GET": Method.CUSTOMER_LIST, "POST": Method.CUSTOMER_CREATE}

    @extend_schema(
        tags=[TAG],
        operation_id="company_customer_create",
        summary="Create a new customer",
        description=(
            "All four fields are required. `vat-number` is an EU VAT number, stored compact "
            "and upper-case; its check digits are enforced only when the tenant has strict "
            "VAT checking on. Answers 201 with the customer and a `Location` header."
        ),
        parameters=_PATH,
        auth=_AUTH,
        request=CompanyCustomerCreateSerializer,
        responses={
            201: OpenApiResponse(CompanyCustomerSerializer, description="Customer created"),
            **_errors(400, 401, 403, 404, 409, 413, 415, 429),
        },
    )
    def post(self, request, **route):
        customer = services.customer_create(
            tenant=request.user.tenant,
            data=CompanyCustomerCreateSerializer.parse(request.data),
            api_fields=COMPANY_API_FIELDS,
        )
        location = absolute_url(
            request, reverse("company-customer-detail", kwargs={**route, "customerId": customer.pk})
        )
        return Response(
            render_company_customer(customer),
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    @extend_schema(
        tags=[TAG],
        operation_id="company_customer_list",
        summary="Retrieve all customers",
        description=(
            "A JSON array of the company's active customers, oldest first. A company with no "
            "customers gets `[]` with 200 (the source document answers 404 there; we do not, "
            "since an empty list is not a missing resource). Pages hold `limit` customers "
            "(default 100, at most 1000); when there are more, the `Link` header carries the "
            'next page\'s URL with `rel="next"` (RFC 8288). Follow it until it is absent.'
        ),
        parameters=[
            *_PATH,
            CursorQuerySerializer,
            OpenApiParameter(
                "Link",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description='`<absolute URL of the next page>; rel="next"`, only if there is one.',
            ),
        ],
        auth=_AUTH,
        responses={
            200: OpenApiResponse(
                CompanyCustomerSerializer(many=True), description="Customer list (maybe empty)"
            ),
            **_errors(400, 401, 403, 404, 429, examples={404: {"detail": MSG_UNKNOWN_PRODUCT}}),
        },
    )
    def get(self, request, **route):
        customers, next_cursor = self.list_oldest_first()
        headers = {"Link": next_link(request, next_cursor)} if next_cursor else None
        return Response(CompanyCustomerSerializer(customers, many=True).data, headers=headers)


class CompanyCustomerDetailApi(CompanyApi):
    plan_methods = {"GET": Method.CUSTOMER_READ, "DELETE": Method.CUSTOMER_DELETE}

    @extend_schema(
        tags=[TAG],
        operation_id="company_customer_get",
        summary="Retrieve a specific customer",
        description="One active customer of the company; a deleted or unknown id is a 404.",
        parameters=[*_PATH, _CUSTOMER_ID],
        auth=_AUTH,
        responses={
            200: OpenApiResponse(CompanyCustomerSerializer, description="Customer details"),
            **_errors(401, 403, 404, 429),
        },
    )
    def get(self, request, customerId, **route):  # noqa: N803 - the document's name
        return Response(CompanyCustomerSerializer(self.get_customer(customer_id=customerId)).data)

    @extend_schema(
        tags=[TAG],
        operation_id="company_customer_delete",
        summary="Delete a customer",
        description=(
            "The same soft delete as `DELETE /v1/customer/{id}`: the customer becomes inactive, "
            "disappears from these routes and frees its email. A second delete is a 404."
        ),
        parameters=[*_PATH, _CUSTOMER_ID],
        auth=_AUTH,
        responses={
            204: OpenApiResponse(description="Customer deleted"),
            **_errors(401, 403, 404, 429),
        },
    )
    def delete(self, request, customerId, **route):  # noqa: N803
        services.customer_soft_delete(customer=self.get_customer(customer_id=customerId))
        return Response(status=status.HTTP_204_NO_CONTENT)
