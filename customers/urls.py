"""/v1/customer routes; a trailing slash is accepted on every one."""

from core.urls import route
from customers import api, gdpr_api

urlpatterns = [
    *route("v1/customer", api.CustomerCollectionApi.as_view(), "v1-customer-collection"),
    *route("v1/customer/paged", api.CustomerPagedApi.as_view(), "v1-customer-paged"),
    *route("v1/customer/bulk", api.CustomerBulkApi.as_view(), "v1-customer-bulk"),
    # The hottest route, matched as early as it can be: after the fixed names it would
    # otherwise take ("paged", "bulk"); Django tries patterns in order.
    *route("v1/customer/<str:customer_id>", api.CustomerDetailApi.as_view(), "v1-customer-detail"),
    *route(
        "v1/customer/by-email/<str:email>", api.CustomerByEmailApi.as_view(), "v1-customer-by-email"
    ),
    *route(
        "v1/customer/by-phone/<str:phone>", api.CustomerByPhoneApi.as_view(), "v1-customer-by-phone"
    ),
    *route(
        "v1/customer/<str:customer_id>/restore",
        api.CustomerRestoreApi.as_view(),
        "v1-customer-restore",
    ),
    # History and GDPR (customers/gdpr_api.py).
    *route(
        "v1/customer/<str:customer_id>/history",
        gdpr_api.CustomerHistoryApi.as_view(),
        "v1-customer-history",
    ),
    *route(
        "v1/customer/<str:customer_id>/export",
        gdpr_api.CustomerExportApi.as_view(),
        "v1-customer-export",
    ),
    *route(
        "v1/customer/<str:customer_id>/erase",
        gdpr_api.CustomerEraseApi.as_view(),
        "v1-customer-erase",
    ),
]
