"""PostgreSQL: a pg_trgm GIN index for `search=` (a substring of a name, the email or the
phone), which the search filter queries as `column ILIKE '%term%'` (core.expressions).
SQLite has no such index: its search stays a scan."""

from django.db import migrations

INDEX = "customer_search_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer USING gin ("
        "first_name gin_trgm_ops, last_name gin_trgm_ops, email gin_trgm_ops, phone gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_tenantcounter_triggers"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
