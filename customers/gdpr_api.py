"""/v1/customer/{id}/history, /export and /erase: a customer's record of changes and its
GDPR routes. They work for soft-deleted customers too."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework.response import Response

from core.openapi import error_responses
from core.serializers import CursorQuerySerializer, query_values
from customers import services
from customers.api import V1Api, _customer_response, _render
from customers.serializers import CustomerSerializer
from events import selectors as event_selectors
from events.serializers import EventSerializer, HistoryEntrySerializer, HistoryPageSerializer
from plans.models import Method

TAG = "Customers (v1)"

CustomerExportSerializer = inline_serializer(
    name="CustomerExport",
    fields={
        "customer": CustomerSerializer(),
        "history": HistoryEntrySerializer(many=True),
        "events": EventSerializer(many=True),
    },
)


class CustomerHistoryApi(V1Api):
    plan_methods = {"GET": Method.CUSTOMER_HISTORY}

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_history",
        summary="A customer's history (newest first)",
        description=(
            "Every change with its changed fields (`[old, new]`), who made it (application "
            "and key prefix, staff user or management command) and the request id. "
            "Cursor-paged: omit `cursor` (or send it empty), then pass `nextCursor`."
        ),
        parameters=[CursorQuerySerializer],
        responses={200: HistoryPageSerializer, **error_responses(404)},
    )
    def get(self, request, customer_id):
        customer = self.get_customer(customer_id=customer_id, include_deleted=True)
        query = CursorQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        entries, next_cursor = event_selectors.customer_history(
            tenant=request.user.tenant,
            customer_id=customer.pk,
            cursor=query.validated_data["cursor"],
            limit=query.validated_data["limit"],
        )
        return Response(
            {"data": HistoryEntrySerializer(entries, many=True).data, "nextCursor": next_cursor}
        )


class CustomerExportApi(V1Api):
    plan_methods = {"GET": Method.CUSTOMER_EXPORT}

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_export",
        summary="Everything held on a customer (GDPR export)",
        description="Current fields and metadata, the whole history and every event.",
        responses={200: CustomerExportSerializer, **error_responses(404)},
    )
    def get(self, request, customer_id):
        tenant = request.user.tenant
        customer = self.get_customer(customer_id=customer_id, include_deleted=True)
        history = event_selectors.history_queryset(
            tenant=tenant, subject_type="customer", subject_id=customer.pk
        ).order_by("created_at", "id")
        events = event_selectors.customer_events(tenant=tenant, customer_id=customer.pk)
        return Response(
            {
                "customer": _render(customer),
                "history": HistoryEntrySerializer(history, many=True).data,
                "events": [event.payload() for event in events],
            }
        )


class CustomerEraseApi(V1Api):
    plan_methods = {"POST": Method.CUSTOMER_ERASE}

    @extend_schema(
        tags=[TAG],
        operation_id="v1_customer_erase",
        summary="Erase a customer (GDPR, irreversible)",
        description=(
            "Clears names, email, phone, VAT number and metadata in the customer and in its "
            "history, events and pending webhook payloads; the row, its id and timestamps "
            "stay (soft-deleted). Its email and phone are free at once. Emits "
            "`customer.erased`. Needs the `write` scope. Erasing again changes nothing."
        ),
        request=None,
        responses={200: CustomerSerializer, **error_responses(404)},
    )
    def post(self, request, customer_id):
        customer = self.get_customer(customer_id=customer_id, include_deleted=True)
        return _customer_response(services.customer_erase(customer=customer))
