"""What POST /v1/customer costs: one transaction of at most four SQL statements (the active
count is kept by a trigger inside the INSERT, not by another statement)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from customers.selectors import customer_active_count

# Real transactions, so BEGIN and COMMIT are what the request itself sends; the flush at
# the end takes the seeded plans, which serialized_rollback brings back for the next test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_create_is_one_transaction_of_at_most_four_statements(alice_client, tenant_a):
    alice_client.get("/v1/customer/paged?cursor=")  # warm the key and plan caches
    with CaptureQueriesContext(connection) as ctx:
        response = alice_client.post(
            "/v1/customer", {"firstName": "Ada", "email": "ada@example.com"}, format="json"
        )
    assert response.status_code == 201, response.content
    statements = [q["sql"] for q in ctx.captured_queries]
    assert len(statements) <= 4, statements
    inserts = [sql for sql in statements if sql.startswith('INSERT INTO "customers_customer"')]
    assert len(inserts) == 1, statements
    if connection.vendor == "postgresql":  # SQLite's BEGIN is not sent through a cursor
        assert [statements[0], statements[-1]] == ["BEGIN", "COMMIT"], statements
        assert sum(sql in {"BEGIN", "COMMIT"} for sql in statements) == 2, statements
    assert customer_active_count(tenant=tenant_a) == Customer.objects.count() == 1
