"""The live-key limit holds under concurrency: the database decides, not a Python count."""

import threading

import pytest
from django.db import connection

from apikeys.exceptions import KeyLimitReached
from apikeys.models import MAX_LIVE_KEYS_PER_APPLICATION, ApiKey
from apikeys.services import apikey_create, application_create
from tenants.services import tenant_create

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_concurrent_creates_never_exceed_five_live_keys():
    application = application_create(tenant=tenant_create(name="Racy"))
    attempts = 2 * MAX_LIVE_KEYS_PER_APPLICATION
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []

    def create():
        try:
            barrier.wait()
            apikey_create(application=application, label="race")
            outcomes.append("created")
        except KeyLimitReached:
            outcomes.append("refused")
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=create) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] * 5 + ["refused"] * 5
    assert ApiKey.objects.filter(application=application).count() == MAX_LIVE_KEYS_PER_APPLICATION
