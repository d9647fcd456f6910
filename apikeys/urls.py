"""/v1/keys routes; a trailing slash is accepted on every one."""

from apikeys import api
from core.urls import route

urlpatterns = [
    *route("v1/keys", api.KeyCollectionApi.as_view(), "v1-keys-collection"),
    *route("v1/keys/<str:key_id>/roll", api.KeyRollApi.as_view(), "v1-keys-roll"),
    *route("v1/keys/<str:key_id>", api.KeyDetailApi.as_view(), "v1-keys-detail"),
]
