"""Tests for the desk's working-day calendar: closures, arithmetic, the notification window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.calendar import (
    BRUSSELS,
    DEFAULT_CLOSING_DAYS,
    ClosingDay,
    WorkCalendar,
    local_date,
)

CALENDAR = WorkCalendar()

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def naive_between(calendar: WorkCalendar, start: date, end: date) -> int:
    """Working days in (start, end], counted one day at a time."""
    if end < start:
        return -naive_between(calendar, end, start)
    days = (end - start).days
    return sum(calendar.is_working_day(start + timedelta(days=i)) for i in range(1, days + 1))


# ETA → the first day a notification is accepted, with the closure it has to step over.
WINDOW_CASES = [
    (date(2023, 5, 16), date(2023, 5, 9)),  # Tuesday → Tuesday before, over a weekend
    (date(2023, 4, 11), date(2023, 4, 3)),  # Easter Monday 2023-04-10
    (date(2024, 4, 2), date(2024, 3, 25)),  # Easter Monday 2024-04-01 (Good Friday is worked)
    (date(2023, 4, 10), date(2023, 3, 31)),  # ETA on Easter Monday itself
    (date(2023, 5, 23), date(2023, 5, 15)),  # Ascension 2023-05-18
    (date(2023, 5, 30), date(2023, 5, 22)),  # Whit Monday 2023-05-29
    (date(2023, 5, 2), date(2023, 4, 24)),  # Labour Day 2023-05-01
    (date(2023, 7, 13), date(2023, 7, 5)),  # 11 July, Day of the Flemish Community
    (date(2023, 7, 25), date(2023, 7, 17)),  # National Day 2023-07-21
    (date(2023, 8, 16), date(2023, 8, 8)),  # Assumption 2023-08-15
    (date(2023, 11, 2), date(2023, 10, 25)),  # All Saints 2023-11-01
    (date(2024, 11, 12), date(2024, 11, 4)),  # Armistice 2024-11-11
    (date(2024, 1, 2), date(2023, 12, 22)),  # Christmas and New Year, across the year boundary
]


@pytest.mark.parametrize(("eta", "opens"), WINDOW_CASES)
def test_window_opens_five_working_days_before_eta(eta: date, opens: date) -> None:
    """The window opens five Belgian working days before the ETA, skipping every closure."""
    assert CALENDAR.window_opens(eta) == opens
    assert CALENDAR.subtract_working_days(eta, 5) == opens
    assert CALENDAR.working_days_between(opens, eta) == 5


@pytest.mark.parametrize(("eta", "opens"), WINDOW_CASES)
def test_too_early_is_the_day_before_the_window(eta: date, opens: date) -> None:
    """A notification the working day before the window opens is more than 5 days early."""
    day_before = opens - timedelta(days=1)
    assert CALENDAR.working_days_between(day_before, eta) > 5
    assert CALENDAR.working_days_between(opens, eta) == 5


def test_window_lead_is_configurable() -> None:
    """A different lead counts that many working days back instead of five."""
    assert CALENDAR.window_opens(date(2023, 5, 16), lead_working_days=1) == date(2023, 5, 15)
    assert CALENDAR.window_opens(date(2023, 5, 16), lead_working_days=0) == date(2023, 5, 16)


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2023, 5, 13), "Saturday"),
        (date(2023, 5, 14), "Sunday"),
        (date(2023, 4, 10), "Easter Monday (public holiday)"),
        (date(2023, 5, 18), "Ascension Day (public holiday)"),
        (date(2023, 12, 25), "Christmas Day (public holiday)"),
        (date(2023, 7, 11), "Day of the Flemish Community (desk closed)"),
        (date(2023, 5, 16), None),
        (date(2023, 4, 7), None),  # Good Friday is a working day in Belgium
    ],
)
def test_why_closed_names_the_reason(day: date, reason: str | None) -> None:
    """Each closed day says why (weekend, public holiday, desk closure); working days say None."""
    assert CALENDAR.why_closed(day) == reason
    assert CALENDAR.is_working_day(day) is (reason is None)


def test_default_closing_days_are_eleven_july_every_year() -> None:
    """The desk closes on 11 July every year and on no other day of its own by default."""
    assert len(DEFAULT_CLOSING_DAYS) == 1
    assert DEFAULT_CLOSING_DAYS[0] == ClosingDay(7, 11, name="Day of the Flemish Community")
    for year in (2023, 2024, 2031):
        assert not CALENDAR.is_working_day(date(year, 7, 11))


def test_without_closing_days_eleven_july_is_worked() -> None:
    """A calendar without the desk's closing days works on 11 July."""
    assert WorkCalendar(closing_days=()).is_working_day(date(2023, 7, 11))


