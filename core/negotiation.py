"""Content negotiation that takes a request body's media type literally, and answers the
common case of the response's type without parsing anything."""

from rest_framework.negotiation import DefaultContentNegotiation

# Accept headers that can only mean JSON when JSON is all a view renders (none means `*/*`; an
# empty one is DRF's 406, so it goes the long way).
_ANY_JSON = frozenset({"*/*", "application/json"})


class StrictContentNegotiation(DefaultContentNegotiation):
    """A body labelled `*/*` or `application/*` says nothing about its format: DRF's default
    would match it to the JSON parser; here it selects no parser, so the answer is a 415."""

    def select_parser(self, request, parsers):
        main, _, sub = request.content_type.partition(";")[0].strip().partition("/")
        if "*" in (main, sub):
            return None
        return super().select_parser(request, parsers)

    def select_renderer(self, request, renderers, format_suffix=None):
        """What DRF's default picks, without parsing the Accept header when the view renders
        only JSON and the client accepts anything or JSON (every API call in practice):
        DRF's parse and match cost about as much as rendering a customer."""
        if (
            format_suffix is None
            and len(renderers) == 1
            and renderers[0].media_type == "application/json"
            and request.META.get("HTTP_ACCEPT", "*/*").strip() in _ANY_JSON
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], "application/json"
        return super().select_renderer(request, renderers, format_suffix)
