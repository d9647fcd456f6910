"""/v1/portal/sso; a trailing slash is accepted."""

from core.urls import route
from portal import api

urlpatterns = [*route("v1/portal/sso", api.PortalSsoApi.as_view(), "v1-portal-sso")]
