"""/v1/customer/... routes (the collection itself is in config.urls); trailing slash optional."""

from django.urls import re_path

from customers import api

_ID = r"(?P<customer_id>[^/]+)"

urlpatterns = [
    re_path(r"^paged/?$", api.CustomerPagedApi.as_view(), name="v1-customer-paged"),
    re_path(
        r"^by-email/(?P<email>[^/]+)/?$",
        api.CustomerByEmailApi.as_view(),
        name="v1-customer-by-email",
    ),
    re_path(
        r"^by-phone/(?P<phone>[^/]+)/?$",
        api.CustomerByPhoneApi.as_view(),
        name="v1-customer-by-phone",
    ),
    re_path(rf"^{_ID}/restore/?$", api.CustomerRestoreApi.as_view(), name="v1-customer-restore"),
    re_path(rf"^{_ID}/?$", api.CustomerDetailApi.as_view(), name="v1-customer-detail"),
]
