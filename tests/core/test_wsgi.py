"""The WSGI module loads every view and freezes start-up objects out of the collector."""

import gc
import importlib


def test_loading_the_wsgi_application_freezes_what_start_up_built():
    wsgi = importlib.import_module("config.wsgi")
    assert callable(wsgi.application)
    assert len(wsgi._views) > 10  # the URL conf, so every view module, is imported
    assert gc.get_freeze_count() > 10_000
