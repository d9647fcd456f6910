"""The one rule for datetimes a client sends (list filters, cursors): only values that every
database we run on can compare against, normalised to UTC."""

from datetime import UTC, datetime, timedelta

# PostgreSQL refuses a larger offset ("time zone displacement out of range"); Python allows 23:59.
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)
MSG_NAIVE = "The date-time needs a time-zone offset."
MSG_OFFSET = "The time-zone offset must be between -15:59 and +15:59."
MSG_RANGE = "The date-time must fall between the years 1 and 9999 in UTC."


def storable_datetime(value: datetime) -> datetime:
    """`value` in UTC. ValueError (with one of the messages above) for a naive value, an offset
    beyond ±15:59, or a value outside years 1-9999 once in UTC (Python's own range, narrower
    than PostgreSQL's, so SQLite and PostgreSQL refuse the same inputs)."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(MSG_NAIVE)
    if abs(offset) > MAX_UTC_OFFSET:
        raise ValueError(MSG_OFFSET)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(MSG_RANGE) from exc
