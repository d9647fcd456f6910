"""Planner settings for one statement, where PostgreSQL's estimates are known to mislead it.

A capped count of substring matches (`... ILIKE '%term%' OR ... LIMIT 1001`) is the case in
point: PostgreSQL adds up the OR'ed columns' selectivities (a surname is in `last_name` and
in `email` of the same rows, so it counts them twice or more) and prices an ILIKE like a
comparison, so it expects a sequential scan to find its 1,001 matches early; for a term on
1 % of a 1M-customer tenant it reads about 100,000 rows instead: 105-220 ms, where the
trigram index answers in 8-17 ms (bench/RESULTS.md, the 2026-11-30 16:27 entry).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


@contextmanager
def without_sequential_scans(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Statements run inside prefer any index to a sequential scan (`enable_seqscan` off,
    local to a transaction or savepoint of its own, and put back as it was on the way out).
    Other databases: no-op.
    A table with no usable index is still read sequentially: this steers, it cannot fail."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
            )
            before = cursor.fetchone()[0]
        yield
        # On the way out, for an enclosing transaction that keeps going. After an error there
        # is nothing to do (and no statement would run): the rollback undoes the setting.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])
