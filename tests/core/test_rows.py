"""core.db.rows.RowReader gives what the ORM gives for the same row."""

import pytest

from core.db.rows import RowReader
from customers.models import Customer
from customers.services import customer_create

pytestmark = pytest.mark.django_db


def test_a_row_read_is_the_model_instance_the_orm_reads(tenant_a):
    made = customer_create(
        tenant=tenant_a,
        data={"first_name": "Ada", "email": "ada@example.com", "metadata": {"a": [1, {"b": None}]}},
    )
    reader = RowReader(Customer, '"tenant_id" = %s AND "id" = %s')
    read = reader.first([tenant_a.pk, reader.db_value("id", made.pk)])
    orm = Customer.objects.get(pk=made.pk)
    fields = [f.attname for f in Customer._meta.concrete_fields]
    assert {f: getattr(read, f) for f in fields} == {f: getattr(orm, f) for f in fields}
    assert read.metadata == {"a": [1, {"b": None}]}
    assert read.created_at.tzinfo is not None
    assert not read._state.adding and read._state.db == orm._state.db


def test_no_row_is_none(tenant_a, tenant_b):
    made = customer_create(tenant=tenant_a, data={"first_name": "Ada"})
    reader = RowReader(Customer, '"tenant_id" = %s AND "id" = %s')
    assert reader.first([tenant_b.pk, reader.db_value("id", made.pk)]) is None


@pytest.mark.postgres_only
def test_on_postgresql_the_read_is_prepared_once_per_connection(tenant_a):
    """PostgreSQL plans a prepared read once per connection, not on every request
    (core.db.postgresql.prepared_cursor); Django's own queries stay unprepared."""
    from django.db import connection

    made = customer_create(tenant=tenant_a, data={"first_name": "Ada"})
    reader = RowReader(Customer, '"tenant_id" = %s AND "id" = %s')

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    before = prepared()
    for _ in range(3):
        assert reader.first([tenant_a.pk, reader.db_value("id", made.pk)]).pk == made.pk
    Customer.objects.filter(pk=made.pk).count()
    new = [sql for sql in prepared() if sql not in before]
    assert len(new) == 1, new  # the read, once; not the ORM's count
    assert new[0].startswith('SELECT "id"') and '"tenant_id" = $1 AND "id" = $2' in new[0]
