"""Move pending usage counts from Redis to the database now (cron-friendly)."""

import json

from django.core.management.base import BaseCommand

from usage.services import usage_flush


class Command(BaseCommand):
    help = 'Flush usage buckets from Redis to the database; prints {"hits_written": N}.'

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait", type=float, default=30.0, help="Seconds to wait for a running flush."
        )

    def handle(self, *args, wait, **options):
        self.stdout.write(json.dumps({"hits_written": usage_flush(wait=wait)}))
