"""The usage flush runs in the process's background thread, never in the request that won
the flush claim (issue 10: no usage flushing on the hot path)."""

import threading
import time

import pytest
from django.db.models import Sum

from tests.plans.conftest import client_on, make_plan
from usage import flusher
from usage.models import UsageRecord

# The flush thread writes with its own connection: real commits, so it sees the test's rows.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _hits(application) -> int:
    rows = UsageRecord.objects.filter(application=application, metric="hits", key__isnull=True)
    return rows.aggregate(total=Sum("count"))["total"] or 0


def test_the_request_that_wins_the_flush_claim_leaves_the_write_to_the_flush_thread(
    tenant_a, settings, monkeypatch
):
    settings.USAGE_FLUSH_BACKGROUND = True
    client, application, _ = client_on(tenant_a, make_plan("bg", []))
    flushed_on, release = [], threading.Event()
    real_flush = flusher.usage_flush_quietly

    def observed_flush():
        flushed_on.append(threading.current_thread().name)
        release.wait(5)  # held until the request has answered: it must not wait for this
        real_flush()

    monkeypatch.setattr(flusher, "usage_flush_quietly", observed_flush)
    # A fresh cache: the first counted call wins the claim of this flush interval.
    assert client.get("/v1/customer").status_code == 200
    deadline = time.monotonic() + 5
    while not flushed_on and time.monotonic() < deadline:
        time.sleep(0.01)
    assert flushed_on == [flusher.THREAD_NAME]
    assert _hits(application) == 0  # the request answered while the flush was held
    release.set()
    deadline = time.monotonic() + 5
    while _hits(application) != 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _hits(application) == 1