def test_one_off_closing_day_applies_to_its_year_only() -> None:
    """A closing day with a year closes that date once, not in other years."""
    calendar = WorkCalendar([ClosingDay(12, 27, 2023, "Year-end closure")])
    assert calendar.why_closed(date(2023, 12, 27)) == "Year-end closure (desk closed)"
    assert calendar.is_working_day(date(2024, 12, 27))
    assert calendar.working_days_between(date(2023, 12, 26), date(2023, 12, 28)) == 1


def test_closing_day_without_name_still_explains() -> None:
    """An unnamed closing day is reported as a closing day."""
    calendar = WorkCalendar([ClosingDay(6, 14)])
    assert calendar.why_closed(date(2023, 6, 14)) == "closing day (desk closed)"


def test_yearly_closing_on_29_february_only_in_leap_years() -> None:
    """A yearly closing day on 29 February closes leap years and is no error otherwise."""
    calendar = WorkCalendar([ClosingDay(2, 29, name="Leap day")])
    assert not calendar.is_working_day(date(2024, 2, 29))
    assert calendar.working_days_between(date(2023, 2, 27), date(2023, 3, 1)) == 2


@pytest.mark.parametrize(("month", "day", "year"), [(2, 30, None), (13, 1, None), (2, 29, 2023)])
def test_impossible_closing_day_is_rejected(month: int, day: int, year: int | None) -> None:
    """A closing day that can never occur is refused when it is made."""
    with pytest.raises(ValueError, match=r"day|month"):
        ClosingDay(month, day, year)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2023, 5, 12), 1, date(2023, 5, 15)),  # Friday + 1 → Monday
        (date(2023, 5, 13), 1, date(2023, 5, 15)),  # Saturday + 1 → Monday
        (date(2023, 5, 12), 0, date(2023, 5, 12)),
        (date(2023, 4, 6), 2, date(2023, 4, 11)),  # over Easter Monday
        (date(2023, 12, 22), 1, date(2023, 12, 26)),  # over Christmas
        (date(2023, 12, 29), 1, date(2024, 1, 2)),  # over New Year
        (date(2023, 7, 10), 1, date(2023, 7, 12)),  # over 11 July
        (date(2023, 1, 2), 250, date(2023, 12, 29)),  # 251 working days in 2023
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    """Adding n working days lands on the n-th working day after the start."""
    assert CALENDAR.add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2023, 5, 15), 1, date(2023, 5, 12)),  # Monday - 1 → Friday
        (date(2023, 4, 11), 1, date(2023, 4, 7)),  # over Easter Monday
        (date(2024, 1, 2), 1, date(2023, 12, 29)),  # over New Year
        (date(2023, 5, 13), 0, date(2023, 5, 12)),  # a Saturday: the last working day before
        (date(2023, 12, 27), 250, date(2022, 12, 29)),
    ],
)
def test_subtract_working_days(start: date, n: int, expected: date) -> None:
    """Subtracting n working days lands on the working day n working days before."""
    assert CALENDAR.subtract_working_days(start, n) == expected


def test_negative_counts_are_refused() -> None:
    """Adding or subtracting a negative number of working days is a caller error."""
    with pytest.raises(ValueError, match="n must be"):
        CALENDAR.add_working_days(date(2023, 5, 16), -1)
    with pytest.raises(ValueError, match="n must be"):
        CALENDAR.subtract_working_days(date(2023, 5, 16), -1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2023, 5, 16), date(2023, 5, 16), 0),
        (date(2023, 5, 12), date(2023, 5, 15), 1),
        (date(2023, 5, 15), date(2023, 5, 12), -1),
        (date(2023, 4, 6), date(2023, 4, 11), 2),
        (date(2022, 12, 31), date(2023, 12, 31), 251),
        (date(2023, 12, 31), date(2024, 12, 31), 252),
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    """Working days after the start up to and including the end; negative when reversed."""
    assert CALENDAR.working_days_between(start, end) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2023, 5, 16), date(2023, 5, 16)),
        (date(2023, 5, 13), date(2023, 5, 15)),
        (date(2023, 4, 8), date(2023, 4, 11)),  # Easter Saturday → Tuesday
        (date(2023, 12, 30), date(2024, 1, 2)),
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    """The next working day is the day itself when worked, else the first worked day after."""
    assert CALENDAR.next_working_day(day) == expected


