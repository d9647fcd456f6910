"""Triggers that keep customers_tenantcounter exact (customers.counting), and the first count."""

from django.db import migrations

from customers import counting


def forwards(apps, schema_editor):
    counting.install(schema_editor.connection)


def backwards(apps, schema_editor):
    counting.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_active_indexes_and_counter"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
