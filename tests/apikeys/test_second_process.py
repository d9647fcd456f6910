"""A change made by one server process is seen by another on its very next request, even
though that other process had the key warm in its (shared Redis) cache."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apikeys.services import (
    apikey_create,
    apikey_revoke,
    apikey_roll,
    application_change_plan,
    application_suspend,
)
from plans.models import Plan
from tenants.services import tenant_create, tenant_set_active

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.redis_only,
    # Committed rows, so the other process sees them; serialized_rollback restores the plans
    # (data migration) that the flush after a transactional test would otherwise remove.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class SecondProcess:
    def __init__(self):
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "config.test_settings",
        }
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "apikeys" / "auth_probe.py")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert "ready" in json.loads(self.proc.stdout.readline())

    def authenticate(self, raw: str, tenant) -> dict:
        self.proc.stdin.write(f"{raw} {tenant.public_id}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the second process died"
        return json.loads(line)

    def warm(self, raw: str, tenant) -> None:
        assert self.authenticate(raw, tenant)["code"] == "ok"
        warm = self.authenticate(raw, tenant)
        assert (warm["code"], warm["queries"]) == ("ok", 0), warm

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


@pytest.fixture
def other_process():
    process = SecondProcess()
    yield process
    process.close()


@pytest.fixture
def tenant():
    return tenant_create(name="Shared Shop")


def test_revocation_is_seen_by_a_second_process_on_its_next_request(other_process, tenant):
    key, raw = apikey_create(tenant=tenant)
    other_process.warm(raw, tenant)
    apikey_revoke(key=key)
    result = other_process.authenticate(raw, tenant)
    assert (result["status"], result["code"]) == (401, "api_key_revoked")


def test_a_key_rolled_past_its_grace_is_refused_by_a_second_process(other_process, tenant):
    key, raw = apikey_create(tenant=tenant)
    other_process.warm(raw, tenant)
    _new, new_raw, _old = apikey_roll(key=key, grace=timedelta(0))
    assert other_process.authenticate(raw, tenant)["code"] == "api_key_expired"
    assert other_process.authenticate(new_raw, tenant)["code"] == "ok"


def test_suspension_and_plan_change_are_seen_by_a_second_process(other_process, tenant):
    key, raw = apikey_create(tenant=tenant)
    other_process.warm(raw, tenant)
    platinum = Plan.objects.get(slug="platinum")
    application_change_plan(application=key.application, plan=platinum)
    assert other_process.authenticate(raw, tenant)["plan_id"] == platinum.pk
    application_suspend(application=key.application)
    result = other_process.authenticate(raw, tenant)
    assert (result["status"], result["code"]) == (403, "application_suspended")


def test_tenant_deactivation_is_seen_by_a_second_process(other_process, tenant):
    _key, raw = apikey_create(tenant=tenant)
    other_process.warm(raw, tenant)
    tenant_set_active(tenant=tenant, is_active=False)
    result = other_process.authenticate(raw, tenant)
    assert (result["status"], result["code"]) == (403, "tenant_inactive")
