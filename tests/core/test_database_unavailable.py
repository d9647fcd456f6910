"""PostgreSQL down: every route that needs it answers a 503 problem with Retry-After (never a
500), /readyz is 503, /healthz still 200, and the first request after it returns succeeds.
Real server processes; the outage is a closed port, or a TCP proxy the test stops and starts."""

import json
import socket
import threading

import pytest
from django.db import connection

from apikeys.keys import PROVIDER_KEY_TYPE, generate_key
from apikeys.services import apikey_create
from customers.services import customer_create
from tenants.services import tenant_create
from tests.live_server import LiveServer, database_url, free_port, server_env


def _assert_unavailable(status, headers, body):
    assert status == 503, body
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["retry-after"]) >= 1
    problem = json.loads(body)
    assert problem["code"] == "service_unavailable" and problem["status"] == 503


@pytest.fixture(scope="module")
def db_down_server(tmp_path_factory):
    port = free_port()  # nothing listens there: every connection attempt is refused
    env = server_env(
        tmp_path_factory.mktemp("dbdown"),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/customers",
    )
    server = LiveServer(env)
    yield server
    server.stop()


TENANT_KEY = {
    "Authorization": f"Bearer {generate_key()}",
    "x-business-tenant-id": "tn_0123456789abcdef",
}


@pytest.mark.parametrize(
    ("method", "path", "headers", "body"),
    [
        ("GET", "/readyz", {}, None),
        ("GET", "/v1/customer/paged", TENANT_KEY, None),
        ("GET", "/v1/customer/6f1c2a4e-0000-4000-8000-000000000001", TENANT_KEY, None),
        (
            "POST",
            "/v1/customer",
            {**TENANT_KEY, "Content-Type": "application/json"},
            b'{"firstName": "Ada"}',
        ),
        ("GET", "/v1/keys", TENANT_KEY, None),
        ("GET", "/churnkey/customers", {"Authorization": TENANT_KEY["Authorization"]}, None),
        (
            "POST",
            "/v1/signup",
            {
                "Authorization": f"Bearer {generate_key(PROVIDER_KEY_TYPE)}",
                "Content-Type": "application/json",
            },
            b'{"name": "Acme"}',
        ),
        # Outside DRF: the admin loads the session (a query) in plain Django code.
        ("GET", "/admin/", {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}, None),
    ],
)
def test_every_route_that_needs_the_database_is_a_503_problem(
    db_down_server, method, path, headers, body
):
    _assert_unavailable(*db_down_server.request(method, path, headers=headers, body=body))


def test_liveness_needs_no_database(db_down_server):
    status, _, body = db_down_server.request("GET", "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})


class TcpProxy:
    """127.0.0.1:<port> -> upstream; stop() refuses new connections and cuts open ones."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = free_port()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> None:
        if self.listener is not None:
            # shutdown() first: on Linux a bare close() leaves a blocked accept() listening.
            try:
                self.listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.sockets = []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_going_away_is_503_and_the_first_request_after_it_returns_succeeds(tmp_path):
    tenant = tenant_create(name="Outage Ltd")
    _key, raw = apikey_create(tenant=tenant, label="outage")
    customer = customer_create(tenant=tenant, data={"first_name": "Ada"})
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    proxy.start()
    url = database_url().replace(f":{db['PORT'] or 5432}/", f":{proxy.port}/")
    server = LiveServer(server_env(tmp_path, DATABASE_URL=url))
    auth = {"Authorization": f"Bearer {raw}", "x-business-tenant-id": tenant.public_id}
    detail = f"/v1/customer/{customer.pk}"
    try:
        # Warm: the key is cached and several server threads hold persistent connections.
        for _ in range(5):
            assert server.request("GET", detail, headers=auth)[0] == 200
        assert server.request("GET", "/readyz")[0] == 200

        proxy.stop()
        _assert_unavailable(*server.request("GET", detail, headers=auth))
        _assert_unavailable(*server.request("GET", "/readyz"))
        create = {**auth, "Content-Type": "application/json"}
        _assert_unavailable(
            *server.request("POST", "/v1/customer", headers=create, body=b'{"firstName": "B"}')
        )
        assert server.request("GET", "/healthz")[0] == 200

        proxy.start()
        status, _, body = server.request("GET", detail, headers=auth)
        assert status == 200, body  # the very first request after the outage
        for _ in range(5):
            assert server.request("GET", detail, headers=auth)[0] == 200
        assert server.request("GET", "/readyz")[0] == 200
    finally:
        server.stop()
        proxy.stop()
