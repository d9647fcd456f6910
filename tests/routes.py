"""The URL conf as (route, pattern) pairs, for tests that check every route."""

from django.urls import URLPattern, URLResolver


def walk(resolver: URLResolver, prefix: str = ""):
    """Every URLPattern under `resolver`, with its full route (the includes' prefixes joined)."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry
