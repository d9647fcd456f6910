"""PostgreSQL: the search trigram index keeps at most 1 MB of not-yet-merged entries.

GIN's fast update puts new entries in a pending list that every search scans in full until
VACUUM merges it or it outgrows `gin_pending_list_limit` (4 MB by default; autovacuum may
be off or slow). Measured on the bench database (1M customers): turning fast update off
made each imported row cost the PostgreSQL backend ~180 µs instead of ~100 (the import fell
below 5,000 rows/s), while a 1 MB list kept the import at 5,480-5,560 rows/s and a search
count after 3,000 fresh inserts at its usual ~9 ms (a full 4 MB list: 9 -> 16 ms)."""

from django.db import migrations

INDEX = "customer_search_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER INDEX {INDEX} SET (fastupdate = on, gin_pending_list_limit = 1024)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {INDEX} RESET (fastupdate, gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_customer_erased_at"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
