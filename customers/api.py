"""HTTP layer of /v1/customer: parse with a serializer, call one service or selector, render."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.conditional import entity_tags, if_none_match_hits
from core.openapi import error_responses
from core.pagination import cursor_envelope, keyset_slice, page_slice
from core.problems import problem_for
from core.serializers import query_values
from core.urls import absolute_url
from customers import selectors, services
from customers.base_api import CustomerApi
from customers.exceptions import BulkTooLarge
from customers.serializers import (
    MAX_BULK_ITEMS,
    V1_SORTS,
    CustomerBulkListSerializer,
    CustomerBulkResponseSerializer,
    CustomerBulkSerializer,
    CustomerCreateSerializer,
    CustomerListQuerySerializer,
    CustomerPageSerializer,
    CustomerSerializer,
    CustomerWriteSerializer,
    IncludeDeletedQuerySerializer,
    render_customer,
)
from plans.models import ApiFamily, Method

TAG = "Customers (v1)"


class V1Api(CustomerApi):
    """Common to /v1/customer views: API family and the plan method each view counts as."""

    api_family = ApiFamily.V1


def _render(customer) -> dict:
    return render_customer(customer)


def _customer_response(customer, *, status: int = 200, headers: dict | None = None) -> Response:
    """One customer, with the ETag of its version (the one rule for every such response)."""
    return Response(
        _render(customer), status=status, headers={"ETag": customer.etag, **(headers or {})}
    )


def _if_match(request):
    return entity_tags(request.headers.get("If-Match"))


_ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="Strong entity tag of this version of the customer; it changes with every "
    "write. Send it back in If-Match to update or delete only that version.",
)
_IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="Only if the customer's current ETag is one of these (412 "
    "`precondition_failed` otherwise, nothing changed). `*` or no header: unconditional.",
)
_IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description="304 Not Modified, with no body, when the customer's ETag is one of these.",
)


def _parse_body(request, serializer_class=CustomerWriteSerializer) -> dict:
    return serializer_class.parse(request.data)


def _include_deleted(request) -> bool:
    if not request.query_params:  # the common case: no serializer to build
        return False
    query = IncludeDeletedQuerySerializer(data=query_values(request))
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
        parameters=[_ETAG],
        responses={201: CustomerSerializer, **error_responses(409, 413, 415)},
    )
    def post(self, request):
        customer = services.customer_create(
            tenant=request.user.tenant, data=_parse_body(request, CustomerCreateSerializer)
        )
        location = absolute_url(request, reverse("v1-customer-detail", args=[customer.pk]))
        return _customer_response(
            customer, status=status.HTTP_201_CREATED, headers={"Location": location}
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


def _bulk_count(request) -> int | None:
    """How many items the call's `customers` list has (None if it is not a list)."""
    data = request.data
    items = data.get("customers") if isinstance(data, dict) else None
    return len(items) if isinstance(items, list) else None


def _bulk_items(request) -> list:
    """The call's `customers` list; 413 past MAX_BULK_ITEMS (checked before each item is)."""
    count = _bulk_count(request)
    if count is not None and count > MAX_BULK_ITEMS:
        raise BulkTooLarge(count)
    body = CustomerBulkListSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data["customers"]


class CustomerBulkApi(V1Api):
    """POST /v1/customer/bulk: many creates in one call, each item answered on its own."""

    plan_methods = {"POST": Method.CUSTOMER_CREATE}

    def limit_cost(self, request) -> int:
        """Each item counts as one customer.create (and one hit) against the plan's limits;
        a body that is not a list of 1 to 1000 items counts once (it is refused anyway)."""
        count = _bulk_count(request)
        return count if count and count <= MAX_BULK_ITEMS else 1

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_bulk_create",
        summary="Create up to 1000 customers in one call",
        description=(
            "Each item is validated and deduplicated exactly as `POST /v1/customer` would, "
            "against existing customers and the earlier items of the same call, and answered "
            "on its own in `results` (in item order): `status` 201 with the `customer`, or "
            "400 / 409 with the `error` problem object. Valid items are written, in one "
            "transaction. Each item counts as one `customer.create` (and one hit) against the "
            "plan's limits, all or nothing: a call with more items than the limits have room "
            "for is a 429. More than 1000 items is a 413."
        ),
        request=CustomerBulkSerializer,
        responses={200: CustomerBulkResponseSerializer, **error_responses(413, 415)},
    )
    def post(self, request):
        parsed, errors = {}, {}
        for index, item in enumerate(_bulk_items(request)):
            serializer = CustomerWriteSerializer(data=item)
            if serializer.is_valid():
                parsed[index] = serializer.validated_data
            else:
                errors[index] = ValidationError(serializer.errors)
        created = services.customer_bulk_create(tenant=request.user.tenant, items=parsed)
        results = []
        for index in range(len(parsed) + len(errors)):
            outcome = created.get(index)
            if outcome is not None and outcome.customer is not None:
                results.append(
                    {"index": index, "status": 201, "customer": _render(outcome.customer)}
                )
                continue
            error = problem_for(errors.get(index) or outcome.error, instance=request.path)
            results.append({"index": index, "status": error["status"], "error": error})
        return Response({"results": results})


