"""The persistent-connection health check (core.db.postgresql) pings only after idling."""

import time

import pytest
from django.db import connections

from core.db.postgresql.base import HEALTH_CHECK_AFTER_IDLE_SECONDS

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


def _conn():
    return connections["default"]


@pytest.fixture
def pings(monkeypatch):
    calls = []
    usable = type(_conn()).is_usable

    def is_usable(self):
        calls.append(time.monotonic())
        return usable(self)

    monkeypatch.setattr(type(_conn()), "is_usable", is_usable)
    monkeypatch.setattr(_conn(), "health_check_enabled", True)
    return calls


def _next_request(idle_for: float) -> None:
    connection = _conn()
    connection.ensure_connection()
    connection._idle_since = time.monotonic() - idle_for
    connection.health_check_done = False  # what request_started resets
    connection.close_if_health_check_failed()


def test_a_connection_used_moments_ago_is_not_pinged(pings):
    _next_request(idle_for=0.01)
    assert pings == []


def test_a_connection_that_idled_is_pinged_before_its_first_query(pings):
    _next_request(idle_for=HEALTH_CHECK_AFTER_IDLE_SECONDS + 1)
    assert len(pings) == 1


def test_the_backend_is_the_one_settings_select():
    assert type(_conn()).__module__ == "core.db.postgresql.base"
