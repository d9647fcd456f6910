"""A second server process for tests: reads `<api key> <tenant id>` lines on stdin and answers
each with one JSON line saying how authentication went and how many queries it took.

Run by tests/apikeys/test_second_process.py with the test database and Redis in the env.
"""

import json
import os
import sys

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402

from apikeys.authentication import ApiKeyAuthentication  # noqa: E402
from apikeys.permissions import HasTenantAccess  # noqa: E402
from core.problems import exception_handler  # noqa: E402


def probe(raw: str, tenant_id: str) -> dict:
    django_request = APIRequestFactory().get(
        "/v1/keys", HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_BUSINESS_TENANT_ID=tenant_id
    )
    request = Request(django_request, authenticators=[ApiKeyAuthentication()])
    with CaptureQueriesContext(connection) as queries:
        try:
            HasTenantAccess().has_permission(request, view=None)
            result = {"status": 200, "code": "ok", "plan_id": request.user.plan_id}
        except Exception as exc:  # noqa: BLE001 - report whatever the API would answer
            response = exception_handler(exc, {"request": request})
            result = {"status": response.status_code, "code": response.data["code"]}
    result["queries"] = len(queries.captured_queries)
    return result


print(json.dumps({"ready": os.getpid()}), flush=True)
for line in sys.stdin:
    raw, tenant_id = line.split()
    print(json.dumps(probe(raw, tenant_id)), flush=True)
