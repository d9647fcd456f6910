"""Structured logs: one JSON object a line with the request's ids, never a key, body or
personal field; LOG_FORMAT=text for humans."""

import io
import json
import logging
import logging.config
import multiprocessing
import os
import select
import time

import pytest
from django.conf import settings
from django.http import HttpResponse

from core.logging import DeferredStreamHandler, logging_config
from core.middleware import RequestIdMiddleware


@pytest.fixture
def log_lines():
    """The lines the configured console handler writes, captured."""
    stream = io.StringIO()
    config = logging_config(log_format="json", level="INFO")
    config["handlers"]["console"]["stream"] = stream
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.config.dictConfig(settings.LOGGING)
    root.handlers[:], root.level = saved


def test_each_request_is_one_json_line_with_its_ids_and_nothing_personal(
    log_lines, alice_client, tenant_a, key_a
):
    body = {"email": "mario.rossi@example.com", "phone": "06 1234 5678"}
    response = alice_client.post("/v1/customer", body, format="json", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 201
    alice_client.get("/v1/customer/by-email/mario.rossi@example.com", HTTP_X_REQUEST_ID="r-2")
    lines = log_lines()
    requests = [line for line in lines if line["message"] == "request"]
    assert len(requests) == 2
    first = requests[0]
    assert first["request_id"] == "req-42" == response["X-Request-ID"]
    assert first["method"] == "POST" and first["route"] == "v1/customer"
    assert first["status"] == 201 and first["duration_ms"] > 0
    assert first["tenant_id"] == tenant_a.public_id
    assert first["application_id"] == key_a[0].application.app_id
    assert first["key_prefix"] == key_a[0].prefix
    assert first["level"] == "INFO" and first["logger"] == "cm.request" and first["time"]
    assert requests[1]["route"] == "v1/customer/by-email/<str:email>"
    everything = "\n".join(json.dumps(line) for line in lines)
    assert key_a[1] not in everything  # the key itself, never
    for personal in ("mario.rossi", "0612345678", "06 1234 5678"):
        assert personal not in everything


def test_anonymous_and_unmatched_requests_are_logged_too(log_lines, anon_client):
    anon_client.get("/no/such/page", HTTP_X_REQUEST_ID="r-1")
    anon_client.get("/v1/customer")
    first, second = [line for line in log_lines() if line["message"] == "request"]
    assert (first["route"], first["status"], first["request_id"]) == ("unmatched", 404, "r-1")
    assert "tenant_id" not in first
    assert (second["route"], second["status"]) == ("v1/customer", 401)


def test_any_log_record_in_a_request_carries_its_request_id(log_lines, rf):
    def view(request):
        logging.getLogger("anything").warning("inside")
        return HttpResponse()

    RequestIdMiddleware(view)(rf.get("/", HTTP_X_REQUEST_ID="abc"))
    [line] = [line for line in log_lines() if line["message"] == "inside"]
    assert line["request_id"] == "abc" and line["logger"] == "anything"


def test_text_format_is_for_humans_and_a_bad_format_fails_loudly():
    text = logging_config(log_format="text", level="INFO")["formatters"]["default"]
    assert "%(request_id)s" in text["format"]
    with pytest.raises(ValueError):
        logging_config(log_format="xml", level="INFO")


def test_djangos_own_error_records_log_the_route_never_the_path(log_lines, alice_client):
    """Django logs a 500 as "Internal Server Error: <path>" with the request attached; the
    path (here an email) must not reach the log, in the message or as the request's repr."""
    response = alice_client.get("/v1/customer/by-email/ada@example.com")
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
        (response.wsgi_request.path,), None,
    )  # fmt: skip
    record.request = response.wsgi_request
    record.status_code = 500
    logging.getLogger("django.request").handle(record)
    [line] = [line for line in log_lines() if line["logger"] == "django.request"]
    assert line["message"] == "Internal Server Error: v1/customer/by-email/<str:email>"
    assert "ada@" not in json.dumps(line) and line["status_code"] == 500


# --- the console handler: lines queued by request threads, written by one thread ----------


