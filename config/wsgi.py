"""WSGI entry point, served by granian (config/serve.py)."""

import gc
import logging
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger("cm.wsgi")


def whole_responses(app):
    """`app`, handing the server each non-streaming response as one bytes item in a list,
    closed already (Django's request_finished: the database connection goes back to the
    pool), instead of the response object to iterate and close.

    granian sends a list's bytes straight from the thread that ran the app; any other
    iterable it iterates and closes afterwards, taking the GIL once more. Under load that
    cost the server up to a sixth of its CPU per warm GET (bench/SERVER.md, 2026-12-01).
    Streaming responses (exports, files) are still handed over as they are."""

    def application(environ, start_response):
        response = app(environ, start_response)
        if getattr(response, "streaming", True):  # streamed, or the server's file wrapper
            return response
        body = response.content
        try:
            response.close()
        except Exception:  # what the server would have logged; the response itself is whole
            logger.exception("closing the response failed")
        return [body]

    return application


application = whole_responses(get_wsgi_application())

# Import every view now (the URL conf is otherwise loaded by the first request), then move
# what start-up built (~110,000 objects) out of the garbage collector's sight: a full
# collection over them paused every thread of the worker for ~150 ms every few thousand
# requests (measured), a p99 outlier the requests themselves never caused.
_views = get_resolver().url_patterns
gc.collect()
gc.freeze()
