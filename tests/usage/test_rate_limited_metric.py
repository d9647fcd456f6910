"""429s are usage too: the limiter records each refusal as the rate_limited metric, for the
application and its key, in the same atomic step that refuses it."""

import pytest
from django.db.models import Sum

from plans.models import HITS, RATE_LIMITED
from tests.plans.conftest import client_on, make_plan
from usage.models import UsageRecord
from usage.selectors import usage_counts, usage_hourly
from usage.services import usage_flush

pytestmark = pytest.mark.django_db


def _total(application, metric, **filters):
    rows = UsageRecord.objects.filter(application=application, metric=metric, **filters)
    return rows.aggregate(n=Sum("count"))["n"] or 0


def test_refused_calls_are_recorded_as_rate_limited_not_as_hits(tenant_a, backend, fixed_now):
    client, application, key = client_on(tenant_a, make_plan("two", [("hits", "minute", 2)]))
    statuses = [client.get("/v1/customer").status_code for _ in range(5)]
    assert statuses == [200, 200, 429, 429, 429]
    pending = usage_hourly(application_id=application.pk, since=fixed_now)
    assert sum(pending[RATE_LIMITED].values()) == 3  # read before the flush, from the buckets
    usage_flush()
    assert _total(application, HITS, key__isnull=True) == 2
    assert _total(application, RATE_LIMITED, key__isnull=True) == 3
    assert _total(application, RATE_LIMITED, key=key) == 3


def test_per_key_and_daily_counts_add_pending_buckets_to_stored_rows(tenant_a, backend, fixed_now):
    client, application, key = client_on(tenant_a, make_plan("open", []))
    client.get("/v1/customer")
    usage_flush()
    client.get("/v1/customer")
    day = fixed_now.replace(hour=0, minute=0, second=0)
    daily = usage_counts(application_id=application.pk, since=day, by_day=True, metrics=[HITS])
    assert daily == {(None, HITS, day): 2}
    per_key = usage_counts(application_id=application.pk, since=day, per_key=True, metrics=[HITS])
    assert per_key == {(key.pk, HITS, fixed_now.replace(minute=0, second=0)): 2}