def customer_page_response(request) -> Response:
    params = CustomerListQuerySerializer.parse(query_values(request))
    qs = selectors.customer_list(
        tenant=request.user.tenant, filters=params, include_deleted=params["includeDeleted"]
    )
    sort, limit = V1_SORTS[params["sort"]], params["limit"]
    if "cursor" in request.query_params:
        items, next_cursor = keyset_slice(qs, sort=sort, cursor=params.get("cursor"), limit=limit)
        body, headers = cursor_envelope(
            request,
            data=[_render(c) for c in items],
            limit=limit,
            next_cursor=next_cursor,
        )
        return Response(body, headers=headers)
    total, exact = selectors.customer_list_total(
        tenant=request.user.tenant,
        filters=params,
        include_deleted=params["includeDeleted"],
        queryset=qs,
        at_least=params["page"] * limit,
    )
    items, total, pages = page_slice(qs, sort=sort, page=params["page"], limit=limit, total=total)
    body = {
        "data": [_render(c) for c in items],
        "page": params["page"],
        "limit": limit,
        "total": total,
        "totalPages": pages,
        "totalExact": exact,
    }
    return Response(body)


class CustomerPagedApi(V1Api):
    plan_methods = {"GET": Method.CUSTOMER_LIST}

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_paged",
        summary="Page through customers",
        description=(
            "Page-number mode (`page`, `limit`) returns `total` and `totalPages`: exact "
            "without a filter; with one, matches are counted up to 1,000 (or the end of the "
            "page asked for, if further) and `totalExact` is false when there are more. "
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
        parameters=[IncludeDeletedQuerySerializer, _IF_NONE_MATCH, _ETAG],
        responses={
            200: CustomerSerializer,
            304: OpenApiResponse(description="Not modified: If-None-Match matched the ETag"),
            **error_responses(404),
        },
    )
    def get(self, request, customer_id):
        customer = self.get_customer(
            customer_id=customer_id, include_deleted=_include_deleted(request)
        )
        if if_none_match_hits(customer.etag, request.headers.get("If-None-Match")):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": customer.etag})
        return _customer_response(customer)

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_update",
        summary="Update a customer (partial)",
        description="Only the fields sent change, as the seed's PUT describes; PATCH is the same. "
        "Concurrent updates of different fields both survive; with If-Match the update "
        "happens only if nobody changed the customer since you read that ETag.",
        request=CustomerWriteSerializer,
        parameters=[_IF_MATCH, _ETAG],
        responses={
            200: CustomerSerializer,
            **error_responses(404, 409, 412, 413, 415),
        },
    )
    def put(self, request, customer_id):
        customer = services.customer_update(
            customer=self.get_customer(customer_id=customer_id),
            data=_parse_body(request),
            if_match=_if_match(request),
        )
        return _customer_response(customer)

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_patch",
        summary="Update a customer (partial)",
        request=CustomerWriteSerializer,
        parameters=[_IF_MATCH, _ETAG],
        responses={
            200: CustomerSerializer,
            **error_responses(404, 409, 412, 413, 415),
        },
    )
    def patch(self, request, customer_id):
        return self.put(request, customer_id)

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_delete",
        summary="Soft-delete a customer",
        description="Sets state `inactive` and `deletedAt`; frees the email and phone.",
        parameters=[_IF_MATCH],
        responses={
            204: OpenApiResponse(description="Deleted"),
            **error_responses(404, 412),
        },
    )
    def delete(self, request, customer_id):
        services.customer_soft_delete(
            customer=self.get_customer(customer_id=customer_id), if_match=_if_match(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerRestoreApi(V1Api):
    plan_methods = {"POST": Method.CUSTOMER_UPDATE}

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_restore",
        summary="Restore a soft-deleted customer",
        request=None,
        parameters=[_ETAG],
        responses={200: CustomerSerializer, **error_responses(404, 409)},
    )
    def post(self, request, customer_id):
        customer = self.get_customer(customer_id=customer_id, include_deleted=True)
        return _customer_response(services.customer_restore(customer=customer))


class CustomerByEmailApi(V1Api):
    plan_methods = {"GET": Method.CUSTOMER_LOOKUP}

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_by_email",
        summary="Find an active customer by email (case-insensitive)",
        parameters=[_ETAG],
        responses={200: CustomerSerializer, **error_responses(404)},
    )
    def get(self, request, email):
        return _customer_response(self.get_customer(email=email))


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
            ),
            _ETAG,
        ],
        responses={200: CustomerSerializer, **error_responses(404)},
    )
    def get(self, request, phone):
        return _customer_response(self.get_customer(phone=phone))
