"""The limiter itself: all-or-nothing counting, quota shared by an application's keys, and
exactly N of 2N concurrent requests admitted, in one process and across two processes."""

import json
import os
import subprocess
import sys
import textwrap
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from plans import limiter
from plans.limiter import LimitSpec

AT = (datetime.now(UTC) + timedelta(hours=2)).replace(second=10, microsecond=0)
REPO = Path(__file__).resolve().parents[2]


def hit(app, limits, *, key_id=None, metrics=("hits",)):
    return limiter.hit(
        application_id=app, key_id=key_id, limits=limits, metrics=list(metrics), at=AT
    )


def test_a_refused_call_counts_against_nothing(backend):
    limits = [LimitSpec("hits", "minute", 5), LimitSpec("customer.create", "minute", 2)]
    assert hit("app-1", limits).allowed
    assert hit("app-1", limits).allowed
    refused = hit("app-1", limits)
    assert not refused.allowed
    assert [c.limit.policy for c in refused.blocking] == ["customer.create-minute"]
    used = [s.used for s in limiter.peek(application_id="app-1", limits=limits, at=AT)]
    assert used == [2, 2]  # the hits counter was not incremented by the refused call


def test_all_keys_of_an_application_share_its_quota(backend):
    limits = [LimitSpec("hits", "day", 4)]
    results = [hit("app-2", limits, key_id=key_id).allowed for key_id in (1, 2, 3, 4, 5, 6)]
    assert results == [True, True, True, True, False, False]


def test_applications_have_separate_counters(backend):
    limits = [LimitSpec("hits", "hour", 1)]
    assert hit("app-3", limits).allowed
    assert hit("app-4", limits).allowed
    assert not hit("app-3", limits).allowed


def test_decision_reports_used_remaining_and_the_tightest_limit(backend):
    limits = [LimitSpec("hits", "minute", 10), LimitSpec("hits", "day", 3)]
    decision = hit("app-5", limits)
    assert [(c.used, c.remaining) for c in decision.counters] == [(1, 9), (1, 2)]
    assert decision.tightest.limit.period == "day"


def test_a_limit_of_zero_refuses_every_call(backend):
    assert not hit("app-6", [LimitSpec("hits", "minute", 0)]).allowed


def _race(app, *, total, limit, workers=32):
    limits = [LimitSpec("hits", "minute", limit)]
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda _: hit(app, limits).allowed, range(total)))
    return sum(results)


def test_2n_concurrent_calls_admit_exactly_n_in_process(backend):
    assert _race(f"race-{uuid.uuid4().hex}", total=400, limit=50) == 50


_WORKER = textwrap.dedent(
    """
    import json, os, sys, time
    from concurrent.futures import ThreadPoolExecutor
    from datetime import datetime
    import django
    django.setup()
    from django_redis import get_redis_connection
    from plans import limiter
    from plans.limiter import LimitSpec

    app, at, total, limit, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    at = datetime.fromisoformat(at)
    limits = [LimitSpec("hits", "minute", limit)]
    limiter.get_backend()  # connect and register the script before the start signal
    redis = get_redis_connection("default")
    print("ready", flush=True)
    deadline = time.monotonic() + 30
    while not redis.exists(go) and time.monotonic() < deadline:
        time.sleep(0.005)
    def one(_):
        return limiter.hit(application_id=app, key_id=None, limits=limits, metrics=[], at=at).allowed
    with ThreadPoolExecutor(16) as pool:
        admitted = sum(pool.map(one, range(total)))
    print(json.dumps({"admitted": admitted}), flush=True)
    """
)


