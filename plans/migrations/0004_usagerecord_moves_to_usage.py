from django.db import migrations


class Migration(migrations.Migration):
    """UsageRecord moved to the usage app; its table (plans_usagerecord) stays as it is."""

    dependencies = [
        ("plans", "0003_usage_records"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="UsageRecord")],
            database_operations=[],
        ),
    ]
