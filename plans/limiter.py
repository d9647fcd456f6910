"""The atomic per-application limiter: one Lua script per request.

Every applicable (metric, period) counter of an application is checked and, only if all
pass, incremented, in one Redis script, so concurrent requests from any number of server
processes cannot overshoot a limit. The same script records the request in the hourly usage
buckets of `plans.usage_store` (per application and per key). Without REDIS_URL an
in-process backend with the same semantics is used; it is correct for ONE process only
(each process would count on its own).

Counter keys hold the application id, never the key id: all keys of an application share
its quota. Windows are calendar-aligned in UTC (`plans.windows`) and key names carry the
window start, so a new window starts a new counter; the expiry set on a counter only
collects garbage.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from django.conf import settings
from django.core.cache import cache
from hiredis import pack_command

from plans import usage_store, windows
from plans.models import RATE_LIMITED
from plans.usage_store import USAGE_RETENTION, usage_field
from plans.windows import Window, window_for

# A counter outlives its window by this much: a call that read the clock just before the
# boundary but reaches Redis just after must still find the old window's count (an expiry
# in the past would delete it and let such late calls through).
COUNTER_GRACE_SECONDS = 120


# --- Results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitSpec:
    metric: str
    period: str
    value: int

    @property
    def policy(self) -> str:
        """The quota policy name used in the RateLimit headers, e.g. "hits-minute"."""
        return f"{self.metric}-{self.period}"


@dataclass(frozen=True)
class CounterState:
    """A limit, its current window and how much of it is used (after this request)."""

    limit: LimitSpec
    window: Window
    used: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit.value - self.used)

    @property
    def exhausted(self) -> bool:
        return self.used >= self.limit.value


@dataclass
class Decision:
    allowed: bool
    now: datetime
    counters: list[CounterState]
    flush_due: bool = False
    stale: bool = False  # a guard failed: nothing was counted (see hit)
    claimed: tuple[bool, ...] = ()
    cost: int = 1

    @property
    def blocking(self) -> list[CounterState]:
        """When refused: the counters without room for the request's cost (any one of them
        refuses it; for a cost of 1, the full ones)."""
        if self.allowed:
            return []
        return [c for c in self.counters if c.used + self.cost > c.limit.value]

    @property
    def retry_after(self) -> int | None:
        """Seconds until every blocking window has reset; None if one never resets."""
        waits = [c.window.reset_in(self.now) for c in self.blocking]
        if not waits or any(w is None for w in waits):
            return None
        return max(waits)

    @property
    def tightest(self) -> CounterState | None:
        """The counter with the least remaining; on a tie, the one that resets last."""
        if not self.counters:
            return None

        def order(c: CounterState):
            reset = c.window.reset_in(self.now)
            return (c.remaining, -(reset if reset is not None else math.inf))

        return min(self.counters, key=order)


# --- The backend interface ------------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    """One limit's counter in its current window."""

    key: str  # "<app>:<metric>:<period>:<window start>" (a backend may prefix it)
    limit: int
    expire_at: int | None  # unix time the counter may be dropped; None: never (eternity)


@dataclass(frozen=True)
class HitCall:
    """One request, as a backend sees it: check every counter; only if each has room for
    `cost`, add `cost` to them all and to the request's usage bucket. Whether admitted or
    not, the first request of each flush interval is told to flush."""

    application_id: object
    counters: Sequence[Counter]
    hour_ts: int  # the usage bucket's hour
    usage_fields: Sequence[str]  # each gets + 1 (see usage_store.usage_field)
    bucket_expire_at: int
    flush_interval: int  # seconds; 0 never asks for a flush
    cost: int = 1  # what the request counts as: 1, or the item count of a bulk call
    # Cache entries (Django cache keys) that must still hold these values, else nothing is
    # counted and the outcome is `stale`: the caller's cached view of the key or plan is old.
    guards: Sequence[tuple[str, object]] = ()
    # Cache keys to `add` (set if absent) with a TTL in seconds, e.g. "record last use".
    claims: Sequence[tuple[str, int]] = ()
    # Each gets + 1 instead when the request is refused: 429s are usage too (RATE_LIMITED).
    refused_fields: Sequence[str] = ()


