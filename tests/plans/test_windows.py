"""Window arithmetic for every period: UTC calendar boundaries, ISO weeks, months, eternity."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from plans import limiter
from plans.limiter import LimitSpec
from plans.windows import EPOCH, window_for


def dt(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "now", "start", "end"),
    [
        ("minute", dt(2026, 3, 5, 10, 7, 59, 999999), dt(2026, 3, 5, 10, 7), dt(2026, 3, 5, 10, 8)),
        ("minute", dt(2026, 3, 5, 10, 7), dt(2026, 3, 5, 10, 7), dt(2026, 3, 5, 10, 8)),
        ("hour", dt(2026, 3, 5, 23, 59, 1), dt(2026, 3, 5, 23), dt(2026, 3, 6)),
        ("day", dt(2026, 12, 31, 23, 59), dt(2026, 12, 31), dt(2027, 1, 1)),
        # ISO weeks start on Monday: Thu 1 Jan 2026 belongs to the week of Mon 29 Dec 2025.
        ("week", dt(2026, 1, 1, 12), dt(2025, 12, 29), dt(2026, 1, 5)),
        ("week", dt(2026, 1, 4, 23, 59, 59), dt(2025, 12, 29), dt(2026, 1, 5)),
        ("week", dt(2026, 1, 5), dt(2026, 1, 5), dt(2026, 1, 12)),
        ("month", dt(2024, 2, 29, 8), dt(2024, 2, 1), dt(2024, 3, 1)),
        ("month", dt(2026, 12, 15), dt(2026, 12, 1), dt(2027, 1, 1)),
        ("year", dt(2026, 7, 1), dt(2026, 1, 1), dt(2027, 1, 1)),
        ("year", dt(2026, 12, 31, 23, 59, 59), dt(2026, 1, 1), dt(2027, 1, 1)),
    ],
)
def test_window_is_the_utc_calendar_window_containing_now(period, now, start, end):
    window = window_for(period, now)
    assert (window.start, window.end) == (start, end)
    assert window.start <= now < window.end


def test_eternity_never_resets():
    window = window_for("eternity", dt(2026, 3, 5))
    assert window.start == EPOCH
    assert window.end is None
    assert window.seconds is None
    assert window.reset_in(dt(2026, 3, 5)) is None


def test_windows_are_computed_in_utc_whatever_the_input_zone():
    rome = timezone(timedelta(hours=1))
    # 00:30 in Rome on 1 March is still 28 February in UTC.
    window = window_for("day", datetime(2026, 3, 1, 0, 30, tzinfo=rome))
    assert window.start == dt(2026, 2, 28)


@pytest.mark.parametrize(
    ("period", "seconds"),
    [("minute", 60), ("hour", 3600), ("day", 86400), ("week", 7 * 86400)],
)
def test_fixed_windows_have_fixed_lengths(period, seconds):
    assert window_for(period, dt(2026, 5, 17, 13, 45)).seconds == seconds


def test_calendar_windows_have_their_calendar_length():
    assert window_for("month", dt(2024, 2, 10)).seconds == 29 * 86400
    assert window_for("month", dt(2026, 4, 10)).seconds == 30 * 86400
    assert window_for("year", dt(2024, 6, 1)).seconds == 366 * 86400


def test_reset_is_rounded_up_to_whole_seconds():
    window = window_for("minute", dt(2026, 3, 5, 10, 7))
    assert window.reset_in(dt(2026, 3, 5, 10, 7, 59, 500000)) == 1
    assert window.reset_in(dt(2026, 3, 5, 10, 7, 0)) == 60
    assert window.reset_in(dt(2026, 3, 5, 10, 7, 17, 1)) == 43


def test_unknown_period_is_refused():
    with pytest.raises(ValueError):
        window_for("fortnight", dt(2026, 1, 1))


# --- The same arithmetic, enforced by each limiter backend ------------------------------------

FUTURE = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)


@pytest.mark.parametrize("period", ["minute", "hour", "day", "week", "month", "year"])
def test_a_full_counter_frees_up_exactly_when_its_window_ends(backend, period):
    limit = LimitSpec("hits", period, 2)
    window = window_for(period, FUTURE)
    last_instant = window.end - timedelta(microseconds=1)

    def hit(at):
        return limiter.hit(
            application_id=f"w-{period}", key_id=None, limits=[limit], metrics=[], at=at
        )

    assert hit(window.start).allowed
    assert hit(FUTURE).allowed
    refused = hit(last_instant)
    assert not refused.allowed
    assert refused.retry_after == 1
    assert hit(window.end).allowed  # the first instant of the next window


def test_an_eternity_limit_never_frees_up(backend):
    limit = LimitSpec("hits", "eternity", 1)

    def hit(at):
        return limiter.hit(
            application_id="w-eternity", key_id=None, limits=[limit], metrics=[], at=at
        )

    assert hit(FUTURE).allowed
    refused = hit(FUTURE + timedelta(days=3650))
    assert not refused.allowed
    assert refused.retry_after is None
