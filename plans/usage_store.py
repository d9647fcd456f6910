"""Hourly usage buckets, kept in Redis (or process memory) until the flush moves them to
the database.

An admitted request is added to the bucket of its application and UTC hour by the limiter,
in the same atomic step that counts it (`RECORD_USAGE_LUA` is part of its script, `add` its
in-memory twin), so recorded usage is exactly the admitted requests. Everything else about
buckets lives here: their layout, and what the flush (`usage.services.usage_flush`) and the
usage reads (`usage.selectors.usage_hourly`) do with them.

A bucket is a hash of usage field -> count; a field is "<key id>|<metric>", or
"-|<metric>" for the application's own total.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from django.conf import settings

APP_TOTAL = "-"  # usage field key id for the application's own total
USAGE_RETENTION = timedelta(days=35)  # unflushed buckets older than this are dropped by Redis

Bucket = tuple[int, dict[str, int]]  # (hour timestamp, {"<key id or ->|<metric>": count})
Taken = list[tuple[str, int, dict[str, int]]]  # [(application id, hour ts, fields)]


def usage_field(key_id, metric: str) -> str:
    return f"{APP_TOTAL if key_id is None else key_id}|{metric}"


def bucket_member(app, hour_ts: int) -> str:
    """A bucket's name within the usage keys: "<application id>:<hour timestamp>"."""
    return f"{app}:{hour_ts}"


def redis_prefix() -> str:
    """The cache's KEY_PREFIX and a colon; limiter counters and usage keys live under it."""
    base = settings.CACHES.get("default", {}).get("KEY_PREFIX", "") or "cm"
    return f"{base}:"


@dataclass(frozen=True)
class UsageKeys:
    """Where usage lives in Redis. The limiter's script writes buckets under these names."""

    usage: str  # prefix of the bucket hashes and of each application's pending set
    dirty: str  # set of bucket members ("<app>:<hour>") waiting for the flush
    flush_due: str  # marker the first request of each flush interval sets
    flush_seq: str  # odd while a flush is moving buckets (see flush_begin)
    flush_mutex: str  # one flusher at a time

    @classmethod
    def under(cls, prefix: str) -> UsageKeys:
        return cls(
            usage=prefix + "usage:",
            dirty=prefix + "usage-dirty",
            flush_due=prefix + "usage-flush-due",
            flush_seq=prefix + "usage-flush-seq",
            flush_mutex=prefix + "usage-flush-mutex",
        )

    def bucket(self, app, hour_ts: int) -> str:
        return self.usage + bucket_member(app, hour_ts)

    def pending(self, app) -> str:
        """The set of an application's hours that have a bucket waiting for the flush."""
        return f"{self.usage}pending:{app}"


# --- Lua -------------------------------------------------------------------------------------

# Functions the limiter's hit script includes (see plans.limiter), so that recording an
# admitted request and claiming the flush happen in the same atomic step as counting it.
RECORD_USAGE_LUA = """
-- Add a request to its bucket: each field + cost (1, or a bulk call's item count), and mark
-- the bucket pending for the flush.
local function record_usage(bucket, dirty, pending, member, hour, expire_at, fields, cost)
  if #fields == 0 then return end
  for _, f in ipairs(fields) do redis.call('HINCRBY', bucket, f, cost) end
  redis.call('EXPIREAT', bucket, expire_at)
  redis.call('SADD', dirty, member)
  redis.call('SADD', pending, hour)
  redis.call('EXPIREAT', pending, expire_at)
end

-- 1 for the first request of each flush interval (it flushes after its response), else 0.
local function claim_flush(flush_due, interval)
  if interval > 0 and redis.call('SET', flush_due, '1', 'NX', 'EX', interval) then
    return 1
  end
  return 0
end
"""

# Take up to ARGV[2] pending buckets for flushing: read and delete each atomically, so an
# increment lands either in what is taken now or in a fresh bucket for the next flush.
# KEYS[1] dirty set; ARGV[1] usage prefix, ARGV[2] batch size.
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
# KEYS[1] dirty set; ARGV: usage prefix, expire-at, then member, field, count triples.
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


# --- Stores ----------------------------------------------------------------------------------


class UsageStore(Protocol):
    """What the flush and the usage reads need of the buckets, whichever store holds them."""

    def pending_usage(self, app) -> list[Bucket]:
        """An application's buckets not yet flushed, oldest hour first."""

    def take_usage(self, batch: int) -> Taken:
        """Remove and return up to `batch` buckets, atomically, for the flush to write."""

    def restore_usage(self, taken: Taken) -> None:
        """Add taken buckets back after a failed database write."""

    def flush_seq_value(self) -> int:
        """The flush sequence number: odd while a flush runs."""

    def flush_begin(self) -> None: ...

    def flush_end(self) -> None: ...

    def flush_guard(self, wait: float) -> AbstractContextManager[bool]:
        """Yields whether this caller is the one flusher (waiting up to `wait` seconds)."""


