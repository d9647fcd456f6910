"""Churnkey Customers controller routes, /churnkey/customers[...]; trailing slash optional."""

from core.urls import route
from customers import churnkey_api

urlpatterns = [
    *route(
        "churnkey/customers",
        churnkey_api.ChurnkeyCustomerListApi.as_view(),
        "churnkey-customer-list",
    ),
    *route(
        "churnkey/customers/email/<str:email>",
        churnkey_api.ChurnkeyCustomerByEmailApi.as_view(),
        "churnkey-customer-by-email",
    ),
    *route(
        "churnkey/customers/phone/<str:phone>",
        churnkey_api.ChurnkeyCustomerByPhoneApi.as_view(),
        "churnkey-customer-by-phone",
    ),
    *route(
        "churnkey/customers/<str:id>",
        churnkey_api.ChurnkeyCustomerRetrieveApi.as_view(),
        "churnkey-customer-detail",
    ),
]