def test_calendar_closed_all_year_fails_loudly() -> None:
    """A calendar with no working day left raises instead of looping forever."""
    every_day = [ClosingDay(m, d) for m in range(1, 13) for d in range(1, 32) if _exists(m, d)]
    with pytest.raises(ValueError, match="no working day"):
        WorkCalendar(every_day).next_working_day(date(2023, 5, 16))


def _exists(month: int, day: int) -> bool:
    try:
        date(2000, month, day)
    except ValueError:
        return False
    return True


def test_long_spans_are_counted_exactly() -> None:
    """Spans of decades agree with a day-by-day count (the fast path has no drift)."""
    start, end = date(2001, 3, 3), date(2049, 10, 17)
    expected = naive_between(CALENDAR, start, end)
    assert CALENDAR.working_days_between(start, end) == expected
    assert CALENDAR.add_working_days(start, expected) == CALENDAR.subtract_working_days(end, 0)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2023, 5, 16, 23, 30, tzinfo=UTC), date(2023, 5, 17)),  # CEST, +2
        (datetime(2023, 12, 31, 23, 30, tzinfo=UTC), date(2024, 1, 1)),  # CET, +1
        (datetime(2023, 12, 31, 22, 59, tzinfo=UTC), date(2023, 12, 31)),
        (datetime(2023, 5, 17, 1, 0, tzinfo=ZoneInfo("America/New_York")), date(2023, 5, 17)),
        (datetime(2023, 5, 16, 23, 59), date(2023, 5, 16)),  # naive: already Brussels time
    ],
)
def test_local_date_is_the_brussels_date(moment: datetime, expected: date) -> None:
    """The desk's date of a moment is its calendar date in Europe/Brussels."""
    assert local_date(moment) == expected


def test_brussels_zone() -> None:
    """The desk's time zone is Europe/Brussels."""
    assert str(BRUSSELS) == "Europe/Brussels"


@settings(max_examples=300, deadline=None)
@given(start=dates, n=st.integers(min_value=0, max_value=400))
def test_add_then_subtract_returns_a_working_day_not_after_start(start: date, n: int) -> None:
    """Subtracting what was added gives a working day no later than the start."""
    back = CALENDAR.subtract_working_days(CALENDAR.add_working_days(start, n), n)
    assert CALENDAR.is_working_day(back)
    assert back <= start
    if CALENDAR.is_working_day(start):
        assert back == start


@settings(max_examples=300, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=400))
def test_add_lands_on_a_working_day_n_days_on(start: date, n: int) -> None:
    """Adding n working days lands on a working day with exactly n working days in between."""
    end = CALENDAR.add_working_days(start, n)
    assert CALENDAR.is_working_day(end)
    assert CALENDAR.working_days_between(start, end) == n
    assert CALENDAR.working_days_between(start, end - timedelta(days=1)) == n - 1


@settings(max_examples=200, deadline=None)
@given(start=dates, span=st.integers(min_value=-3 * 366, max_value=3 * 366))
def test_working_days_between_agrees_with_naive_count(start: date, span: int) -> None:
    """The fast count equals a day-by-day count over spans of up to three years either way."""
    end = start + timedelta(days=span)
    assert CALENDAR.working_days_between(start, end) == naive_between(CALENDAR, start, end)


@settings(max_examples=300, deadline=None)
@given(today=dates, eta=dates)
def test_too_early_rule_matches_the_window(today: date, eta: date) -> None:
    """today < window_opens(eta) exactly when more than 5 working days separate today and ETA."""
    assert (today < CALENDAR.window_opens(eta)) == (CALENDAR.working_days_between(today, eta) > 5)
