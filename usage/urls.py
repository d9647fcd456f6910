"""/v1/usage; a trailing slash is accepted."""

from core.urls import route
from usage import api

urlpatterns = [*route("v1/usage", api.UsageApi.as_view(), "v1-usage")]
