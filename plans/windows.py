"""Calendar windows in UTC, and the clock the limiter and usage reports read.

Windows are calendar-aligned (a minute, an hour, a day, an ISO week, a calendar month or
year, or eternity), so every process and server agrees on them without coordination.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from plans.models import Period

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def now() -> datetime:
    """The limiter's clock (tests freeze it by patching this function)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Window:
    """One calendar window of a period: [start, end). `end` is None for eternity."""

    period: str
    start: datetime
    end: datetime | None

    @property
    def seconds(self) -> int | None:
        """The window's length (a calendar month or year varies), None for eternity."""
        return None if self.end is None else int((self.end - self.start).total_seconds())

    def reset_in(self, now: datetime) -> int | None:
        """Whole seconds until the window ends, rounded up so waiting that long is enough."""
        if self.end is None:
            return None
        return max(1, math.ceil((self.end - now).total_seconds()))

    @property
    def start_ts(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_ts(self) -> int | None:
        return None if self.end is None else int(self.end.timestamp())


def window_for(period: str, now: datetime) -> Window:
    """The UTC calendar window containing `now`: minute, hour and day boundaries, ISO weeks
    starting Monday, calendar months and years; eternity never resets."""
    now = now.astimezone(UTC)
    if period == Period.MINUTE:
        start = now.replace(second=0, microsecond=0)
        return Window(period, start, start + timedelta(minutes=1))
    if period == Period.HOUR:
        start = now.replace(minute=0, second=0, microsecond=0)
        return Window(period, start, start + timedelta(hours=1))
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == Period.DAY:
        return Window(period, day, day + timedelta(days=1))
    if period == Period.WEEK:
        start = day - timedelta(days=day.weekday())
        return Window(period, start, start + timedelta(days=7))
    if period == Period.MONTH:
        start = day.replace(day=1)
        end = (
            start.replace(year=start.year + 1, month=1)
            if start.month == 12
            else start.replace(month=start.month + 1)
        )
        return Window(period, start, end)
    if period == Period.YEAR:
        start = day.replace(month=1, day=1)
        return Window(period, start, start.replace(year=start.year + 1))
    if period == Period.ETERNITY:
        return Window(period, EPOCH, None)
    raise ValueError(f"unknown period {period!r}")


def hour_start(now: datetime) -> datetime:
    """The start of the UTC hour containing `now`: usage is kept per hour."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
