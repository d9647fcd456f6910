"""PostgreSQL with a health check that costs a round trip only after the connection idled,
and a cursor whose statements PostgreSQL prepares once per connection (`prepared_cursor`).
Settings pool the connections by default (DB_POOL_SIZE); the rules hold for both.

Django's CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request that
reuses a persistent connection: a second statement on every hot read. A connection that
served a request moments ago is as good as the check would say, and one that failed during a
request is closed when that request ends (Django checks connections that saw errors). So the
check is kept only for connections idle longer than HEALTH_CHECK_AFTER_IDLE_SECONDS: the
first request after PostgreSQL restarted while this process was idle still succeeds.

Django binds parameters on the client (psycopg's ClientCursor), so PostgreSQL parses and
plans every statement anew: for a primary-key read that is more than half of what the
server spends on it (156 -> 62 us of PostgreSQL CPU per read, bench/RESULTS.md). The hottest
single-row reads (core.db.rows.RowReader) use `prepared_cursor()` instead: server-side
binding, prepared on the connection (psycopg's `prepare_threshold`, from OPTIONS; settings
sets it from DB_PREPARED_STATEMENTS). Every other query keeps Django's client-side binding,
which never prepares, whatever the threshold.

With a pool (settings' DB_POOL_SIZE, Django's OPTIONS["pool"]) a request takes a connection
from the pool at its first query and returns it as it ends. The same rule holds there: a
pooled connection not returned within the last HEALTH_CHECK_AFTER_IDLE_SECONDS (it idled, or
the pool opened it and it was never used) is pinged when it is taken, and a dead one is
dropped for another (Django's own pooled health check would ping on every request).
"""

import time

from django.db.backends.postgresql import base, operations

HEALTH_CHECK_AFTER_IDLE_SECONDS = 1.0
# Kept on each psycopg connection: its prepared-statement cursor, and when it last went back
# to the pool.
PREPARED_CURSOR = "_cm_prepared_cursor"
RETURNED_AT = "_cm_returned_at"


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """The SQL with its parameters for query logs (and tests that count or EXPLAIN what a
        request sent) also from a prepared cursor, whose `_query` holds `$1` placeholders."""
        if isinstance(cursor, base.ServerBindingCursor):
            try:
                return self.compose_sql(sql, params)
            except Exception:  # noqa: BLE001 - a log line must not fail the query
                return None
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def prepared_cursor(self):
        """A cursor like `cursor()` (health check, error wrapping, query logging), but with
        server-side binding, so psycopg prepares what it runs on this connection. The
        psycopg cursor under it is made once per connection and kept on it (a new one per
        read cost ~25 us; pooled connections keep theirs between requests): run statements
        on it, never close it."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        raw = self.connection
        prepared = getattr(raw, PREPARED_CURSOR, None)
        if prepared is None or prepared.closed:
            factory = raw.cursor_factory
            raw.cursor_factory = base.ServerBindingCursor  # create_cursor() uses the factory
            try:
                with self.wrap_database_errors:
                    prepared = self.create_cursor()
            finally:
                raw.cursor_factory = factory
            setattr(raw, PREPARED_CURSOR, prepared)
        return self._prepare_cursor(prepared)

    def get_new_connection(self, conn_params):
        """A pooled connection not handed back moments ago (it idled, or the pool opened it
        in the background and it waited unused) is pinged before use; a dead one is given
        back (the pool drops it and opens a replacement) and another taken."""
        raw = super().get_new_connection(conn_params)
        if self.pool is None:
            return raw
        for _ in range(self.pool.max_size):
            returned_at = getattr(raw, RETURNED_AT, None)
            if returned_at is not None and time.monotonic() - returned_at < (
                HEALTH_CHECK_AFTER_IDLE_SECONDS
            ):
                return raw  # used moments ago
            try:
                type(self.pool).check_connection(raw)  # psycopg_pool's: one empty round trip
                return raw
            except self.Database.Error:
                self.pool.putconn(raw)  # broken: the pool discards it
                raw = super().get_new_connection(conn_params)
        return raw

    def _close(self):
        if self.pool is not None and self.connection is not None:
            setattr(self.connection, RETURNED_AT, time.monotonic())
        return super()._close()

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
