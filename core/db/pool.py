"""Pooled database connections and slow clients.

A request takes a pooled connection at its first query and gives it back as it ends
(settings' DB_POOL_SIZE). A request whose key or plan was not cached yet has queried before
its view reads the body, and a client that sends that body slowly would keep one of the
process's few connections for as long as it dawdles. Whatever is about to wait for the body
calls `release_before_reading_the_body()` first.
"""

from django.db import connection


def release_before_reading_the_body() -> None:
    """Give this thread's pooled connection back to the pool, unless a transaction holds it;
    the request's next query takes one again. Persistent connections (DB_POOL_SIZE=0) and
    SQLite are left as they are: closing those would cost a reconnect."""
    if (
        connection.connection is not None
        and getattr(connection, "pool", None) is not None
        and not connection.in_atomic_block
    ):
        connection.close()
