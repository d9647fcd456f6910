"""Counting what a request costs: SQL statements (Django's own capture) and Redis round trips."""

import pytest
import redis.client


class RoundTrips:
    """Counts commands sent to the real Redis: one per execute_command, one per pipeline."""

    def __init__(self):
        self.commands: list[str] = []

    def __len__(self):
        return len(self.commands)


@pytest.fixture
def redis_round_trips(monkeypatch):
    trips = RoundTrips()
    plain = redis.client.Redis.execute_command
    piped = redis.client.Pipeline.execute

    def execute_command(self, *args, **options):
        if not isinstance(self, redis.client.Pipeline):
            trips.commands.append(str(args[0]))
        return plain(self, *args, **options)

    def execute(self, *args, **kwargs):
        trips.commands.append(
            "PIPELINE[" + ",".join(str(c[0][0]) for c in self.command_stack) + "]"
        )
        return piped(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Redis, "execute_command", execute_command)
    monkeypatch.setattr(redis.client.Pipeline, "execute", execute)
    return trips
