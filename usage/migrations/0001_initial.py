import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Takes over UsageRecord from the plans app: state only, the table already exists."""

    initial = True

    dependencies = [
        ("apikeys", "0002_applications"),
        ("plans", "0004_usagerecord_moves_to_usage"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="UsageRecord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("metric", models.CharField(max_length=32)),
                        ("hour", models.DateTimeField(help_text="Start of the UTC hour.")),
                        ("count", models.PositiveBigIntegerField(default=0)),
                        ("application", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="usage_records", to="apikeys.application")),
                        ("key", models.ForeignKey(blank=True, help_text="Empty on the application's total rows.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name="usage_records", to="apikeys.apikey")),
                    ],
                    options={
                        "db_table": "plans_usagerecord",
                        "ordering": ["application", "hour", "metric"],
                        "constraints": [
                            models.UniqueConstraint(condition=models.Q(("key__isnull", True)), fields=("application", "metric", "hour"), name="usage_app_metric_hour_unique"),
                            models.UniqueConstraint(condition=models.Q(("key__isnull", False)), fields=("application", "key", "metric", "hour"), name="usage_key_metric_hour_unique"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
