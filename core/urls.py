"""URL helpers shared by the route families."""

from django.conf import settings
from django.urls import path


def route(pattern: str, view, name: str | None = None) -> list:
    """The route and the same route with a trailing slash (clients differ; both work).
    Only the slash-less form is named and documented."""
    return [path(pattern, view, name=name), path(pattern + "/", view)]


def absolute_url(request, location: str) -> str:
    """The one place absolute URLs (`Location`, `Link`) are built: on PUBLIC_BASE_URL when
    it is set, else on the request's host, which ALLOWED_HOSTS has already vetted."""
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL + location
    return request.build_absolute_uri(location)
