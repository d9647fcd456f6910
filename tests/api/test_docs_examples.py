"""The client examples in docs/examples/ run unchanged against a live server.

Each creates, gets, lists, updates and deletes a customer and prints one JSON line per step;
the test checks those lines and what the database holds afterwards.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from customers.models import Customer, CustomerState

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
NODE = shutil.which("node")

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _run(command: list[str], *, base_url: str, tenant, raw_key: str) -> dict[str, dict]:
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "CM_BASE_URL": base_url,
            "CM_API_KEY": raw_key,
            "CM_TENANT_ID": tenant.public_id,
        },
    )
    assert completed.returncode == 0, completed.stderr
    steps = [json.loads(line) for line in completed.stdout.splitlines()]
    return {step.pop("step"): step for step in steps}


def _assert_walkthrough(steps: dict[str, dict], tenant) -> None:
    assert list(steps) == ["create", "get", "list", "update", "duplicate", "delete", "get_deleted"]
    ada_id = steps["create"]["id"]
    assert steps["create"]["phone"] == "+390612345678"  # normalised to E.164 for an IT tenant
    assert steps["get"]["id"] == ada_id
    assert steps["list"] == {"total": 1, "ids": [ada_id]}
    assert steps["update"] == {"lastName": "King"}
    assert steps["duplicate"] == {
        "status": 409,
        "code": "duplicate_customer",
        "existing_id": ada_id,
    }
    assert steps["get_deleted"] == {"status": 404, "code": "not_found"}

    ada = Customer.objects.get(pk=ada_id)
    assert ada.tenant == tenant
    assert (ada.first_name, ada.last_name, ada.email) == ("Ada", "King", "ada@example.com")
    assert ada.state == CustomerState.INACTIVE and ada.deleted_at is not None
    assert Customer.objects.filter(tenant=tenant).count() == 1


def test_python_client_example_runs_against_a_live_server(live_server, tenant_a, key_a):
    steps = _run(
        [sys.executable, str(EXAMPLES / "client.py")],
        base_url=live_server.url,
        tenant=tenant_a,
        raw_key=key_a[1],
    )
    _assert_walkthrough(steps, tenant_a)


@pytest.mark.skipif(NODE is None, reason="node is not on PATH (Node 20+ runs the JS example)")
def test_javascript_client_example_runs_against_a_live_server(live_server, tenant_a, key_a):
    steps = _run(
        [NODE, str(EXAMPLES / "client.mjs")],
        base_url=live_server.url,
        tenant=tenant_a,
        raw_key=key_a[1],
    )
    _assert_walkthrough(steps, tenant_a)
