"""Calendar windows and the atomic per-application limiter: one Lua script per request.

Every applicable (metric, period) counter of an application is checked and, only if all
pass, incremented, in one Redis script, so concurrent requests from any number of server
processes cannot overshoot a limit. The same script adds the request to hourly usage
buckets (per application and per key) that `plans.services.usage_flush` moves to the
database. Without REDIS_URL an in-process backend with the same semantics is used; it is
correct for ONE process only (each process would count on its own).

Counter keys hold the application id, never the key id: all keys of an application share
its quota. Windows are calendar-aligned in UTC and key names carry the window start, so a
new window starts a new counter; the expiry set on a counter only collects garbage.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings

from plans.models import Period

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
APP_TOTAL = "-"  # usage field key id for the application's own total
USAGE_RETENTION = timedelta(days=35)  # unflushed buckets older than this are dropped by Redis
# A counter outlives its window by this much: a call that read the clock just before the
# boundary but reaches Redis just after must still find the old window's count (an expiry
# in the past would delete it and let such late calls through).
COUNTER_GRACE_SECONDS = 120


# --- Windows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One calendar window of a period: [start, end). `end` is None for eternity."""

    period: str
    start: datetime
    end: datetime | None

    @property
    def seconds(self) -> int | None:
        """The window's length (a calendar month or year varies), None for eternity."""
        return None if self.end is None else int((self.end - self.start).total_seconds())

    def reset_in(self, now: datetime) -> int | None:
        """Whole seconds until the window ends, rounded up so waiting that long is enough."""
        if self.end is None:
            return None
        return max(1, math.ceil((self.end - now).total_seconds()))

    @property
    def start_ts(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_ts(self) -> int | None:
        return None if self.end is None else int(self.end.timestamp())


def window_for(period: str, now: datetime) -> Window:
    """The UTC calendar window containing `now`: minute, hour and day boundaries, ISO weeks
    starting Monday, calendar months and years; eternity never resets."""
    now = now.astimezone(UTC)
    if period == Period.MINUTE:
        start = now.replace(second=0, microsecond=0)
        return Window(period, start, start + timedelta(minutes=1))
    if period == Period.HOUR:
        start = now.replace(minute=0, second=0, microsecond=0)
        return Window(period, start, start + timedelta(hours=1))
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == Period.DAY:
        return Window(period, day, day + timedelta(days=1))
    if period == Period.WEEK:
        start = day - timedelta(days=day.weekday())
        return Window(period, start, start + timedelta(days=7))
    if period == Period.MONTH:
        start = day.replace(day=1)
        end = (
            start.replace(year=start.year + 1, month=1)
            if start.month == 12
            else start.replace(month=start.month + 1)
        )
        return Window(period, start, end)
    if period == Period.YEAR:
        start = day.replace(month=1, day=1)
        return Window(period, start, start.replace(year=start.year + 1))
    if period == Period.ETERNITY:
        return Window(period, EPOCH, None)
    raise ValueError(f"unknown period {period!r}")


def hour_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


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

    @property
    def blocking(self) -> list[CounterState]:
        """When refused: the counters that are full (any one of them refuses the request)."""
        return [] if self.allowed else [c for c in self.counters if c.exhausted]

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


# --- Backends -------------------------------------------------------------------------------

# One request: check every counter; only if all pass, increment them all and the usage
# buckets. KEYS: n counters, usage hash, dirty set, the application's pending set, flush-due.
# ARGV: n, (limit, expire-at) per counter, bucket expire-at, dirty member, hour,
# flush interval, usage fields...
_HIT_LUA = """
local n = tonumber(ARGV[1])
local used = {}
local allowed = 1
for i = 1, n do
  local v = tonumber(redis.call('GET', KEYS[i]) or '0')
  used[i] = v
  if v >= tonumber(ARGV[2 * i]) then allowed = 0 end
end
local base = 2 * n + 2
if allowed == 1 then
  for i = 1, n do
    used[i] = redis.call('INCR', KEYS[i])
    local at = tonumber(ARGV[2 * i + 1])
    if at > 0 then redis.call('EXPIREAT', KEYS[i], at) end
  end
  if #ARGV >= base + 4 then
    for j = base + 4, #ARGV do redis.call('HINCRBY', KEYS[n + 1], ARGV[j], 1) end
    local at = tonumber(ARGV[base])
    redis.call('EXPIREAT', KEYS[n + 1], at)
    redis.call('SADD', KEYS[n + 2], ARGV[base + 1])
    redis.call('SADD', KEYS[n + 3], ARGV[base + 2])
    redis.call('EXPIREAT', KEYS[n + 3], at)
  end
end
local flush = 0
local interval = tonumber(ARGV[base + 3])
if interval > 0 and redis.call('SET', KEYS[n + 4], '1', 'NX', 'EX', interval) then
  flush = 1
end
return {allowed, flush, unpack(used)}
"""

# Take up to ARGV[2] pending buckets for flushing: read and delete each atomically, so an
# increment lands either in what is taken now or in a fresh bucket for the next flush.
_TAKE_LUA = """
local members = redis.call('SPOP', KEYS[1], tonumber(ARGV[2]))
local out = {}
for _, m in ipairs(members) do
  local app, hour = string.match(m, '^([^:]+):(%d+)$')
  local hkey = ARGV[1] .. m
  local data = redis.call('HGETALL', hkey)
  redis.call('DEL', hkey)
  redis.call('SREM', ARGV[1] .. 'pending:' .. app, hour)
  table.insert(out, m)
  table.insert(out, data)
end
return out
"""

# Put taken buckets back after a failed database write.
# ARGV: usage prefix, expire-at, then member, field, count triples.
_RESTORE_LUA = """
for i = 3, #ARGV, 3 do
  local m = ARGV[i]
  local app, hour = string.match(m, '^([^:]+):(%d+)$')
  redis.call('HINCRBY', ARGV[1] .. m, ARGV[i + 1], tonumber(ARGV[i + 2]))
  redis.call('EXPIREAT', ARGV[1] .. m, tonumber(ARGV[2]))
  redis.call('SADD', KEYS[1], m)
  redis.call('SADD', ARGV[1] .. 'pending:' .. app, hour)
end
return 1
"""

# Flush sequence number: odd while a flush is moving buckets to the database, so readers
# that add pending buckets to database rows can tell they raced a flush and retry.
_FLUSH_BEGIN_LUA = """
local v = redis.call('INCR', KEYS[1])
if v % 2 == 0 then v = redis.call('INCR', KEYS[1]) end
return v
"""

_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

Bucket = tuple[int, dict[str, int]]  # (hour timestamp, {"<key id or ->|<metric>": count})
Taken = list[tuple[str, int, dict[str, int]]]  # [(application id, hour ts, fields)]


def _prefix() -> str:
    base = settings.CACHES.get("default", {}).get("KEY_PREFIX", "") or "cm"
    return f"{base}:"


class RedisBackend:
    """Counters and usage buckets in the Redis that django-redis is configured with."""

    name = "redis"

    def __init__(self) -> None:
        from django_redis import get_redis_connection

        self.redis = get_redis_connection("default")
        self._hit = self.redis.register_script(_HIT_LUA)
        self._take = self.redis.register_script(_TAKE_LUA)
        self._restore = self.redis.register_script(_RESTORE_LUA)
        self._flush_begin = self.redis.register_script(_FLUSH_BEGIN_LUA)
        self._release = self.redis.register_script(_RELEASE_LUA)
        p = _prefix()
        self.rl = p + "rl:"
        self.usage = p + "usage:"
        self.dirty = p + "usage-dirty"
        self.flush_due = p + "usage-flush-due"
        self.flush_seq = p + "usage-flush-seq"
        self.flush_mutex = p + "usage-flush-mutex"

    def hit(self, *, app, counters, usage_fields, hour_ts, bucket_expire_at, flush_interval):
        keys = [self.rl + k for k, _, _ in counters]
        argv: list = [len(counters)]
        for _, value, expire_at in counters:
            argv += [value, expire_at or 0]
        member = f"{app}:{hour_ts}"
        keys += [self.usage + member, self.dirty, f"{self.usage}pending:{app}", self.flush_due]
        argv += [bucket_expire_at, member, hour_ts, flush_interval, *usage_fields]
        allowed, flush, *used = self._hit(keys=keys, args=argv)
        return bool(allowed), bool(flush), [int(u) for u in used]

    def counts(self, keys: Sequence[str]) -> list[int]:
        if not keys:
            return []
        return [int(v or 0) for v in self.redis.mget([self.rl + k for k in keys])]

    def take_usage(self, batch: int) -> Taken:
        raw = self._take(keys=[self.dirty], args=[self.usage, batch])
        out: Taken = []
        for member, flat in zip(raw[::2], raw[1::2], strict=True):
            app, hour = member.decode().split(":")
            fields = {
                flat[i].decode(): int(flat[i + 1]) for i in range(0, len(flat), 2) if flat[i + 1]
            }
            out.append((app, int(hour), fields))
        return out

    def restore_usage(self, taken: Taken) -> None:
        argv: list = [self.usage, int((datetime.now(UTC) + USAGE_RETENTION).timestamp())]
        for app, hour, fields in taken:
            for name, count in fields.items():
                argv += [f"{app}:{hour}", name, count]
        if len(argv) > 2:
            self._restore(keys=[self.dirty], args=argv)

    def pending_usage(self, app) -> list[Bucket]:
        hours = sorted(int(h) for h in self.redis.smembers(f"{self.usage}pending:{app}"))
        if not hours:
            return []
        pipe = self.redis.pipeline(transaction=True)
        for hour in hours:
            pipe.hgetall(f"{self.usage}{app}:{hour}")
        return [
            (hour, {k.decode(): int(v) for k, v in data.items()})
            for hour, data in zip(hours, pipe.execute(), strict=True)
        ]

    def flush_seq_value(self) -> int:
        return int(self.redis.get(self.flush_seq) or 0)

    def flush_begin(self) -> None:
        self._flush_begin(keys=[self.flush_seq])

    def flush_end(self) -> None:
        self.redis.incr(self.flush_seq)

    @contextmanager
    def flush_guard(self, wait: float) -> Iterator[bool]:
        """Only one flusher at a time, across processes; a crashed one frees it in 5 min."""
        token = uuid.uuid4().hex
        deadline = datetime.now(UTC) + timedelta(seconds=wait)
        acquired = False
        while True:
            acquired = bool(self.redis.set(self.flush_mutex, token, nx=True, px=300_000))
            if acquired or datetime.now(UTC) >= deadline:
                break
            threading.Event().wait(0.05)
        try:
            yield acquired
        finally:
            if acquired:
                self._release(keys=[self.flush_mutex], args=[token])


@dataclass
class _MemoryState:
    counters: dict[str, tuple[int, float | None]] = field(default_factory=dict)
    buckets: dict[tuple[str, int], dict[str, int]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    flush_due_at: float = 0.0
    flush_seq: int = 0
    calls: int = 0


class MemoryBackend:
    """The same semantics in this process's memory, behind one lock. Single-process only:
    several worker processes would each enforce the full limit on their own."""

    name = "memory"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.flush_lock = threading.Lock()
        self.state = _MemoryState()

    def reset(self) -> None:
        with self.lock:
            self.state = _MemoryState()

    def _get(self, key: str, now_ts: float) -> int:
        value, expire_at = self.state.counters.get(key, (0, None))
        return 0 if expire_at is not None and expire_at <= now_ts else value

    def hit(self, *, app, counters, usage_fields, hour_ts, bucket_expire_at, flush_interval):
        now_ts = datetime.now(UTC).timestamp()
        with self.lock:
            state = self.state
            used = [self._get(k, now_ts) for k, _, _ in counters]
            allowed = all(u < value for u, (_, value, _) in zip(used, counters, strict=True))
            if allowed:
                for i, (key, _, expire_at) in enumerate(counters):
                    used[i] += 1
                    state.counters[key] = (used[i], expire_at or None)
                bucket = state.buckets[(str(app), hour_ts)]
                for name in usage_fields:
                    bucket[name] = bucket.get(name, 0) + 1
            flush = False
            if flush_interval > 0 and state.flush_due_at <= now_ts:
                state.flush_due_at = now_ts + flush_interval
                flush = True
            state.calls += 1
            if state.calls % 10_000 == 0:  # drop counters of windows that have ended
                state.counters = {
                    k: v for k, v in state.counters.items() if v[1] is None or v[1] > now_ts
                }
        return allowed, flush, used

    def counts(self, keys: Sequence[str]) -> list[int]:
        now_ts = datetime.now(UTC).timestamp()
        with self.lock:
            return [self._get(k, now_ts) for k in keys]

    def take_usage(self, batch: int) -> Taken:
        with self.lock:
            taken_keys = list(self.state.buckets)[:batch]
            return [(app, hour, self.state.buckets.pop((app, hour))) for app, hour in taken_keys]

    def restore_usage(self, taken: Taken) -> None:
        with self.lock:
            for app, hour, fields in taken:
                bucket = self.state.buckets[(app, hour)]
                for name, count in fields.items():
                    bucket[name] = bucket.get(name, 0) + count

    def pending_usage(self, app) -> list[Bucket]:
        with self.lock:
            return sorted(
                (hour, dict(fields))
                for (a, hour), fields in self.state.buckets.items()
                if a == str(app)
            )

    def flush_seq_value(self) -> int:
        with self.lock:
            return self.state.flush_seq

    def flush_begin(self) -> None:
        with self.lock:
            self.state.flush_seq += 1 if self.state.flush_seq % 2 == 0 else 2

    def flush_end(self) -> None:
        with self.lock:
            self.state.flush_seq += 1

    @contextmanager
    def flush_guard(self, wait: float) -> Iterator[bool]:
        acquired = (
            self.flush_lock.acquire(timeout=wait)
            if wait > 0
            else self.flush_lock.acquire(blocking=False)
        )
        try:
            yield acquired
        finally:
            if acquired:
                self.flush_lock.release()


_backend: RedisBackend | MemoryBackend | None = None
_backend_lock = threading.Lock()


def get_backend() -> RedisBackend | MemoryBackend:
    """Redis when REDIS_URL is set (scripts registered once per process), else in-process."""
    global _backend
    if _backend is None:
        with _backend_lock:
            if _backend is None:
                _backend = RedisBackend() if settings.REDIS_URL else MemoryBackend()
    return _backend


def reset_memory_backend() -> None:
    """Tests: forget in-process counters (Redis ones go with the cache's FLUSHDB)."""
    if isinstance(_backend, MemoryBackend):
        _backend.reset()


# --- The limiter ----------------------------------------------------------------------------


def now() -> datetime:
    return datetime.now(UTC)


def counter_key(app, limit: LimitSpec, window: Window) -> str:
    return f"{app}:{limit.metric}:{limit.period}:{window.start_ts}"


def usage_field(key_id, metric: str) -> str:
    return f"{APP_TOTAL if key_id is None else key_id}|{metric}"


def hit(
    *,
    application_id,
    key_id,
    limits: Sequence[LimitSpec],
    metrics: Sequence[str],
    at: datetime | None = None,
    flush_interval: int | None = None,
) -> Decision:
    """Count one request of `application_id` against `limits`, atomically: if any counter is
    full nothing is incremented and the decision is a refusal. An admitted request is also
    added to the hourly usage of the application and of `key_id` for each of `metrics`."""
    at = at or now()
    windows = [window_for(limit.period, at) for limit in limits]
    counters = [
        (
            counter_key(application_id, limit, window),
            limit.value,
            window.end_ts + COUNTER_GRACE_SECONDS if window.end_ts else None,
        )
        for limit, window in zip(limits, windows, strict=True)
    ]
    fields = [usage_field(None, m) for m in metrics]
    if key_id is not None:
        fields += [usage_field(key_id, m) for m in metrics]
    hour = hour_start(at)
    if flush_interval is None:
        flush_interval = settings.USAGE_FLUSH_INTERVAL_SECONDS
    allowed, flush, used = get_backend().hit(
        app=application_id,
        counters=counters,
        usage_fields=fields,
        hour_ts=int(hour.timestamp()),
        bucket_expire_at=int((hour + USAGE_RETENTION).timestamp()),
        flush_interval=flush_interval,
    )
    states = [
        CounterState(limit, window, u)
        for limit, window, u in zip(limits, windows, used, strict=True)
    ]
    return Decision(allowed=allowed, now=at, counters=states, flush_due=flush)


def peek(
    *, application_id, limits: Sequence[LimitSpec], at: datetime | None = None
) -> list[CounterState]:
    """Current use of each limit, without counting anything."""
    at = at or now()
    windows = [window_for(limit.period, at) for limit in limits]
    keys = [
        counter_key(application_id, limit, window)
        for limit, window in zip(limits, windows, strict=True)
    ]
    used = get_backend().counts(keys)
    return [
        CounterState(limit, window, u)
        for limit, window, u in zip(limits, windows, used, strict=True)
    ]
