"""Redis down or hung, with real processes: a server started as `make run` starts it, on a
Redis of the test's own (started on a free port, stopped, paused with SIGSTOP, resumed).

Customer routes keep serving (keys from the database, limits fail open), a hung Redis costs a
request at most about one timeout, a revocation that cannot be invalidated is refused (503)
and never half-made, and RATELIMIT_FAIL_CLOSED=true refuses instead of serving uncounted.
"""

import json
import shutil
import signal
import socket
import subprocess
import time

import pytest

from tests.live_server import LiveServer, demo_credentials, free_port, server_env

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs the redis-server binary"
)


class OwnRedis:
    """A throwaway redis-server on a free loopback port (never the shared one)."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(timeout=10)

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)


@pytest.fixture
def redis_server():
    server = OwnRedis()
    yield server
    server.stop()


def _start(tmp_path, redis, **env):
    environment = server_env(
        tmp_path, REDIS_URL=redis.url, REDIS_BREAKER_SECONDS="2", WEB_CONCURRENCY="1", **env
    )
    creds = demo_credentials(environment, tmp_path)
    server = LiveServer(environment)
    auth = {
        "Authorization": f"Bearer {creds['api_key']}",
        "x-business-tenant-id": creds["tenant_id"],
        "Content-Type": "application/json",
    }
    return server, auth


def _timed(server, method, path, auth, body=None):
    started = time.monotonic()
    status, headers, payload = server.request(method, path, auth, body, timeout=15)
    return status, headers, payload, time.monotonic() - started


def _customer(server, auth) -> str:
    status, _h, body = server.request(
        "POST", "/v1/customer", auth, json.dumps({"firstName": "Ada"}).encode()
    )
    assert status == 201, body
    return json.loads(body)["id"]


def test_redis_down_customer_routes_serve_uncounted_and_revocation_is_refused(
    tmp_path, redis_server
):
    server, auth = _start(tmp_path, redis_server)
    try:
        customer_id = _customer(server, auth)
        status, headers, _b, _t = _timed(server, "GET", f"/v1/customer/{customer_id}", auth)
        assert status == 200 and "ratelimit" in headers

        redis_server.stop()
        for _ in range(5):
            status, headers, body, took = _timed(server, "GET", f"/v1/customer/{customer_id}", auth)
            assert status == 200, body
            assert "ratelimit" not in headers  # served, but not counted
            assert took < 1.0
        status, _h, _b, _t = _timed(
            server, "POST", "/v1/customer", auth, json.dumps({"firstName": "B"}).encode()
        )
        assert status == 201

        # A revocation every process must see cannot be made without Redis: 503, not made.
        status, _h, body = server.request("GET", "/v1/keys", auth)
        assert status == 200, body
        listing = json.loads(body)  # a cursor envelope once /v1 lists share one shape
        key_id = (listing["data"] if isinstance(listing, dict) else listing)[0]["id"]
        status, headers, body = server.request("DELETE", f"/v1/keys/{key_id}", auth)
        assert status == 503, body
        assert headers["content-type"] == "application/problem+json"
        assert "retry-after" in headers

        redis_server.start()
        time.sleep(2.5)  # the breaker closes after REDIS_BREAKER_SECONDS
        status, headers, _b, _t = _timed(server, "GET", f"/v1/customer/{customer_id}", auth)
        assert status == 200 and "ratelimit" in headers  # counted again
        # The key was not revoked; revoking now works, and it is refused at once.
        status, _h, body = server.request("DELETE", f"/v1/keys/{key_id}", auth)
        assert status in (200, 204), body
        status, _h, body = server.request("GET", f"/v1/customer/{customer_id}", auth)
        assert status == 401 and json.loads(body)["code"] == "api_key_revoked"
    finally:
        server.stop()


def test_a_hung_redis_adds_at_most_about_one_timeout_to_a_request(tmp_path, redis_server):
    server, auth = _start(tmp_path, redis_server)
    try:
        customer_id = _customer(server, auth)
        redis_server.pause()  # SIGSTOP: connections open, nothing answers
        times = []
        for _ in range(8):
            status, _h, body, took = _timed(server, "GET", f"/v1/customer/{customer_id}", auth)
            assert status == 200, body
            times.append(took)
        # The first call waits for one 0.1 s timeout (plus the database reads that replace
        # Redis); the breaker then skips Redis for the others.
        assert max(times) < 1.0, times
        assert sorted(times)[len(times) // 2] < 0.3, times
        redis_server.resume()
    finally:
        server.stop()


def test_with_limits_failing_closed_a_redis_outage_is_a_503(tmp_path, redis_server):
    server, auth = _start(tmp_path, redis_server, RATELIMIT_FAIL_CLOSED="true")
    try:
        customer_id = _customer(server, auth)
        redis_server.stop()
        status, headers, body = server.request("GET", f"/v1/customer/{customer_id}", auth)
        assert status == 503, body
        assert headers["content-type"] == "application/problem+json"
        assert "retry-after" in headers
    finally:
        server.stop()