class RedisUsageStore:
    """Buckets in the Redis that django-redis is configured with; shared by all processes."""

    def __init__(self) -> None:
        from django_redis import get_redis_connection

        self.redis = get_redis_connection("default")
        self.keys = UsageKeys.under(redis_prefix())
        self._take = self.redis.register_script(_TAKE_LUA)
        self._restore = self.redis.register_script(_RESTORE_LUA)
        self._flush_begin = self.redis.register_script(_FLUSH_BEGIN_LUA)
        self._release = self.redis.register_script(_RELEASE_LUA)

    def take_usage(self, batch: int) -> Taken:
        raw = self._take(keys=[self.keys.dirty], args=[self.keys.usage, batch])
        out: Taken = []
        for member, flat in zip(raw[::2], raw[1::2], strict=True):
            app, hour = member.decode().split(":")
            fields = {
                flat[i].decode(): int(flat[i + 1]) for i in range(0, len(flat), 2) if flat[i + 1]
            }
            out.append((app, int(hour), fields))
        return out

    def restore_usage(self, taken: Taken) -> None:
        argv: list = [self.keys.usage, int((datetime.now(UTC) + USAGE_RETENTION).timestamp())]
        for app, hour, fields in taken:
            for name, count in fields.items():
                argv += [bucket_member(app, hour), name, count]
        if len(argv) > 2:
            self._restore(keys=[self.keys.dirty], args=argv)

    def pending_usage(self, app) -> list[Bucket]:
        hours = sorted(int(h) for h in self.redis.smembers(self.keys.pending(app)))
        if not hours:
            return []
        pipe = self.redis.pipeline(transaction=True)
        for hour in hours:
            pipe.hgetall(self.keys.bucket(app, hour))
        return [
            (hour, {k.decode(): int(v) for k, v in data.items()})
            for hour, data in zip(hours, pipe.execute(), strict=True)
        ]

    def flush_seq_value(self) -> int:
        return int(self.redis.get(self.keys.flush_seq) or 0)

    def flush_begin(self) -> None:
        self._flush_begin(keys=[self.keys.flush_seq])

    def flush_end(self) -> None:
        self.redis.incr(self.keys.flush_seq)

    @contextmanager
    def flush_guard(self, wait: float) -> Iterator[bool]:
        """Only one flusher at a time, across processes; a crashed one frees it in 5 min."""
        token = uuid.uuid4().hex
        deadline = datetime.now(UTC) + timedelta(seconds=wait)
        acquired = False
        while True:
            acquired = bool(self.redis.set(self.keys.flush_mutex, token, nx=True, px=300_000))
            if acquired or datetime.now(UTC) >= deadline:
                break
            threading.Event().wait(0.05)
        try:
            yield acquired
        finally:
            if acquired:
                self._release(keys=[self.keys.flush_mutex], args=[token])


class MemoryUsageStore:
    """The same in this process's memory, behind one lock. Single-process only."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.flush_lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.buckets: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
            self.flush_due_at = 0.0
            self.flush_seq = 0

    def add(self, app, hour_ts: int, fields: Iterable[str], cost: int = 1) -> None:
        """Record an admitted request (the in-memory limiter's `record_usage`)."""
        with self.lock:
            bucket = self.buckets[(str(app), hour_ts)]
            for name in fields:
                bucket[name] = bucket.get(name, 0) + cost

    def claim_flush(self, interval: int, now_ts: float) -> bool:
        """True for the first request of each flush interval (the limiter's `claim_flush`)."""
        with self.lock:
            if interval > 0 and self.flush_due_at <= now_ts:
                self.flush_due_at = now_ts + interval
                return True
            return False

    def take_usage(self, batch: int) -> Taken:
        with self.lock:
            taken_keys = list(self.buckets)[:batch]
            return [(app, hour, self.buckets.pop((app, hour))) for app, hour in taken_keys]

    def restore_usage(self, taken: Taken) -> None:
        with self.lock:
            for app, hour, fields in taken:
                bucket = self.buckets[(app, hour)]
                for name, count in fields.items():
                    bucket[name] = bucket.get(name, 0) + count

    def pending_usage(self, app) -> list[Bucket]:
        with self.lock:
            return sorted(
                (hour, dict(fields)) for (a, hour), fields in self.buckets.items() if a == str(app)
            )

    def flush_seq_value(self) -> int:
        with self.lock:
            return self.flush_seq

    def flush_begin(self) -> None:
        with self.lock:
            self.flush_seq += 1 if self.flush_seq % 2 == 0 else 2

    def flush_end(self) -> None:
        with self.lock:
            self.flush_seq += 1

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


_store: RedisUsageStore | MemoryUsageStore | None = None
_store_lock = threading.Lock()


def get_usage_store() -> RedisUsageStore | MemoryUsageStore:
    """Redis when REDIS_URL is set (scripts registered once per process), else in-process."""
    global _store
    if _store is None:
        with _store_lock:
            if _store is None:
                _store = RedisUsageStore() if settings.REDIS_URL else MemoryUsageStore()
    return _store


def reset_memory_store() -> None:
    """Tests: forget in-process buckets (Redis ones go with the cache's FLUSHDB)."""
    if isinstance(_store, MemoryUsageStore):
        _store.reset()
