"""Churnkey Customers controller routes, /churnkey/customers[...]; trailing slash optional."""

from django.urls import re_path

from customers import churnkey_api

urlpatterns = [
    re_path(
        r"^churnkey/customers/?$",
        churnkey_api.ChurnkeyCustomerListApi.as_view(),
        name="churnkey-customer-list",
    ),
    re_path(
        r"^churnkey/customers/email/(?P<email>[^/]+)/?$",
        churnkey_api.ChurnkeyCustomerByEmailApi.as_view(),
        name="churnkey-customer-by-email",
    ),
    re_path(
        r"^churnkey/customers/phone/(?P<phone>[^/]+)/?$",
        churnkey_api.ChurnkeyCustomerByPhoneApi.as_view(),
        name="churnkey-customer-by-phone",
    ),
    re_path(
        r"^churnkey/customers/(?P<id>[^/]+)/?$",
        churnkey_api.ChurnkeyCustomerRetrieveApi.as_view(),
        name="churnkey-customer-detail",
    ),
]
