"""EXPLAIN (ANALYZE, BUFFERS) of the SQL the list and lookup scenarios run, on the bench data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cm_bench .venv/bin/python bench/explain.py

Runs the app's own selectors and paging code (so it shows what the checked-out code sends),
captures each SQL statement, and prints its plan. Reads bench/out/data/seed.json
(BENCH_OUT) for the big tenant, the deep cursor and a sample email and phone.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("BENCH_OUT") or ROOT / "bench" / "out")


def _statements(call) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        call()
    return [q["sql"] for q in ctx.captured_queries]


def _explain(title: str, call) -> None:
    from django.db import connection

    statements = _statements(call)
    print(f"## {title}: {len(statements)} SQL statement(s)\n")
    for sql in statements:
        with connection.cursor() as cursor:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                # BEGIN, COMMIT, SAVEPOINT, SET (if a change ever wraps a read in them):
                # run as they were, so what follows runs as it did.
                cursor.execute(sql)
                print(f"```\n{sql}\n```\n")
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"```\n{sql}\n\n{plan}\n```\n")


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from core.pagination import keyset_slice, page_slice
    from customers import selectors
    from customers.serializers import V1_SORTS
    from tenants.models import Tenant

    seed = json.loads((OUT / "data" / "seed.json").read_text())
    email = (OUT / "data" / "emails.txt").read_text().split()[0].replace("%40", "@")
    phone = (OUT / "data" / "phones.txt").read_text().split()[0].replace("%2B", "+")
    tenant = Tenant.objects.get(pk=seed["big_tenant_pk"])
    sort = V1_SORTS["-createdAt"]

    def paged(page: int, filters: dict):
        qs = selectors.customer_list(tenant=tenant, filters=filters)
        total, _exact = selectors.customer_list_total(
            tenant=tenant, filters=filters, include_deleted=False, queryset=qs, at_least=page * 20
        )
        page_slice(qs, sort=sort, page=page, limit=20, total=total)

    def cursor(value: str):
        qs = selectors.customer_list(tenant=tenant, filters={})
        keyset_slice(qs, sort=sort, cursor=value, limit=20)

    _explain("cursor first page", lambda: cursor(""))
    _explain(f"cursor page {seed['deep_rows']:,} rows deep", lambda: cursor(seed["deep_cursor"]))
    _explain("paged page 1", lambda: paged(1, {}))
    _explain("paged page 10,000", lambda: paged(10_000, {}))
    _explain("paged search=Rossi", lambda: paged(1, {"search": "Rossi"}))
    _explain("paged search=Mario Rossi", lambda: paged(1, {"search": "Mario Rossi"}))
    _explain("paged search=ro (under three characters)", lambda: paged(1, {"search": "ro"}))
    _explain("by email", lambda: selectors.customer_get_by_email(tenant=tenant, email=email))
    _explain("by phone", lambda: selectors.customer_get_by_phone(tenant=tenant, phone=phone))
    return 0


if __name__ == "__main__":
    sys.exit(main())