class HitOutcome(NamedTuple):
    allowed: bool
    flush_due: bool
    used: list[int]  # per counter, after this request
    stale: bool = False  # a guard failed: nothing was counted
    claimed: tuple[bool, ...] = ()  # per claim


class LimiterBackend(Protocol):
    """Where counters live. `hit` is atomic for every process that shares the backend."""

    def hit(self, call: HitCall) -> HitOutcome: ...

    def counts(self, keys: Sequence[str]) -> list[int]:
        """Current value of each counter key (0 if absent), without counting anything."""


# --- Redis ----------------------------------------------------------------------------------

_HIT_LUA = (
    usage_store.RECORD_USAGE_LUA
    + """
-- KEYS[1]                usage bucket of this application and hour (a hash)
-- KEYS[2]                dirty set of buckets waiting for the flush
-- KEYS[3]                the application's pending set (its hours waiting for the flush)
-- KEYS[4]                flush-due marker
-- KEYS[5 .. 4+n]         one counter per limit
-- KEYS[5+n .. 4+n+g]     one guard key per guard
-- KEYS[5+n+g .. 4+n+g+c] one claim key per claim
-- ARGV[1]                bucket expire-at (unix time)
-- ARGV[2]                the bucket's dirty-set member, "<application id>:<hour>"
-- ARGV[3]                the hour (unix time), the pending-set member
-- ARGV[4]                flush interval in seconds (0: never)
-- ARGV[5]                cost: what this request counts as (1; a bulk call: its item count)
-- ARGV[6], [7], [8]      n, g and c: the number of counters, guards and claims
-- ARGV[9 .. 8+n]         each counter's limit
-- ARGV[9+n .. 8+2n]      each counter's expire-at (0: never)
-- ARGV[9+2n .. 8+2n+g]   each guard's expected value (the key must hold exactly this)
-- ARGV[9+2n+g .. 8+2n+g+c] each claim's TTL in seconds
-- ARGV[9+2n+g+c]         r, the number of refusal fields (call it b = 9+2n+g+c)
-- ARGV[b+1 .. b+r]       usage fields to add one to if the request is refused
-- ARGV[b+r+1 ..]         usage fields to add the cost to if it is admitted
-- Returns {allowed, flush due, stale, claimed..., counter values after this request...}:
-- when a guard fails nothing is counted or claimed and stale is 1.
local bucket, dirty, pending, flush_due = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local bucket_expire_at, member, hour = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local flush_interval, cost = tonumber(ARGV[4]), tonumber(ARGV[5])
local n, g, c = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local counters, limits, expire_at, refused, fields = {}, {}, {}, {}, {}
for i = 1, n do
  counters[i] = KEYS[4 + i]
  limits[i] = tonumber(ARGV[8 + i])
  expire_at[i] = tonumber(ARGV[8 + n + i])
end
for i = 1, g do
  if redis.call('GET', KEYS[4 + n + i]) ~= ARGV[8 + 2 * n + i] then
    return {0, 0, 1}
  end
end
local claimed = {}
for i = 1, c do
  local ttl = tonumber(ARGV[8 + 2 * n + g + i])
  claimed[i] = redis.call('SET', KEYS[4 + n + g + i], '1', 'NX', 'EX', ttl) and 1 or 0
end
local b = 9 + 2 * n + g + c
local r = tonumber(ARGV[b])
for j = b + 1, b + r do refused[#refused + 1] = ARGV[j] end
for j = b + r + 1, #ARGV do fields[#fields + 1] = ARGV[j] end

local used = {}
local allowed = 1
for i = 1, n do
  used[i] = tonumber(redis.call('GET', counters[i]) or '0')
  if used[i] + cost > limits[i] then allowed = 0 end
end
if allowed == 1 then
  for i = 1, n do
    used[i] = redis.call('INCRBY', counters[i], cost)
    if expire_at[i] > 0 then redis.call('EXPIREAT', counters[i], expire_at[i]) end
  end
  record_usage(bucket, dirty, pending, member, hour, bucket_expire_at, fields, cost)
else
  record_usage(bucket, dirty, pending, member, hour, bucket_expire_at, refused, 1)
end
local out = {allowed, claim_flush(flush_due, flush_interval), 0}
for i = 1, c do out[#out + 1] = claimed[i] end
for i = 1, n do out[#out + 1] = used[i] end
return out
"""
)


