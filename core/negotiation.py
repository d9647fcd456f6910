"""Content negotiation that takes a request body's media type literally."""

from rest_framework.negotiation import DefaultContentNegotiation


class StrictContentNegotiation(DefaultContentNegotiation):
    """A body labelled `*/*` or `application/*` says nothing about its format: DRF's default
    would match it to the JSON parser; here it selects no parser, so the answer is a 415."""

    def select_parser(self, request, parsers):
        main, _, sub = request.content_type.partition(";")[0].strip().partition("/")
        if "*" in (main, sub):
            return None
        return super().select_parser(request, parsers)
