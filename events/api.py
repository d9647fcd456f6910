"""HTTP layer of /v1/events and /v1/webhook-endpoints: parse, call one service or selector."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.openapi import error_responses
from core.serializers import CursorQuerySerializer, query_values
from events import selectors, services
from events.exceptions import MSG_ENDPOINT_LIMIT
from events.models import MAX_ENDPOINTS_PER_APPLICATION
from events.serializers import (
    EventListQuerySerializer,
    EventPageSerializer,
    EventSerializer,
    RedeliverySerializer,
    WebhookDeliveryPageSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreateSerializer,
    WebhookEndpointListSerializer,
    WebhookEndpointSecretSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateSerializer,
)
from plans.models import ApiFamily, Method

TAG_EVENTS = "Events (v1)"
TAG_WEBHOOKS = "Webhooks (v1)"
_URL_REFUSED = {
    400: {
        "code": "webhook_url_refused",
        "detail": "The URL resolves to a private, loopback or link-local address.",
        "errors": [{"field": "url", "code": "refused", "message": "…"}],
    }
}
_LIMIT = {
    409: {
        "code": "webhook_endpoint_limit",
        "detail": MSG_ENDPOINT_LIMIT.format(limit=MAX_ENDPOINTS_PER_APPLICATION),
    }
}
_409 = {409: "The application already has 16 webhook endpoints"}


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class EventsApi(APIView):
    api_family = ApiFamily.V1
    plan_method = Method.EVENTS_READ


class EventListApi(EventsApi):
    @extend_schema(
        tags=[TAG_EVENTS],
        operation_id="v1_events_list",
        summary="The events feed (oldest first)",
        description=(
            "Every customer change as an event, oldest first, cursor-paged (`cursor=` empty "
            "or omitted for the first page, then `nextCursor` until it is null). `type` is "
            "repeatable and accepts `customer.*`; `createdAfter` is exclusive. Events are "
            "written in the transaction of their change and kept at least 30 days."
        ),
        parameters=[EventListQuerySerializer],
        responses={200: EventPageSerializer, **error_responses(instance="/v1/events")},
    )
    def get(self, request):
        # A plain dict, so that `?createdAfter=` is refused rather than read as not sent;
        # `type` alone may repeat.
        query = _valid(EventListQuerySerializer, query_values(request, repeatable=("type",)))
        events, next_cursor = selectors.event_list(
            tenant=request.user.tenant,
            types=query["type"],
            created_after=query.get("createdAfter"),
            cursor=query["cursor"],
            limit=query["limit"],
        )
        return Response({"data": [event.payload() for event in events], "nextCursor": next_cursor})


class EventDetailApi(EventsApi):
    @extend_schema(
        tags=[TAG_EVENTS],
        operation_id="v1_events_get",
        summary="One event",
        responses={200: EventSerializer, **error_responses(404, instance="/v1/events/evt_…")},
    )
    def get(self, request, event_id):
        event = selectors.event_get_or_404(tenant=request.user.tenant, event_id=event_id)
        return Response(event.payload())


class EventRedeliverApi(EventsApi):
    plan_method = Method.WEBHOOKS_MANAGE

    @extend_schema(
        tags=[TAG_WEBHOOKS],
        operation_id="v1_events_redeliver",
        summary="Send an event again to every subscribed endpoint",
        request=None,
        responses={
            202: RedeliverySerializer,
            **error_responses(404, instance="/v1/events/evt_…/redeliver"),
        },
    )
    def post(self, request, event_id):
        event = selectors.event_get_or_404(tenant=request.user.tenant, event_id=event_id)
        deliveries = services.event_redeliver(event=event)
        return Response(
            {"eventId": event.pk, "deliveries": len(deliveries)}, status=status.HTTP_202_ACCEPTED
        )


class WebhookEndpointsApi(APIView):
    api_family = ApiFamily.V1
    plan_method = Method.WEBHOOKS_MANAGE

    def get_endpoint(self, endpoint_id):
        return selectors.webhook_endpoint_get_or_404(
            tenant=self.request.user.tenant, endpoint_id=endpoint_id
        )


class WebhookEndpointCollectionApi(WebhookEndpointsApi):
    @extend_schema(
        tags=[TAG_WEBHOOKS],
        operation_id="v1_webhook_endpoints_list",
        summary="List webhook endpoints",
        responses={
            200: WebhookEndpointListSerializer,
            **error_responses(instance="/v1/webhook-endpoints"),
        },
    )
    def get(self, request):
        endpoints = selectors.webhook_endpoint_list(tenant=request.user.tenant)
        return Response({"data": WebhookEndpointSerializer(endpoints, many=True).data})

    @extend_schema(
        tags=[TAG_WEBHOOKS],
        operation_id="v1_webhook_endpoints_create",
        summary="Add a webhook endpoint (the signing secret is shown once)",
        description=(
            "`events` lists event types or `customer.*`. The URL must be http(s) and must "
            "not resolve to a private, loopback or link-local address. At most "
            f"{MAX_ENDPOINTS_PER_APPLICATION} per application."
        ),
        request=WebhookEndpointCreateSerializer,
        responses={
            201: WebhookEndpointSecretSerializer,
            **error_responses(
                409,
                413,
                415,
                instance="/v1/webhook-endpoints",
                descriptions=_409,
                examples={**_URL_REFUSED, **_LIMIT},
            ),
        },
    )
    def post(self, request):
        data = _valid(WebhookEndpointCreateSerializer, request.data)
        endpoint = services.webhook_endpoint_create(
            tenant=request.user.tenant, application=request.user.application, **data
        )
        body = {**WebhookEndpointSerializer(endpoint).data, "secret": endpoint.secret}
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailApi(WebhookEndpointsApi):
    @extend_schema(
        tags=[TAG_WEBHOOKS],
        operation_id="v1_webhook_endpoints_get",
        summary="One webhook endpoint",
        responses={
            200: WebhookEndpointSerializer,
            **error_responses(404, instance="/v1/webhook-endpoints/we_…"),
        },
    )
    def get(self, request, endpoint_id):
        return Response(WebhookEndpointSerializer(self.get_endpoint(endpoint_id)).data)

    @extend_schema(
        tags=[TAG_WEBHOOKS],
        operation_id="v1_webhook_endpoints_update",
        summary="Change url, events, description or enabled",
        description="Re-enabling an endpoint clears its failing mark.",
        request=WebhookEndpointUpdateSerializer,
        responses={
            200: WebhookEndpointSerializer,
            **error_responses(
                404, 413, 415, instance="/v1/webhook-endpoints/we_…", examples=_URL_REFUSED
            ),
        },
    )
    def patch(self, request, endpoint_id):
        endpoint = self.get_endpoint(endpoint_id)
        data = _valid(WebhookEndpointUpdateSerializer, request.data)
        endpoint = services.webhook_endpoint_update(endpoint=endpoint, data=data)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        tags=[TAG_WEBHOOKS],
        operation_id="v1_webhook_endpoints_delete",
        summary="Delete a webhook endpoint (its pending deliveries go with it)",
        responses={
            204: OpenApiResponse(description="Deleted"),
            **error_responses(404, instance="/v1/webhook-endpoints/we_…"),
        },
    )
    def delete(self, request, endpoint_id):
        services.webhook_endpoint_delete(endpoint=self.get_endpoint(endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointRotateApi(WebhookEndpointsApi):
    @extend_schema(
        tags=[TAG_WEBHOOKS],
        operation_id="v1_webhook_endpoints_rotate_secret",
        summary="New signing secret (the old one also signs for 24 h)",
        request=None,
        responses={
            200: WebhookEndpointSecretSerializer,
            **error_responses(404, instance="/v1/webhook-endpoints/we_…/rotate-secret"),
        },
    )
    def post(self, request, endpoint_id):
        endpoint = services.webhook_endpoint_rotate_secret(endpoint=self.get_endpoint(endpoint_id))
        return Response({**WebhookEndpointSerializer(endpoint).data, "secret": endpoint.secret})


class WebhookDeliveryListApi(WebhookEndpointsApi):
    @extend_schema(
        tags=[TAG_WEBHOOKS],
        operation_id="v1_webhook_endpoints_deliveries",
        summary="An endpoint's deliveries, newest first, with every attempt",
        parameters=[CursorQuerySerializer],
        responses={
            200: WebhookDeliveryPageSerializer,
            **error_responses(404, instance="/v1/webhook-endpoints/we_…/deliveries"),
        },
    )
    def get(self, request, endpoint_id):
        endpoint = self.get_endpoint(endpoint_id)
        query = _valid(CursorQuerySerializer, query_values(request))
        rows, next_cursor = selectors.webhook_delivery_list(
            endpoint=endpoint, cursor=query["cursor"], limit=query["limit"]
        )
        return Response(
            {"data": WebhookDeliverySerializer(rows, many=True).data, "nextCursor": next_cursor}
        )