_REMEMBERED = 10_000  # entries per memo of RedisBackend, emptied when full


def _cache_key(key: str) -> str:
    """`key` as the cache writes it (looked up only when _remembered has no copy: each use of
    the `cache` proxy finds this thread's cache first)."""
    return cache.make_key(key)


def _cache_value(value) -> bytes:
    """`value` as the cache stores it."""
    return cache.client.encode(value)


def _remembered(memo: dict, item, make):
    """make(item), kept in `memo` (emptied when it holds _REMEMBERED entries)."""
    found = memo.get(item)
    if found is None:
        if len(memo) >= _REMEMBERED:
            memo.clear()
        found = memo[item] = make(item)
    return found


class RedisBackend:
    """Counters in the Redis that django-redis is configured with, next to the usage.

    The hit script, sent on every counted request, goes over a connection this backend keeps
    per thread (made as django-redis's pool makes its own, so with its timeouts and
    core.cache_errors' breaker): one write and one read. Through redis-py's client layer
    (pool checkout with a readiness poll, retry wrapper, command dispatch) the same call
    cost about 60 us more CPU per request (in-process, bench data: 196-204 -> 134-139 us)."""

    def __init__(self) -> None:
        from django_redis import get_redis_connection

        self.redis = get_redis_connection("default")
        self._hit = self.redis.register_script(_HIT_LUA)
        self._local = threading.local()
        prefix = usage_store.redis_prefix()
        self.rl = prefix + "rl:"
        self.usage = usage_store.UsageKeys.under(prefix)
        # Guard and claim keys (a key's version, its last-use claim) as the cache writes
        # them, and guard values as the cache stores them: the same few come back on every
        # call of a key, and working them out again was a twentieth of a warm GET's CPU.
        self._stored_keys: dict[str, str] = {}
        self._stored_values: dict[str, bytes] = {}

    def _stored_key(self, key: str) -> str:
        return _remembered(self._stored_keys, key, _cache_key)

    def _stored_value(self, value) -> bytes:
        if not isinstance(value, str):
            return _cache_value(value)
        return _remembered(self._stored_values, value, _cache_value)

    def _evalsha(self, keys: list[str], argv: list) -> list:
        from redis.exceptions import NoScriptError, ResponseError

        conn = getattr(self._local, "conn", None)
        if conn is None or conn.pid != os.getpid():
            # Made like the pool's own (class and settings) but not counted against its
            # max_connections: the thread owns it, and it closes when the thread ends.
            pool = self.redis.connection_pool
            conn = self._local.conn = pool.connection_class(**pool.connection_kwargs)
        # Packed by hiredis itself: redis-py's send_command checks each of the ~30 arguments
        # in Python first, for types these never are (bytearray, memoryview).
        command = [pack_command(("EVALSHA", self._hit.sha, len(keys), *keys, *argv))]
        try:
            try:
                conn.send_packed_command(command)
                return conn.read_response()
            except NoScriptError:  # Redis restarted or its scripts were flushed: load, again
                conn.send_command("SCRIPT", "LOAD", _HIT_LUA)
                conn.read_response()
                conn.send_packed_command(command)
                return conn.read_response()
        except ResponseError:
            raise  # a reply: the connection is in step
        except BaseException:
            conn.disconnect()  # anything else may leave a reply unread: start afresh
            raise

    def _script_args(self, call: HitCall) -> tuple[list[str], list]:
        """KEYS and ARGV in the order the header of _HIT_LUA names them."""
        app, hour = call.application_id, call.hour_ts
        keys = [
            self.usage.bucket(app, hour),
            self.usage.dirty,
            self.usage.pending(app),
            self.usage.flush_due,
            *(self.rl + c.key for c in call.counters),
            *(self._stored_key(key) for key, _value in call.guards),
            *(self._stored_key(key) for key, _ttl in call.claims),
        ]
        argv = [
            call.bucket_expire_at,
            usage_store.bucket_member(app, hour),
            hour,
            call.flush_interval,
            call.cost,
            len(call.counters),
            len(call.guards),
            len(call.claims),
            *(c.limit for c in call.counters),
            *(c.expire_at or 0 for c in call.counters),
            # The bytes django-redis stores for the value, so the script compares exactly.
            *(self._stored_value(value) for _key, value in call.guards),
            *(ttl for _key, ttl in call.claims),
            len(call.refused_fields),
            *call.refused_fields,
            *call.usage_fields,
        ]
        return keys, argv

    def hit(self, call: HitCall) -> HitOutcome:
        keys, argv = self._script_args(call)
        allowed, flush, stale, *rest = self._evalsha(keys, argv)
        if stale:
            return HitOutcome(False, False, [], stale=True)
        claimed = tuple(bool(x) for x in rest[: len(call.claims)])
        used = [int(u) for u in rest[len(call.claims) :]]
        return HitOutcome(bool(allowed), bool(flush), used, claimed=claimed)

    def counts(self, keys: Sequence[str]) -> list[int]:
        if not keys:
            return []
        return [int(v or 0) for v in self.redis.mget([self.rl + k for k in keys])]


