"""/metrics: Prometheus text for a bearer METRICS_TOKEN only (else a 404 problem); request
counts and latency by route pattern, method and status; 429s by plan; no tenant or key in
any label; exact totals across two real server worker processes (multiprocess mode)."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench import slow_clients
from core import metrics
from tests.plans.conftest import client_on, make_plan

REPO = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-metrics-token"


def _scrape(client, token=TOKEN):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")


def _sample(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus text (0 if absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.parametrize("configured, sent", [("", ""), ("", "x"), (TOKEN, ""), (TOKEN, "no")])
def test_without_the_token_metrics_is_a_404_problem(settings, anon_client, configured, sent):
    settings.METRICS_TOKEN = configured
    response = _scrape(anon_client, sent) if sent else anon_client.get("/metrics")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_requests_are_counted_by_route_method_and_status_with_no_ids(
    settings, anon_client, alice_client, tenant_a, key_a
):
    settings.METRICS_TOKEN = TOKEN
    before = _scrape(anon_client).content.decode()
    route = {"route": "v1/customer/<str:customer_id>", "method": "GET", "status": "404"}
    alice_client.get("/v1/customer/00000000-0000-0000-0000-000000000000")
    alice_client.get("/v1/customer/tenant-a-cannot-see-this")
    response = _scrape(anon_client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    count = "cm_http_requests_total"
    assert _sample(text, count, **route) - _sample(before, count, **route) == 2
    assert _sample(text, "cm_http_request_duration_seconds_count", **route) >= 2
    assert 'le="0.005"' in text
    for secret in (tenant_a.public_id, key_a[0].prefix, key_a[1], "tenant-a-cannot-see-this"):
        assert secret not in text


def test_429s_are_counted_by_plan(settings, tenant_a, anon_client):
    settings.METRICS_TOKEN = TOKEN
    client, _, _ = client_on(tenant_a, make_plan("tiny", [("hits", "minute", 1)]))
    before = _sample(_scrape(anon_client).content.decode(), "cm_rate_limited_total", plan="tiny")
    client.get("/v1/customer")
    assert client.get("/v1/customer").status_code == 429
    after = _sample(_scrape(anon_client).content.decode(), "cm_rate_limited_total", plan="tiny")
    assert after - before == 1


def test_usage_flush_lag_is_seconds_since_the_last_flush(settings, anon_client):
    from usage.services import usage_flush

    settings.METRICS_TOKEN = TOKEN
    usage_flush()
    lag = _sample(_scrape(anon_client).content.decode(), "cm_usage_flush_lag_seconds")
    assert 0 <= lag < 60
    assert "cm_ratelimit_fail_open_total" in metrics.exposition()[0]


# --- Two worker processes ------------------------------------------------------------------


def _free_port() -> int:
    for port in range(8181, 8190):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8181-8189")


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def two_workers(tmp_path):
    """The server as `make run` starts it (`python -m config.serve`) with 2 worker
    processes, a fresh PROMETHEUS_MULTIPROC_DIR and METRICS_TOKEN."""
    multiproc = tmp_path / "prom"
    multiproc.mkdir()
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        SECRET_KEY="metrics-test",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        PROMETHEUS_MULTIPROC_DIR=str(multiproc),
        METRICS_TOKEN=TOKEN,
        LOG_FORMAT="json",
    )
    command = [sys.executable, "-m", "config.serve"]  # as `make run` starts it
    env.update(HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="2")
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped with its workers
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start: " + (tmp_path / "server.log").read_text())
        yield base, multiproc, tmp_path / "server.log"
    finally:
        slow_clients.stop_server(proc)
        log.close()


def test_totals_are_exact_across_two_worker_processes(two_workers):
    base, multiproc, server_log = two_workers
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: _get(base + "/healthz")[0], range(60)))
    assert statuses == [200] * 60
    assert _get(base + "/metrics")[0] == 404
    pids = {p.stem.rsplit("_", 1)[1] for p in multiproc.glob("counter_*.db")}
    assert len(pids) == 2, "both workers must have served requests"
    for _ in range(4):  # whichever worker answers the scrape, it sums both
        status, text = _get(base + "/metrics", TOKEN)
        assert status == 200
        # 61 = 60 + the readiness probe of the fixture (a 404 /metrics is its own series)
        total = _sample(text, "cm_http_requests_total", route="healthz", method="GET", status="200")
        assert total == 61
        assert _sample(text, "cm_http_requests_total", route="metrics", status="404") == 1
    # Request lines are written by each worker's log writer, within its interval (0.1 s).
    for _ in range(50):
        lines = [
            json.loads(line) for line in server_log.read_text().splitlines() if line[:1] == "{"
        ]
        served = [line for line in lines if line.get("route") == "healthz"]
        if len(served) >= 61:
            break
        time.sleep(0.1)
    assert len(served) == 61 and all(line["request_id"] for line in served)
