"""HTTP layer of /v1/customer: parse with a serializer, call one service or selector, render."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.openapi import error_responses
from core.pagination import keyset_slice, page_slice
from customers import selectors, services
from customers.base_api import CustomerApi
from customers.serializers import (
    V1_SORTS,
    CustomerCreateSerializer,
    CustomerListQuerySerializer,
    CustomerPageSerializer,
    CustomerSerializer,
    CustomerWriteSerializer,
    IncludeDeletedQuerySerializer,
)
from plans.models import ApiFamily, Method

TAG = "Customers (v1)"


class V1Api(CustomerApi):
    """Common to /v1/customer views: API family and the plan method each view counts as."""

    api_family = ApiFamily.V1


def _render(customer) -> dict:
    return CustomerSerializer(customer).data


def _parse_body(request, serializer_class=CustomerWriteSerializer) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _include_deleted(request) -> bool:
    query = IncludeDeletedQuerySerializer(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return query.validated_data["includeDeleted"]


class CustomerCollectionApi(V1Api):
    """POST creates; GET is the same list as /paged, for clients that expect it here."""

    plan_methods = {"GET": Method.CUSTOMER_LIST, "POST": Method.CUSTOMER_CREATE}

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_create",
        summary="Create a customer",
        request=CustomerCreateSerializer,
        responses={201: CustomerSerializer, **error_responses(409, 413, 415)},
    )
    def post(self, request):
        customer = services.customer_create(
            tenant=request.user.tenant, data=_parse_body(request, CustomerCreateSerializer)
        )
        location = request.build_absolute_uri(reverse("v1-customer-detail", args=[customer.pk]))
        return Response(
            _render(customer), status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_list",
        summary="List customers (same as /paged)",
        parameters=[CustomerListQuerySerializer],
        responses={200: CustomerPageSerializer, **error_responses()},
    )
    def get(self, request):
        return customer_page_response(request)


def customer_page_response(request) -> Response:
    query = CustomerListQuerySerializer(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    params = query.validated_data
    qs = selectors.customer_list(
        tenant=request.user.tenant,
        filters=request.query_params,
        include_deleted=params["includeDeleted"],
    )
    sort, limit = V1_SORTS[params["sort"]], params["limit"]
    if "cursor" in request.query_params:
        items, next_cursor = keyset_slice(qs, sort=sort, cursor=params.get("cursor"), limit=limit)
        body = {
            "data": CustomerSerializer(items, many=True).data,
            "limit": limit,
            "nextCursor": next_cursor,
        }
    else:
        items, total, pages = page_slice(qs, sort=sort, page=params["page"], limit=limit)
        body = {
            "data": CustomerSerializer(items, many=True).data,
            "page": params["page"],
            "limit": limit,
            "total": total,
            "totalPages": pages,
        }
    return Response(body)


class CustomerPagedApi(V1Api):
    plan_methods = {"GET": Method.CUSTOMER_LIST}

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_paged",
        summary="Page through customers",
        description=(
            "Page-number mode (`page`, `limit`) returns `total` and `totalPages`. "
            "Cursor mode: send `cursor=` (empty) for the first page, then the returned "
            "`nextCursor`; it is keyset-based, so deep pages cost the same as the first. "
            "`limit` is 1 to 100 (a larger value is refused with 400). Soft-deleted customers "
            "are left out unless `includeDeleted=true` or `state=inactive`."
        ),
        parameters=[CustomerListQuerySerializer],
        responses={200: CustomerPageSerializer, **error_responses()},
    )
    def get(self, request):
        return customer_page_response(request)


class CustomerDetailApi(V1Api):
    plan_methods = {
        "GET": Method.CUSTOMER_READ,
        "PUT": Method.CUSTOMER_UPDATE,
        "PATCH": Method.CUSTOMER_UPDATE,
        "DELETE": Method.CUSTOMER_DELETE,
    }

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_get",
        summary="Get a customer",
        parameters=[IncludeDeletedQuerySerializer],
        responses={200: CustomerSerializer, **error_responses(404)},
    )
    def get(self, request, customer_id):
        customer = self.get_customer(
            customer_id=customer_id, include_deleted=_include_deleted(request)
        )
        return Response(_render(customer))

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_update",
        summary="Update a customer (partial)",
        description="Only the fields sent change, as the seed's PUT describes; PATCH is the same.",
        request=CustomerWriteSerializer,
        responses={
            200: CustomerSerializer,
            **error_responses(404, 409, 413, 415),
        },
    )
    def put(self, request, customer_id):
        customer = self.get_customer(customer_id=customer_id)
        customer = services.customer_update(customer=customer, data=_parse_body(request))
        return Response(_render(customer))

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_patch",
        summary="Update a customer (partial)",
        request=CustomerWriteSerializer,
        responses={
            200: CustomerSerializer,
            **error_responses(404, 409, 413, 415),
        },
    )
    def patch(self, request, customer_id):
        return self.put(request, customer_id)

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_delete",
        summary="Soft-delete a customer",
        description="Sets state `inactive` and `deletedAt`; frees the email and phone.",
        responses={
            204: OpenApiResponse(description="Deleted"),
            **error_responses(404),
        },
    )
    def delete(self, request, customer_id):
        services.customer_soft_delete(customer=self.get_customer(customer_id=customer_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerRestoreApi(V1Api):
    plan_methods = {"POST": Method.CUSTOMER_UPDATE}

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_restore",
        summary="Restore a soft-deleted customer",
        request=None,
        responses={200: CustomerSerializer, **error_responses(404, 409)},
    )
    def post(self, request, customer_id):
        customer = self.get_customer(customer_id=customer_id, include_deleted=True)
        return Response(_render(services.customer_restore(customer=customer)))


class CustomerByEmailApi(V1Api):
    plan_methods = {"GET": Method.CUSTOMER_LOOKUP}

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_by_email",
        summary="Find an active customer by email (case-insensitive)",
        responses={200: CustomerSerializer, **error_responses(404)},
    )
    def get(self, request, email):
        customer = self.get_customer(email=email)
        return Response(_render(customer))


class CustomerByPhoneApi(V1Api):
    plan_methods = {"GET": Method.CUSTOMER_LOOKUP}

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_by_phone",
        summary="Find an active customer by phone (normalised to E.164)",
        parameters=[
            OpenApiParameter(
                "phone",
                str,
                OpenApiParameter.PATH,
                description="Any format; national numbers use the tenant's region.",
            )
        ],
        responses={200: CustomerSerializer, **error_responses(404)},
    )
    def get(self, request, phone):
        customer = self.get_customer(phone=phone)
        return Response(_render(customer))
