"""PostgreSQL: the search trigram index takes each new customer at once (fastupdate off).

With GIN's default fastupdate, inserts go to a pending list that every search must scan in
full until VACUUM or a 4 MB overflow merges it: after ~10,000 creates the bench's search p50
went from 101 ms to 568-690 ms (bench/RESULTS.md, 2026-11-30 13:33). Without it an insert
costs ~0.08 ms more (measured: 0.27-0.29 -> 0.36-0.38 ms median), and searches cost the same
however many customers were just created."""

from django.db import migrations

INDEX = "customer_search_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX {INDEX} SET (fastupdate = off)")
    schema_editor.execute(f"SELECT gin_clean_pending_list('{INDEX}'::regclass)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {INDEX} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_customer_erased_at"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
