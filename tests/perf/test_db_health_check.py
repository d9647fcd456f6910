"""Connections to PostgreSQL (core.db.postgresql): pinged only after idling, whether they are
persistent per thread (DB_POOL_SIZE=0) or taken from the pool (the default), and the pool
bounds how many a process opens however many threads it runs."""

import threading
import time

import psycopg
import pytest
from django.db import connection, connections

from core.db.postgresql.base import HEALTH_CHECK_AFTER_IDLE_SECONDS, RETURNED_AT

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


def _conn():
    return connections["default"]


# --- Persistent connections (DB_POOL_SIZE=0) ---------------------------------------------


@pytest.fixture
def pings(monkeypatch):
    calls = []
    usable = type(_conn()).is_usable

    def is_usable(self):
        calls.append(time.monotonic())
        return usable(self)

    monkeypatch.setattr(type(_conn()), "is_usable", is_usable)
    monkeypatch.setattr(_conn(), "health_check_enabled", True)
    monkeypatch.setattr(type(_conn()), "pool", None)  # as with DB_POOL_SIZE=0
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


# --- The pool (the default) ---------------------------------------------------------------


def test_settings_pool_the_connections_by_default():
    pool = _conn().settings_dict["OPTIONS"]["pool"]
    assert pool["max_size"] == 16 and _conn().settings_dict["CONN_MAX_AGE"] == 0


def _wrapper(max_size: int):
    """A connection of its own to the test database, over a pool of `max_size` of its own."""
    settings_dict = {**_conn().settings_dict}
    settings_dict["OPTIONS"] = {
        **settings_dict["OPTIONS"],
        "pool": {"min_size": 1, "max_size": max_size, "timeout": 10},
    }
    return type(_conn())(settings_dict, alias=f"pool_probe_{max_size}")


@pytest.fixture
def one_connection_pool(monkeypatch):
    """A wrapper over a pool of exactly one connection, and the empty statements (pings)
    sent on it."""
    wrapper = _wrapper(1)
    sent = []
    execute = psycopg.Connection.execute

    def recording(self, query, *args, **kwargs):
        sent.append(query)
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "execute", recording)
    yield wrapper, sent
    wrapper.close()
    wrapper.close_pool()


def _used_and_returned(wrapper):
    wrapper.ensure_connection()
    raw = wrapper.connection
    wrapper.close()  # the end of a request: back to the pool
    assert wrapper.connection is None and not raw.closed
    return raw


def test_a_pooled_connection_used_moments_ago_is_taken_without_a_ping(one_connection_pool):
    wrapper, sent = one_connection_pool
    raw = _used_and_returned(wrapper)
    sent.clear()
    wrapper.ensure_connection()
    assert wrapper.connection is raw
    assert "" not in sent


def test_a_pooled_connection_that_idled_is_pinged_when_taken(one_connection_pool):
    wrapper, sent = one_connection_pool
    raw = _used_and_returned(wrapper)
    setattr(raw, RETURNED_AT, time.monotonic() - HEALTH_CHECK_AFTER_IDLE_SECONDS - 1)
    sent.clear()
    wrapper.ensure_connection()
    assert wrapper.connection is raw
    assert sent.count("") == 1


def test_a_dead_pooled_connection_is_replaced_before_the_query(one_connection_pool):
    """PostgreSQL restarted (here: the backend was terminated) while the connection idled in
    the pool: the request's query still succeeds, on a new connection."""
    wrapper, _ = one_connection_pool
    raw = _used_and_returned(wrapper)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [raw.info.backend_pid])
    setattr(raw, RETURNED_AT, time.monotonic() - HEALTH_CHECK_AFTER_IDLE_SECONDS - 1)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert wrapper.connection is not raw


def test_a_dead_connection_the_pool_opened_and_nobody_used_is_replaced(one_connection_pool):
    """The pool opens connections in the background (at start, and to replace old ones); one
    that waited unused while PostgreSQL restarted is pinged and replaced too."""
    wrapper, sent = one_connection_pool
    pool = wrapper.pool
    pool.open()
    raw = pool.getconn()
    pool.putconn(raw)  # back untouched by a request: never stamped
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [raw.info.backend_pid])
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert wrapper.connection is not raw


