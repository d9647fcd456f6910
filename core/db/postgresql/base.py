"""PostgreSQL with a health check that costs a round trip only after the connection idled.

Django's CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request that
reuses a persistent connection: a second statement on every hot read. A connection that
served a request moments ago is as good as the check would say, and one that failed during a
request is closed when that request ends (Django checks connections that saw errors). So the
check is kept only for connections idle longer than HEALTH_CHECK_AFTER_IDLE_SECONDS: the
first request after PostgreSQL restarted while this process was idle still succeeds.
"""

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_AFTER_IDLE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    _idle_since: float | None = None

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self._idle_since is not None
            and time.monotonic() - self._idle_since < HEALTH_CHECK_AFTER_IDLE_SECONDS
        ):
            self.health_check_done = True  # used moments ago: no ping this request
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self):
        """Django calls this as every request ends: remember when the connection went idle."""
        super().close_if_unusable_or_obsolete()
        self._idle_since = time.monotonic() if self.connection is not None else None