# --- Process memory -------------------------------------------------------------------------


class MemoryBackend:
    """The same semantics in this process's memory, behind one lock. Single-process only:
    several worker processes would each enforce the full limit on their own."""

    def __init__(self, store: usage_store.MemoryUsageStore) -> None:
        self.lock = threading.Lock()
        self.store = store
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.counters: dict[str, tuple[int, float | None]] = {}
            self.calls = 0

    def _get(self, key: str, now_ts: float) -> int:
        value, expire_at = self.counters.get(key, (0, None))
        return 0 if expire_at is not None and expire_at <= now_ts else value

    def hit(self, call: HitCall) -> HitOutcome:
        now_ts = datetime.now(UTC).timestamp()
        with self.lock:
            # The in-process cache is the only one there is: check and claim in it.
            if any(cache.get(key) != value for key, value in call.guards):
                return HitOutcome(False, False, [], stale=True)
            claimed = tuple(cache.add(key, 1, ttl) for key, ttl in call.claims)
            used = [self._get(c.key, now_ts) for c in call.counters]
            allowed = all(
                u + call.cost <= c.limit for u, c in zip(used, call.counters, strict=True)
            )
            if allowed:
                for i, c in enumerate(call.counters):
                    used[i] += call.cost
                    self.counters[c.key] = (used[i], c.expire_at or None)
                self.store.add(call.application_id, call.hour_ts, call.usage_fields, call.cost)
            else:
                self.store.add(call.application_id, call.hour_ts, call.refused_fields, 1)
            flush = self.store.claim_flush(call.flush_interval, now_ts)
            self.calls += 1
            if self.calls % 10_000 == 0:  # drop counters of windows that have ended
                self.counters = {
                    k: v for k, v in self.counters.items() if v[1] is None or v[1] > now_ts
                }
        return HitOutcome(allowed, flush, used, claimed=claimed)

    def counts(self, keys: Sequence[str]) -> list[int]:
        now_ts = datetime.now(UTC).timestamp()
        with self.lock:
            return [self._get(k, now_ts) for k in keys]


_backend: LimiterBackend | None = None
_backend_lock = threading.Lock()


def get_backend() -> LimiterBackend:
    """Redis when REDIS_URL is set (script registered once per process), else in-process,
    recording usage in the in-process usage store."""
    global _backend
    if _backend is None:
        with _backend_lock:
            if _backend is None:
                _backend = (
                    RedisBackend()
                    if settings.REDIS_URL
                    else MemoryBackend(usage_store.get_usage_store())
                )
    return _backend


