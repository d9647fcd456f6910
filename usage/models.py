"""Usage written to the database: requests per application (and key) per metric per hour.

Counting happens in the limiter (plans.limiter / plans.usage_store, in Redis); the flush in
usage.services moves the counts here, and usage.selectors reads both.
"""

from django.db import models


class UsageRecord(models.Model):
    """Requests per application (and per key) per metric per UTC hour.

    Rows with no key are the application's totals; rows with a key break them down. The flush
    adds to a row with an upsert, so the database, not Python, decides concurrent flushes.
    """

    application = models.ForeignKey(
        "apikeys.Application", on_delete=models.CASCADE, related_name="usage_records"
    )
    key = models.ForeignKey(
        "apikeys.ApiKey",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="usage_records",
        help_text="Empty on the application's total rows.",
    )
    metric = models.CharField(max_length=32)
    hour = models.DateTimeField(help_text="Start of the UTC hour.")
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "plans_usagerecord"  # created by the plans app; the model moved here
        ordering = ["application", "hour", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "metric", "hour"],
                condition=models.Q(key__isnull=True),
                name="usage_app_metric_hour_unique",
            ),
            models.UniqueConstraint(
                fields=["application", "key", "metric", "hour"],
                condition=models.Q(key__isnull=False),
                name="usage_key_metric_hour_unique",
            ),
        ]
        # Staff analytics read every application's totals of one metric over a time range.
        indexes = [
            models.Index(
                fields=["metric", "hour"],
                condition=models.Q(key__isnull=True),
                name="usage_totals_metric_hour_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.hour:%Y-%m-%d %H}:00 = {self.count}"
