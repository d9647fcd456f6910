"""What a list page or a lookup costs, as deterministic figures: SQL statements per warm
request, and on PostgreSQL the plan (an index bound, no Sort, no Seq Scan on customers)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now

from customers.models import Customer
from tests.conftest import make_client

pytestmark = pytest.mark.django_db

URL = "/v1/customer/paged"
ROWS = 3000  # enough that PostgreSQL's planner prefers an index to reading the table


def _bulk(tenant_a, tenant_b, rows: int) -> None:
    """`rows` customers of tenant A (and a few of B's), analysed like a real table."""
    Customer.objects.bulk_create(
        (
            Customer(
                tenant=tenant,
                first_name=f"Name{i}",
                last_name=f"Surname{i % 97}",
                email=f"person{i}@Example.com",
                phone=f"+3906{i:08d}",
            )
            for tenant, count in ((tenant_a, rows), (tenant_b, 50))
            for i in range(count)
        ),
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")


def _bulk_sql(tenant, rows: int) -> None:
    """PostgreSQL: `rows` customers like _bulk's in one INSERT ... SELECT (seconds faster
    than the ORM at this size); columns this test does not name are copied from a template."""
    template = Customer.objects.create(tenant=tenant, first_name="Template", deleted_at=now())
    made = {
        "id": "gen_random_uuid()",
        "first_name": "'Name' || i",
        "last_name": "'Surname' || (i %% 97)",
        "email": "'person' || i || '@Example.com'",
        "phone": "'+3906' || lpad(i::text, 8, '0')",
        "created_at": "now() - i * interval '1 second'",
        "deleted_at": "NULL",
    }
    columns = [f.column for f in Customer._meta.concrete_fields]
    values = [made.get(column, f"t.{column}") for column in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO customers_customer ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM customers_customer t, generate_series(1, %s) i "
            "WHERE t.id = %s",
            [rows, template.pk],
        )
        # Into the index proper, as CREATE INDEX would have it (the planner prices a long
        # pending list of fresh entries as a reason not to use it).
        cursor.execute("SELECT gin_clean_pending_list('customer_search_text_trgm'::regclass)")
        cursor.execute("ANALYZE customers_customer")


@pytest.fixture
def many(tenant_a, tenant_b):
    _bulk(tenant_a, tenant_b, ROWS)


def _warm_get(client, path, params=None):
    """GET once to warm the key and plan caches, then again counting the SQL it sends."""
    client.get(path, params)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response, [q["sql"] for q in ctx.captured_queries]


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _deep_cursor(client) -> str:
    """The cursor after walking more than half of tenant A's customers, newest first."""
    response, _ = _warm_get(client, URL, {"cursor": "", "limit": 100})
    cursor = response.json()["nextCursor"]
    for _ in range(ROWS // 100 // 2):
        cursor = client.get(URL, {"cursor": cursor, "limit": 100}).json()["nextCursor"]
    return cursor


def test_a_cursor_page_is_one_statement_at_any_depth(alice_client, many):
    _, first = _warm_get(alice_client, URL, {"cursor": ""})
    deep_response, deep = _warm_get(alice_client, URL, {"cursor": _deep_cursor(alice_client)})
    assert len(first) == 1
    assert len(deep) == 1
    assert len(deep_response.json()["data"]) == 20


@pytest.mark.postgres_only
@pytest.mark.parametrize("sort", ["-createdAt", "createdAt", "lastName", "-email", "updatedAt"])
def test_a_deep_cursor_page_seeks_on_the_sorts_index(alice_client, many, sort):
    response, _ = _warm_get(alice_client, URL, {"cursor": "", "sort": sort, "limit": 100})
    cursor = response.json()["nextCursor"]
    for _ in range(ROWS // 100 // 2):
        cursor = alice_client.get(URL, {"cursor": cursor, "sort": sort, "limit": 100}).json()[
            "nextCursor"
        ]
    _, [sql] = _warm_get(alice_client, URL, {"cursor": cursor, "sort": sort})
    plan = _plan(sql)
    # The row comparison is an index bound (Index Cond), not a filter over skipped rows.
    assert "Index Cond: ((tenant_id = " in plan and "ROW(" in plan, plan
    # Which index: on a test-sized table PostgreSQL may take the sort's partial index or the
    # full (tenant, created_at, id) one with `deleted_at IS NULL` as a filter; both seek.
    assert "Index Scan" in plan or "Index Only Scan" in plan, plan
    assert "Sort" not in plan and "Seq Scan" not in plan, plan


def test_page_one_without_filters_counts_nothing(alice_client, many):
    response, statements = _warm_get(alice_client, URL)
    assert response.json()["total"] == ROWS
    assert len(statements) == 2  # the tenant's counter, then the page
    assert not any("COUNT(" in sql.upper() for sql in statements), statements


def test_with_a_filter_total_is_a_count_of_the_matches(alice_client, many):
    response, statements = _warm_get(alice_client, URL, {"search": "Surname7"})
    matches = sum(1 for i in range(ROWS) if str(i % 97).startswith("7"))
    assert response.json()["total"] == matches
    assert len(statements) == 2, statements  # the count, then the page
    assert "COUNT(" in statements[0].upper()


@pytest.fixture
def thirty_thousand(tenant_a):
    """Enough customers that reading all of the tenant's rows costs more than the index."""
    _bulk_sql(tenant_a, 30_000)


@pytest.mark.postgres_only
def test_search_is_answered_from_the_trigram_index(alice_client, thirty_thousand):
    # Django's icontains (UPPER(col::text) LIKE ...) could not use such an index at any size;
    # the query's expression must be the index's own (customers.search, migration 0010).
    # (One test for all the terms: each 30,000-row fixture leaves dead rows behind.)
    for term in [
        "person29876@",  # one word (with digits: the phone's branch too)
        "NAME29876",  # any case
        "Name29876 Surname",  # two words: the "first last" branch too
        "Name29876 \x1fSurname",  # holds the separator: the column-by-column branch too
    ]:
        response, statements = _warm_get(alice_client, URL, {"search": term})
        assert response.json()["total"] == 1, term
        assert len(statements) == 2, statements  # the COUNT, then the page
        for sql in statements:
            plan = _plan(sql)
            assert "Bitmap Index Scan on customer_search_text_trgm" in plan, plan
            assert "Seq Scan" not in plan, plan


@pytest.mark.postgres_only
def test_the_planner_estimates_a_terms_matches(alice_client, thirty_thousand):
    # What lets the planner choose between the trigram index and the list's own order by
    # itself: its estimate of a term's matches comes from the index expression's histogram.
    # With 100 entries, a term on 1 % of the customers could be in none of them and be taken
    # for 0.01 %: its page then read every match through the index and sorted them all.
    _, [count, _page] = _warm_get(alice_client, URL, {"search": "surname71"})
    matches = Customer.objects.filter(last_name="Surname71").count()
    assert 290 < matches < 330  # i % 97 == 71: 1 % of them
    scan = next(line for line in _plan(count).splitlines() if "on customers_customer" in line)
    estimate = int(re.search(r"rows=(\d+)", scan)[1])
    assert matches / 3 < estimate < matches * 3, scan


@pytest.mark.postgres_only
def test_the_search_index_keeps_a_thousand_entry_histogram():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute "
            "WHERE attrelid = 'customer_search_text_trgm'::regclass"
        )
        assert cursor.fetchall() == [(1000,)]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/customer/by-email/PERSON1500@example.COM",
        "/v1/customer/by-phone/+390600001500",
    ],
)
def test_a_lookup_by_email_or_phone_is_one_statement(alice_client, many, path):
    response, statements = _warm_get(alice_client, path)
    assert response.json()["firstName"] == "Name1500"
    assert len(statements) == 1


@pytest.mark.parametrize(
    "path",
    ["/churnkey/customers/email/person7@EXAMPLE.com", "/churnkey/customers/phone/0600000007"],
)
def test_churnkey_lookups_are_one_statement(many, tenant_a, key_a, path):
    _, statements = _warm_get(make_client(tenant_a, key_a[1], header=False), path)
    assert len(statements) == 1


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "path,index",
    [
        ("/v1/customer/by-email/PERSON1500@example.COM", "customer_unique_active_email_per_tenant"),
        ("/v1/customer/by-phone/+390600001500", "customer_unique_active_phone_per_tenant"),
    ],
)
def test_a_lookup_seeks_on_the_unique_index(alice_client, many, path, index):
    _, [sql] = _warm_get(alice_client, path)
    plan = _plan(sql)
    # A seek either way: an index scan, or (once the table has grown) a bitmap of one row.
    assert f"Index Scan using {index}" in plan or f"Bitmap Index Scan on {index}" in plan, plan
    assert "Sort" not in plan and "Seq Scan" not in plan, plan


@pytest.mark.postgres_only
def test_the_search_index_pending_list_is_bounded_at_one_megabyte():
    # Every search scans GIN's pending list until it is merged; 1 MB bounds that and keeps
    # bulk imports batched (migration 0009 has the measurements).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'customer_search_text_trgm'"
        )
        assert cursor.fetchone()[0] == ["fastupdate=on", "gin_pending_list_limit=1024"]
