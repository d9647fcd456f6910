"""What a Redis outage is, and what it means: the one place the project answers both.

`CACHE_ERRORS` is what reaches our code when Redis cannot serve a command (refused or
dropped connection, timeout, an error reply such as OOM or READONLY):

- redis-py's `RedisError`, raised by the raw client (the limiter's scripts, the usage
  store) and re-raised by Django's cache API (django-redis unwraps its own wrapper);
- django-redis's `ConnectionInterrupted`, which its client raises when used directly.

The policy, applied where each is caught:

- Authentication's key cache (`apikeys.auth_cache`) degrades: it reads the key from the
  database, so an outage never locks callers out. Cache writes it cannot make are skipped.
- Plan lookups and the limiter (`plans.enforcement`, `plans.throttling`) fail closed: the
  call is refused with a 503 `RateLimiterUnavailable`, never let through uncounted.
- Anything else that meets an outage (e.g. a write's cache invalidation, which must not
  succeed without it) is rendered by `core.problems` as a 503 `service_unavailable`
  problem with Retry-After, never a 500. (/readyz reports every failure as not ready.)
"""

from __future__ import annotations

from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, ConnectionInterrupted)
