"""Deliver webhooks until SIGTERM/SIGINT; run as many as you like (they share the work)."""

import signal

from django.core.management.base import BaseCommand

from events.worker import Worker


class Command(BaseCommand):
    help = "Deliver due webhook events (stops gracefully on SIGTERM or Ctrl-C)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=10, help="Rows claimed at a time.")
        parser.add_argument(
            "--poll-interval", type=float, default=1.0, help="Seconds to wait when idle."
        )
        parser.add_argument("--once", action="store_true", help="Deliver what is due, then exit.")

    def handle(self, *args, batch, poll_interval, once, **options):
        worker = Worker(batch=batch, poll_interval=poll_interval)
        if once:
            self.stdout.write(f"{worker.run_once()} delivery attempt(s)")
            return

        def stop(signum, frame):
            self.stderr.write(f"signal {signum}: finishing the delivery in flight, then exiting")
            worker.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("webhook worker started")
        worker.run_forever()
        self.stdout.write("webhook worker stopped")
