"""Run in a separate process by test_worker_process.py, against that test's database:
`seed <receiver url>` creates a tenant, a webhook endpoint and a customer (one pending
delivery) and prints {"secret": ...}; `status` prints every delivery's status and attempts."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from apikeys.services import apikey_create  # noqa: E402
from customers.services import customer_create  # noqa: E402
from events.models import WebhookDelivery  # noqa: E402
from events.services import webhook_endpoint_create  # noqa: E402
from tenants.services import tenant_create  # noqa: E402


def seed(url: str) -> dict:
    tenant = tenant_create(name="Worker test")
    key, _raw = apikey_create(tenant=tenant)
    endpoint = webhook_endpoint_create(
        tenant=tenant, application=key.application, url=url, events=["customer.*"]
    )
    customer_create(tenant=tenant, data={"first_name": "Killed", "last_name": "Midway"})
    return {"secret": endpoint.secret}


def status() -> list:
    return list(WebhookDelivery.objects.order_by("id").values("status", "attempts"))


if __name__ == "__main__":
    result = seed(sys.argv[2]) if sys.argv[1] == "seed" else status()
    print(json.dumps(result))
