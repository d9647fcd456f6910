"""What a Redis outage is, and what it means: the one place the project answers both.

`CACHE_ERRORS` is what reaches our code when Redis cannot serve a command (refused or
dropped connection, timeout, an error reply such as OOM or READONLY):

- redis-py's `RedisError`, raised by the raw client (the limiter's scripts, the usage
  store) and re-raised by Django's cache API (django-redis unwraps its own wrapper);
- django-redis's `ConnectionInterrupted`, which its client raises when used directly.

A dead or hung Redis costs each process little: every connection goes through
`BreakerConnection`, so after one failure (a refused connection, or no answer within
REDIS_TIMEOUT_SECONDS, default 0.1 s) the process skips Redis for REDIS_BREAKER_SECONDS
(default 5 s): commands fail at once with `RedisSkipped`, one of the CACHE_ERRORS. redis-py's
own retries are off, so one command costs at most one timeout.

The policy, applied where each is caught:

- Authentication's key cache (`apikeys.auth_cache`) degrades: it reads the key from the
  database, so an outage never locks callers out. Cache writes it cannot make are skipped.
  Copies a process keeps of keys and plans are not trusted while Redis cannot confirm them.
- Plan lookups (`plans.selectors`) read the database.
- The limiter (`plans.throttling`) fails open by default: the call is served uncounted,
  `fail_open` logs it and counts it. With RATELIMIT_FAIL_CLOSED=true the call is refused
  with a 503 `RateLimiterUnavailable` instead.
- Anything else that meets an outage (e.g. a write's cache invalidation, which must not
  succeed without it: a revocation answers 503 and is not made) is rendered by
  `core.problems` as a 503 `service_unavailable` problem with Retry-After, never a 500.
  (/readyz reports every failure as not ready.)
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django_redis.exceptions import ConnectionInterrupted
from redis.connection import Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)


class RedisSkipped(RedisConnectionError):
    """Not sent: Redis failed moments ago in this process (see Breaker)."""


CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, ConnectionInterrupted)
_OUTAGE = (RedisConnectionError, RedisTimeoutError)


class Breaker:
    """Per process: open for REDIS_BREAKER_SECONDS after a failure, then let calls try again."""

    def __init__(self) -> None:
        self.open_until = 0.0
        self._lock = threading.Lock()

    def check(self) -> None:
        if time.monotonic() < self.open_until:
            raise RedisSkipped("Redis failed moments ago; not waiting for it again yet.")

    def trip(self) -> None:
        with self._lock:
            if time.monotonic() >= self.open_until:
                logger.warning(
                    "Redis unreachable; skipping it for %s s", settings.REDIS_BREAKER_SECONDS
                )
            self.open_until = time.monotonic() + settings.REDIS_BREAKER_SECONDS

    def reset(self) -> None:
        self.open_until = 0.0


breaker = Breaker()


def fail_open(what: str) -> None:
    """A call served although Redis could not count it (RATELIMIT_FAIL_CLOSED is off)."""
    from core.metrics import RATELIMIT_FAIL_OPEN  # config.settings imports this module

    RATELIMIT_FAIL_OPEN.labels("redis_unavailable").inc()
    logger.warning("rate limit not applied (%s): Redis unavailable; serving the call", what)


class _BreakerMixin:
    """Fails at once while the breaker is open; a refused, dropped or timed-out connection
    opens it."""

    def connect(self, *args, **kwargs):
        breaker.check()
        try:
            return super().connect(*args, **kwargs)
        except _OUTAGE:
            breaker.trip()
            raise

    def send_packed_command(self, *args, **kwargs):
        breaker.check()
        try:
            return super().send_packed_command(*args, **kwargs)
        except _OUTAGE:
            breaker.trip()
            raise

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except _OUTAGE:
            breaker.trip()
            raise


class BreakerConnection(_BreakerMixin, Connection):
    pass


class BreakerSSLConnection(_BreakerMixin, SSLConnection):
    pass


class BreakerUnixConnection(_BreakerMixin, UnixDomainSocketConnection):
    pass


def breaker_connection_class(url: str) -> type[Connection]:
    """The breaker-guarded connection class for a redis://, rediss:// or unix:// URL."""
    if url.startswith("rediss://"):
        return BreakerSSLConnection
    if url.startswith("unix://"):
        return BreakerUnixConnection
    return BreakerConnection
