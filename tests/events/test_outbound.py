"""The webhook POST itself (events.outbound): a receiver that does not answer in time fails
the attempt, and a huge response body is read no further than the cap."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from events import outbound


@pytest.fixture
def big_body_server():
    """Answers 200 with 8 MiB, counting how much of it the client took before closing."""
    sent = {"bytes": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Length", str(8 * 1024 * 1024))
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(128):
                    self.wfile.write(chunk)
                    sent["bytes"] += len(chunk)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", sent
    server.shutdown()
    server.server_close()


def test_a_receiver_slower_than_the_timeout_fails_the_attempt(
    receiver, private_urls_allowed, monkeypatch
):
    monkeypatch.setattr(outbound, "TIMEOUT_SECONDS", 1)  # the 10 s rule, made quick to test
    receiver.responses = [("hang", 3)]
    started = time.monotonic()
    result = outbound.post_json(receiver.url, b"{}", {})
    assert not result.ok
    assert time.monotonic() - started < 2.5  # gave up at the timeout, not after 3 s
    assert "timed out" in result.error.lower() or "slower" in result.error


def test_a_huge_response_body_is_read_only_up_to_the_cap(big_body_server, private_urls_allowed):
    url, sent = big_body_server
    result = outbound.post_json(url, b"{}", {})
    assert result.ok
    time.sleep(0.5)  # let the server notice the closed connection
    # The client took the cap and closed: the server could not push all 8 MiB into it.
    assert sent["bytes"] < 8 * 1024 * 1024, sent
