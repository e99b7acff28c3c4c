"""The desk's working-day calendar: Belgian working days in the Europe/Brussels time zone.

A day is a working day unless it is a Saturday or Sunday, a Belgian public holiday, or a day
the desk itself is closed (11 July, the Day of the Flemish Community, by default).

Public holidays come from the maintained ``holidays`` package rather than a list of our own:
three of them move with Easter (Easter Monday, Ascension, Whit Monday), the law can add or
move a day, and a hand-kept table silently goes stale the first January nobody updates it.
The desk's own closing days are data (``ClosingDay``) because they are the desk's choice.

Working-day arithmetic counts weekdays with closed form arithmetic and subtracts the closed
weekdays found by bisection in per-year sorted tables, so a span of years costs a handful of
look-ups, not a walk over every day.
"""

from __future__ import annotations

import bisect
import calendar as _gregorian
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BRUSSELS = ZoneInfo("Europe/Brussels")

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A run of closed days longer than this means the calendar is misconfigured, not a holiday.
_MAX_CLOSED_RUN_DAYS = 366


@dataclass(frozen=True, slots=True)
class ClosingDay:
    """A day the desk is closed: every year when ``year`` is None, else that year only."""

    month: int
    day: int
    year: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        # A leap year admits every month/day pair that exists at all (29 February).
        date(self.year if self.year is not None else 2000, self.month, self.day)

    def in_year(self, year: int) -> date | None:
        """The date this closing day falls on in ``year``, or None when it does not occur."""
        if self.year is not None and self.year != year:
            return None
        if self.month == 2 and self.day == 29 and not _gregorian.isleap(year):
            return None
        return date(year, self.month, self.day)


DEFAULT_CLOSING_DAYS: tuple[ClosingDay, ...] = (
    ClosingDay(month=7, day=11, name="Day of the Flemish Community"),
)


@lru_cache(maxsize=512)
def _public_holidays(year: int) -> Mapping[date, str]:
    """Belgian public holidays of ``year`` with their English names."""
    found = holidays.country_holidays("BE", years=year, language="en_US")
    return {day: str(name) for day, name in found.items() if day.year == year}


def _weekdays_up_to(ordinal: int) -> int:
    """How many Mondays to Fridays there are in proleptic ordinals 1..ordinal (1 is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return 5 * weeks + min(rest, 5)


def _nth_weekday(count: int) -> int:
    """The ordinal of the ``count``-th weekday (the inverse of ``_weekdays_up_to``)."""
    weeks, rest = divmod(count - 1, 5)
    return 7 * weeks + rest + 1


class WorkCalendar:
    """Belgian working days for the desk: weekends, public holidays and closing days excluded.

    Instances cache one small table per year and are safe to share between threads (a race
    only computes the same table twice).
    """

    def __init__(self, closing_days: Iterable[ClosingDay] = DEFAULT_CLOSING_DAYS) -> None:
        self._closing_days = tuple(closing_days)
        self._closed_by_year: dict[int, tuple[int, ...]] = {}

    def __repr__(self) -> str:
        return f"WorkCalendar(closing_days={self._closing_days!r})"

    def _closing_day_name(self, day: date) -> str | None:
        for closing in self._closing_days:
            if closing.in_year(day.year) == day:
                return closing.name or "closing day"
        return None

    def _closed_weekdays(self, year: int) -> tuple[int, ...]:
        """Sorted ordinals of the Mondays to Fridays of ``year`` that are not working days."""
        cached = self._closed_by_year.get(year)
        if cached is not None:
            return cached
        days = set(_public_holidays(year))
        days.update(d for c in self._closing_days if (d := c.in_year(year)) is not None)
        table = tuple(sorted(d.toordinal() for d in days if d.weekday() < 5))
        self._closed_by_year[year] = table
        return table

    def _closed_between(self, start: date, end: date) -> int:
        """Closed weekdays d with start < d <= end (start <= end)."""
        low, high = start.toordinal(), end.toordinal()
        total = 0
        for year in range(start.year, end.year + 1):
            table = self._closed_weekdays(year)
            total += bisect.bisect_right(table, high) - bisect.bisect_right(table, low)
        return total

    def is_working_day(self, day: date) -> bool:
        """True when the desk works on ``day``."""
        if day.weekday() >= 5:
            return False
        table = self._closed_weekdays(day.year)
        index = bisect.bisect_left(table, day.toordinal())
        return index == len(table) or table[index] != day.toordinal()

    def why_closed(self, day: date) -> str | None:
        """Why the desk is closed on ``day`` ("Saturday", "Easter Monday (public holiday)")."""
        if day.weekday() >= 5:
            return _WEEKDAY_NAMES[day.weekday()]
        holiday = _public_holidays(day.year).get(day)
        if holiday is not None:
            return f"{holiday} (public holiday)"
        closing = self._closing_day_name(day)
        if closing is not None:
            return f"{closing} (desk closed)"
        return None

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end; negative (the same count) when end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        weekdays = _weekdays_up_to(end.toordinal()) - _weekdays_up_to(start.toordinal())
        return weekdays - self._closed_between(start, end)

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (``day`` itself when n is 0)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        result, missing = day, n
        # Jump over weekdays in one step, then again over the closed weekdays the jump crossed.
        while missing > 0:
            target = date.fromordinal(_nth_weekday(_weekdays_up_to(result.toordinal()) + missing))
            missing = self._closed_between(result, target)
            result = target
        return result

    def subtract_working_days(self, day: date, n: int) -> date:
        """The working day with exactly n working days after it up to and including ``day``."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        result, missing = day, n
        while missing > 0:
            # The weekday with exactly `missing` weekdays in (target, result].
            target = date.fromordinal(_nth_weekday(_weekdays_up_to(result.toordinal()) - missing))
            missing = self._closed_between(target, result)
            result = target
        return self._previous_working_day(result)

    def next_working_day(self, day: date) -> date:
        """The first working day on or after ``day``."""
        for offset in range(_MAX_CLOSED_RUN_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within a year after {day.isoformat()}")

    def _previous_working_day(self, day: date) -> date:
        """The last working day on or before ``day``."""
        for offset in range(_MAX_CLOSED_RUN_DAYS + 1):
            candidate = day - timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within a year before {day.isoformat()}")

    def window_opens(self, eta: date, lead_working_days: int = 5) -> date:
        """The first day a notification for ``eta`` is accepted: eta minus the lead working days."""
        return self.subtract_working_days(eta, lead_working_days)


def local_date(moment: datetime) -> date:
    """The calendar date of ``moment`` in Brussels (a naive moment is taken as Brussels time)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.date()
    return moment.astimezone(BRUSSELS).date()
