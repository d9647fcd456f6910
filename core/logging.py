"""Structured logs: one JSON object a line (python-json-logger), or text for humans.

python-json-logger is a formatter for the standard `logging` module, so every logger we,
Django, gunicorn or a library use emits the same JSON with no change at the call sites
(structlog would have meant a second logging API to route the stdlib's records through).
`settings.LOGGING` (built by `logging_config`) picks it by LOG_FORMAT=json|text.

Every record carries `request_id` (the X-Request-ID of the request being served, or null in
a command), added by RequestIdFilter. What a request line holds is decided by
core.observability; nothing logs keys, bodies or personal fields.
"""

from __future__ import annotations

import collections
import logging
import multiprocessing.util
import os
import select
import threading
import time
import weakref

from core.request_id import current_request_id

FORMATS = ("json", "text")
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


UNMATCHED = "unmatched"  # the route of a request no URL pattern took


def route_of(request) -> str:
    """The URL pattern that served `request` ("v1/customer/<str:customer_id>"), never its
    path, which can hold an email or a phone number."""
    match = getattr(request, "resolver_match", None)
    return (match.route or match.view_name or UNMATCHED) if match else UNMATCHED


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (None outside a request), and keeps
    paths out: Django's own records ("Internal Server Error: <path>") carry the request,
    whose path and repr would be logged; they get its route pattern instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        request = record.__dict__.pop("request", None)
        if request is not None:
            record.route = route_of(request)
            path = getattr(request, "path", None)
            if path is not None and isinstance(record.args, tuple):
                record.args = tuple(record.route if a == path else a for a in record.args)
        return True


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING dictConfig for LOG_FORMAT (`json`: one object a line; `text`)."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {FORMATS}, got {log_format!r}")
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        }
        if log_format == "json"
        else {"format": _TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "()": "core.logging.DeferredStreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The request line (core.observability) replaces Django's own per-request
            # warnings for 4xx; its errors (5xx, with the traceback) stay, path redacted.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "ERROR"},
        },
    }


# What one write(2) to a pipe keeps whole when several processes (granian's workers) share it.
_ATOMIC_WRITE = select.PIPE_BUF
_deferred_handlers: weakref.WeakSet = weakref.WeakSet()
# Past this many queued lines (a stderr nobody reads), records are written by the thread that
# logs them again, which waits for the stream as a plain StreamHandler's would: memory stays
# bounded and the back pressure is the one there was before.
_MAX_QUEUED = 10_000


class DeferredStreamHandler(logging.StreamHandler):
    """The console handler (stderr). A request's INFO line is formatted in the request's
    thread and queued; one thread per process writes the queued lines every
    `interval` seconds, in writes of whole lines no longer than PIPE_BUF.

    Why: with a plain StreamHandler every request wrote its line itself, holding the
    handler's lock across the write, which gives up the GIL. Under load the threads queued
    on that lock and on the GIL: in one process with 8 threads a record cost 55 us against
    28 us with one thread, and queued it costs 25 us with either. Under wrk, a warm GET
    used 5% less of the machine's CPU (bench/SERVER.md, 2026-12-01).

    Records at WARNING and above are written at once, after the lines queued before them,
    so errors are never late and the order holds. A stream without a file descriptor
    (a test's StringIO) is written at once too. `flush()` (called by logging at exit, by
    multiprocessing when a worker process ends, and before a synchronous write) writes
    what is queued. What a process killed with SIGKILL had queued, at most `interval`
    seconds of INFO lines, is lost. At most _MAX_QUEUED lines wait."""

    def __init__(self, stream=None, interval: float = 0.1):
        super().__init__(stream)
        self.interval = interval
        self._queue: collections.deque[str] = collections.deque()
        self._writer: threading.Thread | None = None
        self._closed = False
        self._fd = self._fileno(self.stream)
        _deferred_handlers.add(self)

    @staticmethod
    def _fileno(stream) -> int | None:
        try:
            return stream.fileno()
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
            return None

    def setStream(self, stream):
        self.flush()
        old = super().setStream(stream)
        self._fd = self._fileno(self.stream)
        return old

    def handle(self, record):
        rv = self.filter(record)
        if not rv:
            return rv
        if (
            record.levelno >= logging.WARNING
            or self._fd is None
            or self._closed
            or len(self._queue) >= _MAX_QUEUED
        ):
            with self.lock:
                self._write_queued()
                self.emit(record)  # StreamHandler's: format, write, flush
            return rv
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - logging's contract: report it, never raise
            self.handleError(record)
            return rv
        if self._writer is None:
            self._start_writer()
        self._queue.append(line)
        return rv

    def _start_writer(self) -> None:
        with self.lock:
            if self._writer is not None:
                return
            self._writer = threading.Thread(
                target=self._write_every_interval, name="log-writer", daemon=True
            )
            self._writer.start()
            # A granian worker is a multiprocessing process: it ends through os._exit, so
            # atexit (and with it logging.shutdown) never runs there, but its finalizers do.
            multiprocessing.util.Finalize(self, self.flush, exitpriority=0)

    def _write_every_interval(self) -> None:
        while not self._closed:
            time.sleep(self.interval)
            self.flush()

    def _write_queued(self) -> None:
        """Write every queued line (call with the lock held), in writes of whole lines of at
        most PIPE_BUF bytes each (a longer line alone)."""
        chunk: list[bytes] = []
        size = 0
        while True:
            try:
                line = self._queue.popleft()
            except IndexError:
                break
            data = (line + self.terminator).encode("utf-8", "backslashreplace")
            if chunk and size + len(data) > _ATOMIC_WRITE:
                self._write(b"".join(chunk))
                chunk, size = [], 0
            chunk.append(data)
            size += len(data)
        if chunk:
            self._write(b"".join(chunk))

    def _write(self, data: bytes) -> None:
        if self._fd is None:  # a stream without a descriptor (lines queued before setStream)
            self.stream.write(data.decode("utf-8"))
            return
        try:
            self.stream.flush()  # anything written through the stream itself goes first
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
        except (OSError, ValueError):
            pass  # nowhere to write (a closed pipe): the lines are dropped, as print's would be

    def flush(self):
        if self._closed:
            return
        with self.lock:
            if self._queue:
                self._write_queued()
            # A stream closed under us is passed over, as logging.shutdown does.
            try:
                super().flush()
            except (OSError, ValueError):
                pass

    def close(self):
        self.flush()
        self._closed = True
        super().close()


def _forget_parent_lines() -> None:
    """In a forked child: the lines the parent had queued are the parent's to write, and
    the parent's writer thread does not exist here."""
    for handler in list(_deferred_handlers):
        handler._queue.clear()
        handler._writer = None


os.register_at_fork(after_in_child=_forget_parent_lines)