@pytest.mark.redis_only
def test_2n_concurrent_calls_admit_exactly_n_across_two_processes():
    """Two separate Python processes share one Redis and call the limiter at the same time
    (a start flag in Redis releases them together): 2 x 200 calls against a limit of 50."""
    from django_redis import get_redis_connection

    app, go = f"race-{uuid.uuid4().hex}", f"test-go-{uuid.uuid4().hex}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    args = [sys.executable, "-c", _WORKER, app, AT.isoformat(), "200", "50", go]
    procs = [
        subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready"
        get_redis_connection("default").set(go, "1", ex=60)
        outputs = [proc.communicate(timeout=60)[0] for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    admitted = [json.loads(out.strip().splitlines()[-1])["admitted"] for out in outputs]
    assert all(proc.returncode == 0 for proc in procs)
    assert sum(admitted) == 50, admitted
    assert settings.REDIS_URL


def test_a_late_call_from_a_window_that_just_ended_still_sees_its_count(backend):
    """A call that read the clock before a boundary but reaches the limiter after it is
    checked against the old window's counter, which must not have expired yet."""
    at = datetime.now(UTC) - timedelta(seconds=61)  # its minute window ended 1-60 s ago
    limits = [LimitSpec("hits", "minute", 1)]
    assert limiter.hit(application_id="late", key_id=None, limits=limits, metrics=[], at=at).allowed
    again = limiter.hit(application_id="late", key_id=None, limits=limits, metrics=[], at=at)
    assert not again.allowed


def test_a_call_with_a_cost_counts_that_many_all_or_nothing(backend):
    """A bulk call of N items counts N, in the same one script; without room for all N it
    is refused and counts nothing, and the blocking limit is the one without room."""
    limits = [LimitSpec("hits", "minute", 10), LimitSpec("customer.create", "minute", 5)]
    first = limiter.hit(
        application_id="cost", key_id=None, limits=limits, metrics=["hits"], at=AT, cost=4
    )
    assert first.allowed and [c.used for c in first.counters] == [4, 4]
    refused = limiter.hit(
        application_id="cost", key_id=None, limits=limits, metrics=["hits"], at=AT, cost=2
    )
    assert not refused.allowed
    assert [c.limit.policy for c in refused.blocking] == ["customer.create-minute"]
    used = [s.used for s in limiter.peek(application_id="cost", limits=limits, at=AT)]
    assert used == [4, 4]
    assert hit("cost", limits).allowed  # one more still fits


@pytest.mark.redis_only
def test_after_redis_forgot_the_script_the_next_call_loads_it_and_counts(monkeypatch):
    """The hit script runs on the backend's own connection (plans.limiter.RedisBackend):
    after SCRIPT FLUSH (what a Redis restart does) it is loaded again, and nothing is lost."""
    from plans import usage_store

    backend = limiter.RedisBackend()
    monkeypatch.setattr(usage_store, "_store", usage_store.RedisUsageStore())
    monkeypatch.setattr(limiter, "_backend", backend)
    limits = [LimitSpec("hits", "minute", 3)]
    assert hit("app-flush", limits).counters[0].used == 1
    backend.redis.script_flush()
    assert hit("app-flush", limits).counters[0].used == 2
    assert hit("app-flush", limits).counters[0].used == 3
    assert not hit("app-flush", limits).allowed


@pytest.mark.redis_only
def test_guard_keys_and_values_are_sent_as_the_cache_stores_them_and_the_memo_stays_bounded(
    monkeypatch,
):
    """RedisBackend remembers guard/claim keys and guard values in the form the cache writes
    them (so the script compares what the cache holds), and forgets them all when full."""
    from django.core.cache import cache

    backend = limiter.RedisBackend()
    assert backend._stored_key("apikey:v:abc") == cache.make_key("apikey:v:abc")
    assert backend._stored_key("apikey:v:abc") == cache.make_key("apikey:v:abc")  # remembered
    assert backend._stored_value("v-1") == cache.client.encode("v-1")
    assert backend._stored_value(7) == cache.client.encode(7)  # not a str: not remembered
    cache.set("apikey:v:abc", "v-1")
    assert backend.redis.get(backend._stored_key("apikey:v:abc")) == backend._stored_value("v-1")
    monkeypatch.setattr(limiter, "_REMEMBERED", 3)
    for i in range(7):
        backend._stored_key(f"k{i}")
        backend._stored_value(f"v{i}")
    assert len(backend._stored_keys) <= 3 and len(backend._stored_values) <= 3
