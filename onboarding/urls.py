"""/v1/signup; a trailing slash is accepted."""

from core.urls import route
from onboarding import api

urlpatterns = [
    *route("v1/signup", api.SignupApi.as_view(), "v1-signup"),
]
