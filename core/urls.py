"""URL helpers shared by the route families."""

from django.urls import path


def route(pattern: str, view, name: str | None = None) -> list:
    """The route and the same route with a trailing slash (clients differ; both work).
    Only the slash-less form is named and documented."""
    return [path(pattern, view, name=name), path(pattern + "/", view)]
