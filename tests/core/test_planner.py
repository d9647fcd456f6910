"""core.db.planner: the planner steered for one statement, and put back as it was."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.db.planner import without_sequential_scans

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]

# Every row of a catalog table that has an index on oid: a scan is what PostgreSQL would pick.
_QUERY = "SELECT relname FROM pg_class WHERE oid > 0"


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        return cursor.fetchone()[0]


def _plan() -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + _QUERY)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_inside_an_index_is_preferred_and_afterwards_the_setting_is_back():
    assert "Seq Scan" in _plan()
    with without_sequential_scans():
        assert _setting() == "off"
        assert "Seq Scan" not in _plan() and "Index" in _plan()
    assert _setting() == "on"
    assert "Seq Scan" in _plan()


def test_inside_an_enclosing_transaction_it_does_not_leak_past_the_block():
    with transaction.atomic():
        with without_sequential_scans():
            assert _setting() == "off"
        assert _setting() == "on"


def test_an_error_inside_still_puts_it_back():
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), without_sequential_scans():
            1 / 0  # noqa: B018
        assert _setting() == "on"


def test_a_search_total_is_counted_with_scans_off(alice_client, tenant_a):
    """The capped count of a `search=` list runs between the two settings; the page and a
    list without search do not pay for them."""
    alice_client.get("/v1/customer/paged", {"search": "ada"})
    with CaptureQueriesContext(connection) as ctx:
        response = alice_client.get("/v1/customer/paged", {"search": "ada"})
    assert response.status_code == 200, response.content
    sql = [q["sql"] for q in ctx.captured_queries]
    off = next(i for i, s in enumerate(sql) if "set_config('enable_seqscan', 'off'" in s)
    assert sql[off + 1].startswith("SELECT COUNT(*)"), sql
    assert "set_config('enable_seqscan'," in sql[off + 2] and "'on'" in sql[off + 2], sql
    with CaptureQueriesContext(connection) as ctx:
        alice_client.get("/v1/customer/paged", {"state": "active"})
    assert not any("enable_seqscan" in q["sql"] for q in ctx.captured_queries)
