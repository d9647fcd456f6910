"""/v1/usage (trailing slash optional)."""

from django.urls import re_path

from plans import api

urlpatterns = [
    re_path(r"^/?$", api.UsageApi.as_view(), name="v1-usage"),
]
