"""/v1/keys/... routes (the collection itself is in config.urls); trailing slash optional."""

from django.urls import re_path

from apikeys import api

_ID = r"(?P<key_id>[^/]+)"

urlpatterns = [
    re_path(rf"^{_ID}/roll/?$", api.KeyRollApi.as_view(), name="v1-keys-roll"),
    re_path(rf"^{_ID}/?$", api.KeyDetailApi.as_view(), name="v1-keys-detail"),
]
