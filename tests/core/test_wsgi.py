"""The WSGI module loads every view, freezes start-up objects out of the collector, and hands
the server whole responses (config.wsgi.whole_responses)."""

import gc
import importlib
import json
import logging

import pytest
from django.core.signals import request_finished
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from config.wsgi import whole_responses


def test_loading_the_wsgi_application_freezes_what_start_up_built():
    wsgi = importlib.import_module("config.wsgi")
    assert callable(wsgi.application)
    assert len(wsgi._views) > 10  # the URL conf, so every view module, is imported
    assert gc.get_freeze_count() > 10_000


class _Recorder:
    """start_response, and request_finished receiver while in a `with`: what happened, in
    order."""

    def __init__(self):
        self.events = []

    def __enter__(self):
        request_finished.connect(self.finished)
        return self

    def __exit__(self, *exc):
        request_finished.disconnect(self.finished)

    def start_response(self, status, headers, exc_info=None):
        self.events.append(("start", status, dict(headers)))

    def finished(self, sender, **kwargs):
        self.events.append(("finished",))


def _serve(app, recorder):
    result = app(RequestFactory()._base_environ(PATH_INFO="/x"), recorder.start_response)
    recorder.events.append(("returned",))
    return result


# request_finished closes the database connections, as after any request.
@pytest.mark.django_db
def test_a_whole_response_is_handed_over_as_one_bytes_item_already_closed():
    response = HttpResponse(b'{"a":', content_type="application/json")
    response.write(b"1}")  # two chunks in the response's container

    def app(environ, start_response):
        start_response("200 OK", list(response.items()))
        return response

    with _Recorder() as recorder:
        result = _serve(whole_responses(app), recorder)
    assert result == [b'{"a":1}']
    assert type(result) is list  # what granian sends from the app's own thread
    assert response.closed
    # Closed (request_finished sent: connections back to the pool) before the server got it.
    assert [e[0] for e in recorder.events] == ["start", "finished", "returned"]


# request_finished closes the database connections, as after any request.
@pytest.mark.django_db
def test_a_streaming_response_is_handed_over_as_it_is_for_the_server_to_stream():
    chunks_read = []

    def chunks():
        for chunk in (b"a,b\n", b"1,2\n"):
            chunks_read.append(chunk)
            yield chunk

    response = StreamingHttpResponse(chunks(), content_type="text/csv")

    def app(environ, start_response):
        start_response("200 OK", list(response.items()))
        return response

    with _Recorder() as recorder:
        result = _serve(whole_responses(app), recorder)
        assert result is response
        assert chunks_read == []  # nothing read ahead of the server
        assert not response.closed
        assert b"".join(result) == b"a,b\n1,2\n"
        result.close()
    assert [e[0] for e in recorder.events] == ["start", "returned", "finished"]


def test_a_close_that_fails_is_logged_and_the_response_still_sent(caplog):
    response = HttpResponse(b"ok")

    def failing_closer():
        raise RuntimeError("boom")

    def app(environ, start_response):
        start_response("200 OK", list(response.items()))
        response.close = failing_closer
        return response

    with caplog.at_level(logging.ERROR, logger="cm.wsgi"):
        result = whole_responses(app)(RequestFactory()._base_environ(), lambda *a: None)
    assert result == [b"ok"]
    assert "closing the response failed" in caplog.text


# request_finished closes the database connections, as after any request.
@pytest.mark.django_db
def test_the_served_application_hands_over_whole_responses():
    wsgi = importlib.import_module("config.wsgi")
    recorder = _Recorder()
    environ = RequestFactory()._base_environ(PATH_INFO="/healthz")
    result = wsgi.application(environ, recorder.start_response)
    assert type(result) is list and len(result) == 1
    assert recorder.events[0][1].startswith("200")
    assert json.loads(result[0]) == {"status": "ok"}
