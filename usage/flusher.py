"""The usage flush, off the request path: one daemon thread per process, woken when the
limiter hands this process the flush claim (one caller per flush interval, across processes).

The request that won the claim only sets an event; the thread moves the buckets from Redis
(or process memory) to the database with its own connection. Nothing a client reads waits
for it: usage reads add the buckets still pending (usage.selectors).
"""

from __future__ import annotations

import logging
import threading

from django.db import connections

from usage.services import usage_flush_quietly

logger = logging.getLogger(__name__)

_wake = threading.Event()
_lock = threading.Lock()
_thread: threading.Thread | None = None
THREAD_NAME = "usage-flush"


def _run() -> None:
    while True:
        _wake.wait()
        _wake.clear()
        try:
            usage_flush_quietly()
        finally:
            # One flush per interval: a fresh connection each time costs nothing that
            # matters, and none is left open between flushes.
            connections.close_all()


def wake() -> None:
    """Ask this process's flush thread to flush now (started on first use, so a forked
    worker starts its own)."""
    global _thread
    if _thread is None or not _thread.is_alive():
        with _lock:
            if _thread is None or not _thread.is_alive():
                _thread = threading.Thread(target=_run, name=THREAD_NAME, daemon=True)
                _thread.start()
    _wake.set()
