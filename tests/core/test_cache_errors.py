"""A real Redis outage (the cache pointed at a closed port), met as core.cache_errors says."""

import pytest
from django.test import override_settings
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError, TimeoutError

from apikeys import auth_cache
from core.problems import exception_handler
from plans import limiter, usage_store

# Nothing listens here: the last port of this suite's reserved range.
UNREACHABLE = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:8109/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }
}


@pytest.fixture(autouse=True)
def _own_limiter_backends(monkeypatch):
    """The limiter and usage store are made once per process, on first use: one made while
    CACHES points at the closed port would keep it for every later test. Each test here gets
    its own, and the process's are put back afterwards."""
    monkeypatch.setattr(limiter, "_backend", None)
    monkeypatch.setattr(usage_store, "_store", None)


@override_settings(CACHES=UNREACHABLE)
def test_the_key_cache_degrades_to_the_database_when_redis_is_down():
    assert auth_cache.snapshot_get("abcd1234") == (False, None, None)
    auth_cache.snapshot_set("abcd1234", None, None)  # skipped, not raised
    assert auth_cache.claim_usage_write(1) is True


def test_with_redis_down_a_key_still_authenticates_and_the_call_is_served(alice_client):
    """Key and plan come from the database; limits fail open by default (issue 9). The
    limiter failing for real, and RATELIMIT_FAIL_CLOSED, are tested on a server process with
    a Redis of its own in tests/core/test_redis_faults.py."""
    with override_settings(CACHES=UNREACHABLE):
        response = alice_client.get("/v1/customer")
    assert response.status_code == 200  # not 401: authentication read the key from the DB


@pytest.mark.parametrize(
    "exc",
    [
        RedisConnectionError("down"),
        TimeoutError("slow"),
        ReadOnlyError("replica"),
        ConnectionInterrupted(connection=None),
    ],
)
def test_every_cache_error_that_reaches_the_handler_is_a_503(rf, exc):
    response = exception_handler(exc, {"request": rf.get("/v1/keys")})
    assert response.status_code == 503
    assert response.data["code"] == "service_unavailable"
    assert response["Retry-After"] == "1"
