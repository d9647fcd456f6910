"""/v1/events and /v1/webhook-endpoints routes; a trailing slash is accepted on every one."""

from core.urls import route
from events import api

urlpatterns = [
    *route("v1/events", api.EventListApi.as_view(), "v1-events"),
    *route(
        "v1/events/<str:event_id>/redeliver",
        api.EventRedeliverApi.as_view(),
        "v1-events-redeliver",
    ),
    *route("v1/events/<str:event_id>", api.EventDetailApi.as_view(), "v1-events-detail"),
    *route(
        "v1/webhook-endpoints",
        api.WebhookEndpointCollectionApi.as_view(),
        "v1-webhook-endpoints",
    ),
    *route(
        "v1/webhook-endpoints/<str:endpoint_id>/rotate-secret",
        api.WebhookEndpointRotateApi.as_view(),
        "v1-webhook-endpoints-rotate",
    ),
    *route(
        "v1/webhook-endpoints/<str:endpoint_id>/deliveries",
        api.WebhookDeliveryListApi.as_view(),
        "v1-webhook-endpoints-deliveries",
    ),
    *route(
        "v1/webhook-endpoints/<str:endpoint_id>",
        api.WebhookEndpointDetailApi.as_view(),
        "v1-webhook-endpoints-detail",
    ),
]
