"""A second server process for tests: reads `<api key> <tenant id>` lines on stdin and answers
each with one JSON line saying how a request went (authentication, permissions and the
limiter, as every API view runs them) and how many queries it took.

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
from rest_framework.response import Response  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from plans.models import ApiFamily, Method  # noqa: E402


class ProbeApi(APIView):
    """A counted /v1 read that touches no table itself: what is left is the request's cost."""

    api_family = ApiFamily.V1
    plan_method = Method.KEYS_MANAGE

    def get(self, request):
        return Response({"code": "ok", "plan_id": request.user.plan_id})


def probe(raw: str, tenant_id: str) -> dict:
    django_request = APIRequestFactory().get(
        "/v1/probe", HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_BUSINESS_TENANT_ID=tenant_id
    )
    with CaptureQueriesContext(connection) as queries:
        response = ProbeApi.as_view()(django_request)
    result = {"status": response.status_code, **response.data}
    result["queries"] = len(queries.captured_queries)
    return result


print(json.dumps({"ready": os.getpid()}), flush=True)
for line in sys.stdin:
    raw, tenant_id = line.split()
    print(json.dumps(probe(raw, tenant_id)), flush=True)
