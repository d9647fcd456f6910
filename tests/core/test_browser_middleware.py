"""Sessions, staff login and flash messages run only where people browse (admin, portal),
never on the key-authenticated APIs (issue 10: no middleware the API does not need)."""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import get_resolver
from rest_framework.views import APIView

from apikeys.authentication import _BearerKeyAuthentication
from core.middleware import is_api_path
from tests.routes import walk

pytestmark = pytest.mark.django_db

DOCS = ("api/schema", "api/docs", "api/redoc")


def _sample_path(route: str) -> str:
    """A path the route matches: each converter replaced by a plausible value."""
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "x", route.lstrip("^").rstrip("$"))


def _key_authenticated(view) -> bool:
    cls = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return (
        isinstance(cls, type)
        and issubclass(cls, APIView)
        and any(issubclass(a, _BearerKeyAuthentication) for a in cls().authentication_classes)
    )


def test_every_key_authenticated_route_is_an_api_path_and_no_page_for_people_is():
    routes = list(walk(get_resolver()))
    # The schema, Swagger UI and ReDoc are DRF views too, but pages for people.
    api = [
        route
        for route, entry in routes
        if _key_authenticated(entry.callback) and not route.startswith(DOCS)
    ]
    assert len(api) > 20  # the walk found the API routes
    assert [r for r in api if not is_api_path(_sample_path(r))] == []
    browser = [r for r, _e in routes if r.startswith(("admin/", "portal/", *DOCS))]
    assert browser and [r for r in browser if is_api_path(_sample_path(r))] == []


def test_api_calls_neither_read_nor_set_a_session(alice_client):
    response = alice_client.get("/v1/customer/paged?cursor=")
    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    assert not hasattr(response.wsgi_request, "session")


def test_the_admin_still_logs_in_with_a_session(client):
    User.objects.create_superuser("root", "root@example.com", "pw")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": "pw", "next": "/admin/"}
    )
    assert response.status_code == 302 and "sessionid" in response.cookies
    assert client.get("/admin/").status_code == 200
