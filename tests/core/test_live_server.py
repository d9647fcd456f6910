"""The production server process (`python -m config.serve`, as `make run` starts it): slow
clients cannot starve it, what it says about malformed requests is never HTML, chunked bodies
are read."""

import json

import pytest

from bench import slow_clients
from tests.live_server import LiveServer, demo_credentials, server_env


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One server for the module, on a SQLite file of its own (the HTTP server's behaviour
    does not depend on the database; test_database_unavailable covers PostgreSQL)."""
    tmp_path = tmp_path_factory.mktemp("live")
    env = server_env(tmp_path, SERVER_HEADER_READ_TIMEOUT="2")
    creds = demo_credentials(env, tmp_path)
    server = LiveServer(env)
    server.creds = creds
    server.auth = {
        "Authorization": f"Bearer {creds['api_key']}",
        "x-business-tenant-id": creds["tenant_id"],
    }
    yield server
    server.stop()


def test_slow_clients_do_not_stop_health_checks_or_authenticated_reads(live):
    result = slow_clients.run(
        live.base,
        live.creds["api_key"],
        live.creds["tenant_id"],
        slow_headers=40,
        slow_bodies=40,
        duration=5,
        deadline=1.0,
        log=lambda line: None,
    )
    assert result["failures"] == [], (result, live.log_tail())
    assert result["healthz"]["n"] >= 3 and result["customer"]["n"] >= 3
    # The header read timeout (2 s here) closed the sockets that never finished their headers.
    assert result["header_sockets_closed_by_server"] >= 40


def _head_and_body(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(
    ("name", "request_bytes", "expected"),
    [
        (
            "request line over the server's limit",
            b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            {414},
        ),
        (
            "too many header fields",
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + b"".join(b"X-H%d: a\r\n" % i for i in range(200))
            + b"\r\n",
            {431},
        ),
        (
            "one huge header",
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
            {431},
        ),
        (
            "control bytes in a header value",
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad: a\x01\x7fb\r\n\r\n",
            {400},
        ),
        ("not HTTP at all", b"\x16\x03\x01\x00\xa5hello\r\n\r\n", {400}),
        (
            "an invalid Content-Length",
            b"POST /v1/customer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
            {400},
        ),
    ],
)
def test_errors_from_the_http_server_itself_are_never_html(live, name, request_bytes, expected):
    """Granian answers these before Django sees them: the status is right and the body is
    empty (no content type), which is as far as the server can be configured."""
    status, headers, body = _head_and_body(live.raw(request_bytes))
    assert status in expected, name
    assert "html" not in headers.get("content-type", "")
    assert b"<" not in body


def test_a_foreign_host_is_a_problem_and_never_echoed(live):
    raw = live.raw(b"GET /healthz HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    status, headers, body = _head_and_body(raw)
    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    assert b"evil.example" not in body


def _post_chunked(live, parts: list[bytes]) -> tuple[int, dict[str, str], bytes]:
    """POST /v1/customer with the body sent as these chunks (no Content-Length)."""
    head = (
        "POST /v1/customer HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: application/json\r\nConnection: close\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in live.auth.items())
        + "\r\n"
    ).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts)
    status, headers, payload = _head_and_body(live.raw(head + chunks + b"0\r\n\r\n"))
    if headers.get("transfer-encoding") == "chunked":  # de-chunk the (one-chunk) answer
        size, _, rest = payload.partition(b"\r\n")
        payload = rest[: int(size, 16)]
    return status, headers, payload


def test_a_chunked_body_is_read_not_taken_as_empty(live):
    body = json.dumps({"firstName": "Chunky", "email": "chunky@example.com"}).encode()
    status, _, payload = _post_chunked(live, [body[:10], body[10:]])
    assert status == 201, payload
    assert json.loads(payload)["email"] == "chunky@example.com"


def test_a_chunked_body_over_the_limit_is_a_413_problem(live):
    part = b'{"firstName": "' + b"a" * 600_000
    status, headers, _ = _post_chunked(live, [part, part])
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
