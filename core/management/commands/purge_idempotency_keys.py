"""Delete stored Idempotency-Key responses older than the retention (24 h); run it from cron."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from core.idempotency import RETENTION, idempotency_records_purge


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than --hours (at least 24)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=int(RETENTION.total_seconds() // 3600))

    def handle(self, *args, hours: int, **options):
        deleted = idempotency_records_purge(older_than=timedelta(hours=hours))
        self.stdout.write(f"Deleted {deleted} idempotency record(s).")