def reset_memory_backend() -> None:
    """Tests: forget in-process counters (Redis ones go with the cache's FLUSHDB)."""
    if isinstance(_backend, MemoryBackend):
        _backend.reset()


# --- The limiter ----------------------------------------------------------------------------


def counter_key(app, limit: LimitSpec, window: Window) -> str:
    return f"{app}:{limit.metric}:{limit.period}:{window.start_ts}"


def hit(
    *,
    application_id,
    key_id,
    limits: Sequence[LimitSpec],
    metrics: Sequence[str],
    at: datetime | None = None,
    flush_interval: int | None = None,
    guards: Sequence[tuple[str, object]] = (),
    claims: Sequence[tuple[str, int]] = (),
    cost: int = 1,
) -> Decision:
    """Count one request of `application_id` against `limits`, atomically: if any counter
    has no room for `cost` nothing is incremented and the decision is a refusal. An admitted
    request is also added to the hourly usage of the application and of `key_id` for each of
    `metrics`. `cost` is 1, or the item count of a bulk call (each item counts as one call:
    a bulk create of 50 uses 50 `hits` and 50 `customer.create`, all or nothing);
    a refused one is added once as the RATE_LIMITED metric instead (what staff analytics count).

    In the same atomic step, `guards` (cache key, value) must all still hold, else nothing is
    counted and the decision is `stale` (the caller re-reads what it cached and calls again);
    `claims` (cache key, TTL) are added if absent, and `Decision.claimed` says which were."""
    if cost < 1:
        raise ValueError("cost must be at least 1")
    at = at or windows.now()
    window_list = [window_for(limit.period, at) for limit in limits]
    fields = [usage_field(None, m) for m in metrics]
    refused = [usage_field(None, RATE_LIMITED)]
    if key_id is not None:
        fields += [usage_field(key_id, m) for m in metrics]
        refused.append(usage_field(key_id, RATE_LIMITED))
    hour = windows.hour_start(at)
    outcome = get_backend().hit(
        HitCall(
            application_id=application_id,
            counters=[
                Counter(
                    key=counter_key(application_id, limit, window),
                    limit=limit.value,
                    expire_at=window.end_ts + COUNTER_GRACE_SECONDS if window.end_ts else None,
                )
                for limit, window in zip(limits, window_list, strict=True)
            ],
            hour_ts=int(hour.timestamp()),
            usage_fields=fields,
            bucket_expire_at=int((hour + USAGE_RETENTION).timestamp()),
            flush_interval=(
                settings.USAGE_FLUSH_INTERVAL_SECONDS if flush_interval is None else flush_interval
            ),
            guards=guards,
            claims=claims,
            cost=cost,
            refused_fields=refused,
        )
    )
    if outcome.stale:
        return Decision(allowed=False, now=at, counters=[], stale=True)
    states = [
        CounterState(limit, window, u)
        for limit, window, u in zip(limits, window_list, outcome.used, strict=True)
    ]
    return Decision(
        allowed=outcome.allowed,
        now=at,
        counters=states,
        flush_due=outcome.flush_due,
        claimed=outcome.claimed,
        cost=cost,
    )


def peek_many(
    *, applications: Sequence[tuple[object, Sequence[LimitSpec]]], at: datetime | None = None
) -> list[list[CounterState]]:
    """Current use of each limit of each (application id, limits), without counting
    anything: one round trip to the backend for all of them."""
    at = at or windows.now()
    plan = [
        (application_id, limit, window_for(limit.period, at))
        for application_id, limits in applications
        for limit in limits
    ]
    used = iter(get_backend().counts([counter_key(a, lim, w) for a, lim, w in plan]))
    return [
        [CounterState(limit, window_for(limit.period, at), next(used)) for limit in limits]
        for _application_id, limits in applications
    ]


def peek(
    *, application_id, limits: Sequence[LimitSpec], at: datetime | None = None
) -> list[CounterState]:
    """Current use of each limit, without counting anything."""
    return peek_many(applications=[(application_id, limits)], at=at)[0]
