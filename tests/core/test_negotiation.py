"""core.negotiation's shortcut picks what DRF's default negotiation picks."""

import pytest
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.negotiation import StrictContentNegotiation


def _request(accept: str | None, query: str = "") -> Request:
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    return Request(APIRequestFactory().get("/v1/customer" + query, **headers))


@pytest.mark.parametrize(
    "accept, query",
    [
        (None, ""),
        ("", ""),
        ("*/*", ""),
        ("application/json", ""),
        (" application/json ", ""),
        ("application/json; indent=4", ""),
        ("application/json;version=2", ""),
        ("text/html, application/json;q=0.9", ""),
        ("*/*", "?format=json"),
    ],
)
@pytest.mark.parametrize(
    "renderers", [[JSONRenderer()], [JSONRenderer(), BrowsableAPIRenderer()]], ids=["json", "two"]
)
def test_the_renderer_and_media_type_are_drfs(accept, query, renderers):
    def outcome(negotiation):
        try:
            renderer, media_type = negotiation.select_renderer(_request(accept, query), renderers)
        except NotAcceptable:
            return "406"
        return type(renderer), media_type

    assert outcome(StrictContentNegotiation()) == outcome(DefaultContentNegotiation())


def test_a_type_json_cannot_give_is_still_refused():
    with pytest.raises(NotAcceptable):
        StrictContentNegotiation().select_renderer(_request("text/csv"), [JSONRenderer()])
