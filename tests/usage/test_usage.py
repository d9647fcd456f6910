"""Usage analytics: recorded per application and key, flushed to the database, reported
exactly by GET /v1/usage (database rows plus buckets not flushed yet)."""

import json
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from apikeys.services import apikey_create
from plans import limiter, usage_store
from plans.limiter import LimitSpec
from plans.models import Plan
from tests.conftest import make_client
from tests.plans.conftest import client_on, make_plan
from usage.models import UsageRecord
from usage.services import usage_flush

pytestmark = pytest.mark.django_db(transaction=False)


def db_total(application, metric="hits", **filters):
    rows = UsageRecord.objects.filter(application=application, metric=metric, **filters)
    return rows.aggregate(total=Sum("count"))["total"] or 0


def test_usage_totals_equal_the_requests_made_after_a_flush(tenant_a, backend):
    client, application, key = client_on(tenant_a, make_plan("counted", []))
    second_key, raw = apikey_create(application=application, label="second")
    second = make_client(tenant_a, raw)
    for _ in range(7):
        client.get("/v1/customer")
    for _ in range(5):
        second.post("/v1/customer", {"firstName": "Ada"}, format="json")
    usage_flush()
    assert db_total(application, key__isnull=True) == 12
    assert db_total(application, key=key) == 7
    assert db_total(application, key=second_key) == 5
    assert db_total(application, "customer.list", key__isnull=True) == 7
    assert db_total(application, "customer.create", key__isnull=True) == 5
    assert usage_store.get_usage_store().pending_usage(application.pk) == []


def test_refused_calls_are_not_recorded_as_usage(tenant_a, backend, fixed_now):
    client, application, _ = client_on(tenant_a, make_plan("two", [("hits", "minute", 2)]))
    statuses = [client.get("/v1/customer").status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    usage_flush()
    assert db_total(application, key__isnull=True) == 2


def test_flushing_twice_adds_instead_of_overwriting(tenant_a, backend, fixed_now):
    client, application, _ = client_on(tenant_a, make_plan("twice", []))
    client.get("/v1/customer")
    usage_flush()
    client.get("/v1/customer")
    client.get("/v1/customer")
    usage_flush()
    assert db_total(application, key__isnull=True) == 3
    app_rows = UsageRecord.objects.filter(application=application, key__isnull=True, metric="hits")
    assert app_rows.count() == 1


def test_the_first_call_of_a_flush_interval_flushes_after_its_response(tenant_a, backend):
    client, application, _ = client_on(tenant_a, make_plan("eager", []))
    client.get("/v1/customer")  # the flush-due marker was free: this call flushed
    assert db_total(application, key__isnull=True) == 1
    client.get("/v1/customer")  # within the interval: waits in the buffer
    assert db_total(application, key__isnull=True) == 1
    assert usage_store.get_usage_store().pending_usage(application.pk)


def test_usage_endpoint_reports_limits_and_exact_hourly_counts(tenant_a, backend):
    plan = make_plan(
        "reported",
        [("hits", "day", 1000), ("customer.create", "month", 10), ("hits", "eternity", 99)],
    )
    client, application, _ = client_on(tenant_a, plan)
    for name in ("A", "B", "C"):
        client.post("/v1/customer", {"firstName": name}, format="json")
    usage_flush()  # some usage in the database, some still pending
    client.get("/v1/customer")
    response = client.get("/v1/usage")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["applicationId"] == application.app_id
    assert body["plan"] == "reported"
    limits = {(lim["metric"], lim["period"]): lim for lim in body["limits"]}
    assert limits[("hits", "day")] | {"reset": None, "resetSeconds": None} == {
        "metric": "hits",
        "period": "day",
        "limit": 1000,
        "used": 5,
        "remaining": 995,
        "reset": None,
        "resetSeconds": None,
    }
    assert 0 < limits[("hits", "day")]["resetSeconds"] <= 86400
    assert limits[("customer.create", "month")]["used"] == 3
    assert limits[("hits", "eternity")]["reset"] is None
    assert limits[("hits", "eternity")]["remaining"] == 94
    totals = {metric: sum(h["count"] for h in hours) for metric, hours in body["hourly"].items()}
    assert totals == {"hits": 5, "customer.create": 3, "customer.list": 1, "usage.read": 1}
    assert response["X-RateLimit-Remaining"] == "94"


def test_usage_endpoint_shows_only_the_callers_application(tenant_a, tenant_b, backend):
    alice, _, _ = client_on(tenant_a, make_plan("shared", []))
    bob, _, _ = client_on(tenant_b, Plan.objects.get(slug="shared"))
    for _ in range(3):
        alice.get("/v1/customer")
    body = bob.get("/v1/usage").json()
    assert sum(h["count"] for h in body["hourly"]["hits"]) == 1  # bob's own /v1/usage call


def test_usage_endpoint_needs_a_plan_enabling_usage_read(tenant_a):
    client, _, _ = client_on(tenant_a, make_plan("nousage", [], methods=["customer.list"]))
    response = client.get("/v1/usage")
    assert response.status_code == 403
    assert response.json()["code"] == "plan_method_not_allowed"


def test_usage_endpoint_checks_the_tenant_header(tenant_a, tenant_b, key_a):
    from tests.conftest import make_client as client_for

    response = client_for(tenant_b, key_a[1]).get("/v1/usage")
    assert response.status_code == 403
    assert response.json()["code"] == "tenant_mismatch"


def test_concurrent_usage_is_recorded_exactly(tenant_a, backend):
    _, application, key = client_on(tenant_a, make_plan("busy", []))

    def one(i):
        limiter.hit(
            application_id=application.pk,
            key_id=key.pk,
            limits=[LimitSpec("hits", "minute", 10_000)],
            metrics=["hits"],
            flush_interval=0,
        )

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(300)))
    usage_flush()
    assert db_total(application, key__isnull=True) == 300
    assert db_total(application, key=key) == 300


def test_flush_usage_command_prints_what_it_wrote(tenant_a, backend):
    client, _, _ = client_on(tenant_a, make_plan("cmd", []))
    client.get("/v1/customer")
    client.get("/v1/customer")
    out = StringIO()
    call_command("flush_usage", "--wait", "1", stdout=out)
    written = json.loads(out.getvalue().strip())["hits_written"]
    # the first call may have flushed itself already (see the flush-interval test)
    assert written in (1, 2)
