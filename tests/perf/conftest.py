"""Counting what a request costs: SQL statements (Django's own capture) and Redis round trips."""

import re

import pytest
from redis.connection import AbstractConnection

_NAME = re.compile(rb"\*\d+\r\n\$\d+\r\n([^\r]+)\r\n")


class RoundTrips:
    """What was written to the real Redis, one entry per write: a command (`EVALSHA`), or
    `PIPELINE[GET,SET]` for commands sent together. Counted at the socket, so a command sent
    past redis-py's client layer (plans.limiter's own connection) counts the same."""

    def __init__(self):
        self.commands: list[str] = []

    def __len__(self):
        return len(self.commands)


@pytest.fixture
def redis_round_trips(monkeypatch):
    trips = RoundTrips()
    send = AbstractConnection.send_packed_command

    def send_packed_command(self, command, *args, **kwargs):
        data = command if isinstance(command, bytes | str) else b"".join(command)
        data = data.encode() if isinstance(data, str) else data
        names = [name.decode().upper() for name in _NAME.findall(data)]
        trips.commands.append(names[0] if len(names) == 1 else f"PIPELINE[{','.join(names)}]")
        return send(self, command, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", send_packed_command)
    return trips