def test_many_threads_share_at_most_the_pools_connections():
    """24 threads query at once through a pool of 3: every query succeeds, on at most 3
    PostgreSQL backends (a connection per thread would have opened 24)."""
    settings_dict = _wrapper(3).settings_dict
    backends, errors = set(), []
    start = threading.Barrier(24)

    def work():
        wrapper = type(_conn())(settings_dict, alias="pool_probe_3")
        try:
            start.wait()
            for _ in range(5):
                with wrapper.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid(), pg_sleep(0.01)")
                    backends.add(cursor.fetchone()[0])
                wrapper.close()  # the end of a request
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            wrapper.close()

    threads = [threading.Thread(target=work) for _ in range(24)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        _wrapper(3).close_pool()
    assert errors == []
    assert 1 <= len(backends) <= 3


def test_a_request_that_finds_the_pool_empty_gets_the_database_error_after_the_timeout():
    """Every connection busy for longer than DB_POOL_TIMEOUT: Django's OperationalError, the
    one core.problems answers with the 503 `database_unavailable` problem, not a hang."""
    from django.db import OperationalError

    settings_dict = _wrapper(1).settings_dict
    settings_dict["OPTIONS"]["pool"] = {"min_size": 1, "max_size": 1, "timeout": 0.3}
    holder = type(_conn())(settings_dict, alias="pool_probe_busy")
    waiter = type(_conn())(settings_dict, alias="pool_probe_busy")
    try:
        holder.ensure_connection()  # the pool's only connection, held by another "request"
        began = time.monotonic()
        with pytest.raises(OperationalError):
            waiter.ensure_connection()
        assert 0.25 <= time.monotonic() - began < 3
        holder.close()
        waiter.ensure_connection()  # returned to the pool: the next request gets it
        assert waiter.connection is not None
    finally:
        waiter.close()
        holder.close()
        holder.close_pool()


# --- A slow request body never holds a pooled connection ----------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_parser_gives_the_pooled_connection_back_before_reading_the_body():
    """A request that queried (a key not yet cached) and then waits for its body: the
    connection is back in the pool while the client dawdles, and the next query takes one."""
    from core.parsers import StrictJSONParser

    held_while_reading = []

    class SlowBody:
        def read(self, size):
            held_while_reading.append(connection.connection is not None)
            return b'{"firstName": "Slow"}'

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.connection is not None
    assert StrictJSONParser().parse(SlowBody()) == {"firstName": "Slow"}
    assert held_while_reading == [False]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_connection_a_transaction_holds_is_kept(db):
    """Inside a transaction (as every test here, and every write) nothing is given back."""
    from core.db.pool import release_before_reading_the_body

    connection.ensure_connection()
    assert connection.in_atomic_block
    release_before_reading_the_body()
    assert connection.connection is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_persistent_connection_is_not_closed(monkeypatch):
    from core.db.pool import release_before_reading_the_body

    monkeypatch.setattr(type(_conn()), "pool", None)  # as with DB_POOL_SIZE=0
    connection.ensure_connection()
    raw = connection.connection
    release_before_reading_the_body()
    assert connection.connection is raw
    connection.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_idempotent_post_reads_its_body_before_its_transaction_takes_a_connection():
    """With Idempotency-Key the request runs in one transaction, which holds a connection
    from its start: the body is read first, with no connection held."""
    from django.test import RequestFactory

    from core.idempotency import read_body_first

    held_while_reading = []

    class SlowBody:
        def read(self, *args):
            held_while_reading.append(connection.connection is not None)
            return b'{"firstName": "Slow"}'

        def close(self):
            pass

    request = RequestFactory().post("/v1/customer", data=b"{}", content_type="application/json")
    request._stream = SlowBody()
    connection.ensure_connection()  # the key was looked up in the database
    read_body_first(request)
    assert held_while_reading == [False]
    assert request.body == b'{"firstName": "Slow"}'
