"""The real worker command in real processes: killed (SIGKILL) in the middle of a delivery
and restarted, nothing is lost; SIGTERM stops it gracefully."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from standardwebhooks import Webhook

from tests.apikeys.test_second_process import _database_url

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tests" / "events" / "worker_probe.py"
LEASE_SECONDS = 11  # the smallest allowed: above the 10 s delivery timeout

pytestmark = [
    # Committed rows, so the worker process sees them (PostgreSQL); serialized_rollback
    # restores the plans that the flush after a transactional test would remove.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker_env(tmp_path):
    """The environment of the worker processes: this test's PostgreSQL database, or on
    SQLite (whose test database lives in memory) a migrated file of its own."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
        "WEBHOOKS_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = _database_url()
        if settings.REDIS_URL:
            env["REDIS_URL"] = settings.REDIS_URL
    else:
        env["SQLITE_PATH"] = str(tmp_path / "worker.sqlite3")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
        )
    return env


def probe(env, *args):
    out = subprocess.run(
        [sys.executable, str(PROBE), *args], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_webhook_worker", "--poll-interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_mid_delivery_loses_nothing(worker_env, receiver):
    secret = probe(worker_env, "seed", receiver.url)["secret"]
    receiver.responses = [("hang", 8)]  # the first attempt is still in flight when killed
    first = start_worker(worker_env)
    try:
        receiver.wait_for(1, timeout=30)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert probe(worker_env, "status") == [{"status": "pending", "attempts": 0}]

    second = start_worker(worker_env)
    try:
        receiver.wait_for(2, timeout=LEASE_SECONDS + 20)  # due again once the lease ends
        deadline = time.monotonic() + 20
        while (rows := probe(worker_env, "status"))[0]["status"] == "pending":
            assert time.monotonic() < deadline, rows
            time.sleep(0.3)
        assert rows == [{"status": "succeeded", "attempts": 1}]
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=15) == 0  # graceful stop
    finally:
        if second.poll() is None:
            second.kill()

    (h1, b1), (h2, b2) = receiver.requests
    assert h1["webhook-id"] == h2["webhook-id"]  # the same event, at least once
    assert Webhook(secret).verify(b2, h2)["type"] == "customer.created"