def _pipe_handler(interval: float = 60.0):
    """A DeferredStreamHandler on the write end of a real pipe (interval long enough that
    only an explicit flush or a synchronous record writes), and a reader of the other end."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    stream = os.fdopen(write_fd, "w")
    handler = DeferredStreamHandler(stream, interval=interval)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))

    def read() -> list[str]:
        data = b""
        while True:
            try:
                chunk = os.read(read_fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            data += chunk
        return data.decode().splitlines()

    return handler, read, stream, read_fd


def _record(level: int, message: str) -> logging.LogRecord:
    return logging.LogRecord("cm.request", level, __file__, 1, message, None, None)


@pytest.fixture
def pipe_handler():
    handler, read, stream, read_fd = _pipe_handler()
    yield handler, read
    handler.close()
    stream.close()
    os.close(read_fd)


def test_info_lines_wait_for_the_writer_and_come_out_in_order(pipe_handler):
    handler, read = pipe_handler
    for i in range(3):
        handler.handle(_record(logging.INFO, f"line {i}"))
    assert read() == []  # queued: the request thread wrote nothing
    handler.flush()
    assert read() == ["INFO line 0", "INFO line 1", "INFO line 2"]


def test_a_warning_is_written_at_once_after_the_lines_queued_before_it(pipe_handler):
    handler, read = pipe_handler
    handler.handle(_record(logging.INFO, "a"))
    handler.handle(_record(logging.INFO, "b"))
    handler.handle(_record(logging.WARNING, "c"))
    assert read() == ["INFO a", "INFO b", "WARNING c"]


def test_the_writer_thread_writes_within_its_interval():
    handler, read, stream, read_fd = _pipe_handler(interval=0.05)
    try:
        handler.handle(_record(logging.INFO, "soon"))
        lines: list[str] = []
        deadline = time.monotonic() + 5
        while not lines and time.monotonic() < deadline:
            time.sleep(0.02)
            lines = read()
        assert lines == ["INFO soon"]
    finally:
        handler.close()
        stream.close()
        os.close(read_fd)


def test_each_write_is_whole_lines_of_at_most_pipe_buf_bytes(pipe_handler, monkeypatch):
    handler, read = pipe_handler
    writes: list[bytes] = []
    real_write = os.write

    def recording_write(fd, data):
        writes.append(bytes(data))
        return real_write(fd, data)

    monkeypatch.setattr("core.logging.os.write", recording_write)
    messages = [f"{i:04d} " + "x" * 290 for i in range(60)]  # ~18 KB in all
    for message in messages:
        handler.handle(_record(logging.INFO, message))
    handler.flush()
    assert len(writes) > 1
    assert all(len(w) <= select.PIPE_BUF and w.endswith(b"\n") for w in writes)
    assert read() == [f"INFO {m}" for m in messages]


def test_a_line_longer_than_pipe_buf_is_written_alone_and_whole(pipe_handler):
    handler, read = pipe_handler
    long = "y" * (select.PIPE_BUF * 2)
    handler.handle(_record(logging.INFO, "before"))
    handler.handle(_record(logging.INFO, long))
    handler.handle(_record(logging.INFO, "after"))
    handler.flush()
    assert read() == ["INFO before", f"INFO {long}", "INFO after"]


def test_a_record_that_cannot_be_formatted_is_reported_not_raised(pipe_handler, monkeypatch):
    handler, read = pipe_handler
    reported = []
    monkeypatch.setattr(handler, "handleError", reported.append)
    bad = logging.LogRecord("cm.request", logging.INFO, __file__, 1, "%d", ("not a number",), None)
    handler.handle(bad)
    handler.handle(_record(logging.INFO, "fine"))
    handler.flush()
    assert reported == [bad]
    assert read() == ["INFO fine"]


def test_a_forked_child_does_not_write_the_lines_its_parent_queued(pipe_handler):
    handler, read = pipe_handler
    handler.handle(_record(logging.INFO, "parent's"))
    pid = os.fork()
    if pid == 0:  # the child: log one line of its own and leave at once
        try:
            handler.handle(_record(logging.INFO, "child's"))
            handler.flush()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    handler.flush()
    assert sorted(read()) == ["INFO child's", "INFO parent's"]


def _log_and_return(write_fd: int) -> None:
    """A multiprocessing worker, as granian's are: queue lines and return (os._exit)."""
    handler = DeferredStreamHandler(os.fdopen(write_fd, "w", closefd=False), interval=60)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for i in range(5):
        handler.handle(_record(logging.INFO, f"worker line {i}"))


def test_a_worker_process_that_ends_writes_what_it_had_queued():
    read_fd, write_fd = os.pipe()
    try:
        worker = multiprocessing.get_context("fork").Process(
            target=_log_and_return, args=(write_fd,)
        )
        worker.start()
        worker.join(10)
        assert worker.exitcode == 0
        os.close(write_fd)
        write_fd = -1
        with os.fdopen(read_fd, "rb") as pipe:
            read_fd = -1
            lines = pipe.read().decode().splitlines()
        assert lines == [f"worker line {i}" for i in range(5)]
    finally:
        for fd in (read_fd, write_fd):
            if fd >= 0:
                os.close(fd)


def test_a_stream_without_a_descriptor_is_written_at_once():
    stream = io.StringIO()
    handler = DeferredStreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.handle(_record(logging.INFO, "now"))
    assert stream.getvalue() == "now\n"


def test_past_the_queue_limit_records_are_written_by_their_own_thread(pipe_handler, monkeypatch):
    handler, read = pipe_handler
    monkeypatch.setattr("core.logging._MAX_QUEUED", 3)
    for i in range(4):
        handler.handle(_record(logging.INFO, f"n{i}"))
    # three queued, the fourth found the queue full: all four written, in order, at once
    assert read() == ["INFO n0", "INFO n1", "INFO n2", "INFO n3"]
