"""What the customers table's indexes and triggers cost a single-row INSERT, on the bench data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cm_bench .venv/bin/python bench/insert_cost.py

For each variant, inside one transaction that is rolled back (the table is left as it was):
drop what the variant leaves out, then time N single-row INSERTs of the big tenant (each its
own statement, as POST /v1/customer sends it), then flush the trigram index's pending list
(the deferred part of a GIN insert, which autovacuum or a full list would do later) of
every GIN index left and time that too. Commit cost is the same in every variant, so it is left out. Takes an ACCESS
EXCLUSIVE lock on the table while a variant runs: not while `make bench` is running.
"""

import os
import statistics
import sys
import time
import uuid

import psycopg

N = int(os.environ.get("INSERT_COST_N", "2000"))
TABLE = "customers_customer"
TRGM = "customer_search_text_trgm"
SORT_INDEXES = [
    "customer_active_created",
    "customer_active_updated",
    "customer_active_last_name",
    "customer_active_first_name",
    "customer_active_email",
]
COUNTER_TRIGGERS = ["customers_count_insert", "customers_count_update", "customers_count_delete"]

VARIANTS = {
    "everything (this branch)": ([], []),
    "without the trigram index": ([TRGM], []),
    "without the counter triggers": ([], COUNTER_TRIGGERS),
    "without trigram, triggers and the 5 sort indexes (~ main)": (
        [TRGM, *SORT_INDEXES],
        COUNTER_TRIGGERS,
    ),
}


def _insert_sql(cur) -> tuple[str, list[str]]:
    """INSERT ... SELECT of one new customer: id, names and email made here, every other
    column copied from a template row of the big tenant (so new columns need no edit)."""
    cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        [TABLE],
    )
    made = {"id": "%s", "last_name": "%s", "email": "%s", "phone": "''", "deleted_at": "NULL"}
    columns = [row[0] for row in cur.fetchall()]
    values = [made.get(c, f"t.{c}") for c in columns]
    sql = (
        f"INSERT INTO {TABLE} ({', '.join(columns)}) SELECT {', '.join(values)} "
        f"FROM {TABLE} t WHERE t.id = %s"
    )
    return sql, [c for c in columns if made.get(c) == "%s"]


def _insert(cur, sql: tuple[str, list[str]], template, i: int) -> float:
    new_id = uuid.uuid4()
    made = {
        "id": new_id,
        "last_name": f"Insert{i}",
        "email": f"insert.cost.{i}.{new_id.hex[:8]}@bench.invalid",
    }
    statement, params = sql
    started = time.perf_counter()
    cur.execute(statement, [*(made[c] for c in params), template])
    return (time.perf_counter() - started) * 1000


def _variant(conn, tenant_id: int, drop_indexes: list[str], drop_triggers: list[str]) -> dict:
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        for name in drop_indexes:
            cur.execute(f"DROP INDEX IF EXISTS {name}")
        for name in drop_triggers:
            cur.execute(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}")
        # Every GIN index the variant keeps (the trigram one; another one being compared).
        cur.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = %s::regclass AND a.amname = 'gin'",
            [TABLE],
        )
        gin_indexes = [row[0] for row in cur.fetchall()]
        cur.execute(f"SELECT id FROM {TABLE} WHERE tenant_id = %s LIMIT 1", [tenant_id])
        template = cur.fetchone()[0]
        sql = _insert_sql(cur)
        timings = [_insert(cur, sql, template, i) for i in range(N)]
        flush_ms = 0.0
        for name in gin_indexes:
            started = time.perf_counter()
            cur.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")
            flush_ms += (time.perf_counter() - started) * 1000
    timings.sort()
    return {
        "p50_ms": statistics.median(timings),
        "p99_ms": timings[int(len(timings) * 0.99) - 1],
        "mean_ms": statistics.fmean(timings),
        "flush_per_insert_ms": flush_ms / N,
    }


def main() -> int:
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("set DATABASE_URL to the bench database", file=sys.stderr)
        return 2
    with psycopg.connect(url, autocommit=True) as conn:
        tenant_id = conn.execute(
            f"SELECT tenant_id FROM {TABLE} GROUP BY tenant_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        print(f"{N} single-row INSERTs per variant into tenant {tenant_id} (rolled back)\n")
        print("| variant | p50 ms | p99 ms | mean ms | + GIN flush per insert ms |")
        print("|---|---:|---:|---:|---:|")
        for name, (indexes, triggers) in VARIANTS.items():
            _variant(conn, tenant_id, indexes, triggers)  # warm the caches once
            r = _variant(conn, tenant_id, indexes, triggers)
            print(
                f"| {name} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {r['mean_ms']:.3f} "
                f"| {r['flush_per_insert_ms']:.3f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
