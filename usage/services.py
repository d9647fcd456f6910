"""Writes of usage: the flush that moves counts from Redis (or process memory) to the database."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import UTC, datetime

from django.db import connection, transaction

from apikeys.models import ApiKey, Application
from core.metrics import USAGE_FLUSH_FAILURES, USAGE_FLUSH_LAST_SUCCESS, USAGE_FLUSHED_HITS
from plans import usage_store
from usage.models import UsageRecord

logger = logging.getLogger(__name__)

FLUSH_BATCH = 500


def _upsert_sql(*, with_key: bool) -> str:
    table = UsageRecord._meta.db_table
    if with_key:
        target = "(application_id, key_id, metric, hour) WHERE key_id IS NOT NULL"
    else:
        target = "(application_id, metric, hour) WHERE key_id IS NULL"
    return (
        f"INSERT INTO {table} (application_id, key_id, metric, hour, count) "
        f"VALUES (%s, %s, %s, %s, %s) "
        f"ON CONFLICT {target} DO UPDATE SET count = {table}.count + EXCLUDED.count"
    )


def _usage_write(taken: usage_store.Taken) -> int:
    """Add taken buckets to the database in one transaction; returns requests written."""
    rows: dict[tuple[int, int | None, str, datetime], int] = defaultdict(int)
    for app, hour_ts, fields in taken:
        hour = datetime.fromtimestamp(hour_ts, UTC)
        for name, count in fields.items():
            key_part, metric = name.split("|", 1)
            key_id = None if key_part == usage_store.APP_TOTAL else int(key_part)
            rows[(int(app), key_id, metric, hour)] += count
    if not rows:
        return 0
    # Usage of an application or key deleted meanwhile has nowhere to go: drop it.
    app_ids = set(
        Application.objects.filter(pk__in={r[0] for r in rows}).values_list("pk", flat=True)
    )
    key_ids = set(
        ApiKey.objects.filter(pk__in={r[1] for r in rows if r[1]}).values_list("pk", flat=True)
    )
    adapt = connection.ops.adapt_datetimefield_value
    app_rows, key_rows, written = [], [], 0
    for (app, key_id, metric, hour), count in rows.items():
        if app not in app_ids or (key_id is not None and key_id not in key_ids):
            continue
        params = (app, key_id, metric, adapt(hour), count)
        (key_rows if key_id is not None else app_rows).append(params)
        if key_id is None and metric == "hits":
            written += count
    with transaction.atomic(), connection.cursor() as cursor:
        if app_rows:
            cursor.executemany(_upsert_sql(with_key=False), app_rows)
        if key_rows:
            cursor.executemany(_upsert_sql(with_key=True), key_rows)
    return written


def usage_flush(*, wait: float = 0) -> int:
    """Move pending usage buckets from Redis (or process memory) to the database.

    One flusher at a time (others return 0 at once, or after `wait` seconds); buckets are
    taken atomically, and put back if the database write fails. Returns the hits written.
    """
    backend = usage_store.get_usage_store()
    written = 0
    with backend.flush_guard(wait) as acquired:
        if not acquired:
            return 0
        backend.flush_begin()
        try:
            while taken := backend.take_usage(FLUSH_BATCH):
                try:
                    written += _usage_write(taken)
                except Exception:
                    backend.restore_usage(taken)
                    raise
        finally:
            backend.flush_end()
    USAGE_FLUSH_LAST_SUCCESS.set(time.time())
    USAGE_FLUSHED_HITS.inc(written)
    return written


def usage_flush_quietly() -> None:
    """The opportunistic flush after a response: a failure is logged, never raised."""
    try:
        usage_flush()
    except Exception:  # noqa: BLE001 - the buckets were put back; the next flush retries
        USAGE_FLUSH_FAILURES.inc()
        logger.exception("usage flush failed; buckets kept for the next flush")
