"""Desk statistics per ISO week or calendar month: the pure figures.

The store's rows come in as small values (``Arrival``, ``Decided``, ``Mailed``); the
figures of each period come out as ``PeriodFigures``. Days are Brussels days; a week is
an ISO week (Monday to Sunday, labelled ``2023-W07``), a month a calendar month
(``2023-02``). What is counted:

- arrivals: every mail that opened a case, by kind and by the queue triage gave it;
- incomplete on arrival, late, too early: notifications whose first mail missed a
  document, or was judged late or too early (triage's flags on that mail);
- decisions by outcome: every decision recorded in the period, waiting steps included;
- time to decision: from a notification's first mail to its final decision (release or
  rejection), in hours, for the decisions of the period: the median, and the 90th
  percentile by nearest rank (the smallest time at least 90 % of them do not exceed);
- reminders sent and bounces: reminder and bounce events in the period.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from desk.csv_export import write_csv
from intake.codes import Kind, Queue
from notify.codes import Decision

MAX_PERIODS = 260  # five years of weeks


class Granularity(StrEnum):
    """How the figures are grouped."""

    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Period:
    """One ISO week or calendar month: its label and its first and last day."""

    label: str
    first: date
    last: date


@dataclass(frozen=True, slots=True)
class Arrival:
    """A mail that opened a case."""

    day: date
    kind: str
    queue: str
    incomplete: bool
    late: bool
    too_early: bool


@dataclass(frozen=True, slots=True)
class Decided:
    """A decision recorded; ``hours`` from the notification when it was a final one."""

    day: date
    decision: str
    hours: float | None


@dataclass(frozen=True, slots=True)
class Mailed:
    """A reminder sent or a bounce received."""

    day: date
    reminder: bool


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """What happened at the desk in one period."""

    period: Period
    by_kind: dict[str, int] = field(default_factory=dict)
    by_queue: dict[str, int] = field(default_factory=dict)
    incomplete: int = 0
    late: int = 0
    too_early: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    decided_final: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None
    reminders: int = 0
    bounces: int = 0

    @property
    def arrivals(self) -> int:
        """Mails that opened a case."""
        return sum(self.by_kind.values())

    @property
    def notifications(self) -> int:
        """Notifications among them."""
        return self.by_kind.get(Kind.NOTIFICATION.value, 0)

    @property
    def decisions(self) -> int:
        """Decisions recorded, waiting steps included."""
        return sum(self.by_outcome.values())


def period_of(day: date, granularity: Granularity) -> Period:
    """The week or month ``day`` falls in."""
    if granularity is Granularity.WEEK:
        year, week, weekday = day.isocalendar()
        first = day - timedelta(days=weekday - 1)
        return Period(f"{year}-W{week:02d}", first, first + timedelta(days=6))
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(f"{day:%Y-%m}", first, following - timedelta(days=1))


def periods(first: date, last: date, granularity: Granularity) -> list[Period]:
    """Every period from the one holding ``first`` to the one holding ``last``."""
    found: list[Period] = []
    day = first
    while day <= last and len(found) < MAX_PERIODS:
        period = period_of(day, granularity)
        found.append(period)
        day = period.last + timedelta(days=1)
    return found


def percentile(values: Sequence[float], pct: int) -> float | None:
    """The nearest-rank percentile: the smallest value at least ``pct`` % of values do not
    exceed (``None`` for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct * len(ordered) / 100)) - 1]


def figures(
    arrivals: Iterable[Arrival],
    decisions: Iterable[Decided],
    mailed: Iterable[Mailed],
    *,
    first: date,
    last: date,
    granularity: Granularity,
) -> list[PeriodFigures]:
    """The figures of every period from ``first`` to ``last`` (empty periods included)."""
    spans = periods(first, last, granularity)
    index = {p.label: i for i, p in enumerate(spans)}
    kinds: list[Counter[str]] = [Counter() for _ in spans]
    queues: list[Counter[str]] = [Counter() for _ in spans]
    outcomes: list[Counter[str]] = [Counter() for _ in spans]
    flags: list[Counter[str]] = [Counter() for _ in spans]
    hours: list[list[float]] = [[] for _ in spans]

    def slot(day: date) -> int | None:
        return index.get(period_of(day, granularity).label) if first <= day <= last else None

    for a in arrivals:
        if (i := slot(a.day)) is None:
            continue
        kinds[i][a.kind] += 1
        queues[i][a.queue] += 1
        flags[i]["incomplete"] += a.incomplete
        flags[i]["late"] += a.late
        flags[i]["too_early"] += a.too_early
    for d in decisions:
        if (i := slot(d.day)) is None:
            continue
        outcomes[i][d.decision] += 1
        if d.hours is not None:
            hours[i].append(d.hours)
    for m in mailed:
        if (i := slot(m.day)) is not None:
            flags[i]["reminders" if m.reminder else "bounces"] += 1
    return [
        PeriodFigures(
            period=span,
            by_kind=dict(kinds[i]),
            by_queue=dict(queues[i]),
            incomplete=flags[i]["incomplete"],
            late=flags[i]["late"],
            too_early=flags[i]["too_early"],
            by_outcome=dict(outcomes[i]),
            decided_final=len(hours[i]),
            median_hours=statistics.median(hours[i]) if hours[i] else None,
            p90_hours=percentile(hours[i], 90),
            reminders=flags[i]["reminders"],
            bounces=flags[i]["bounces"],
        )
        for i, span in enumerate(spans)
    ]


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


CSV_KINDS = tuple(k.value for k in Kind)
CSV_QUEUES = tuple(q.value for q in Queue)
CSV_OUTCOMES = (*(d.value for d in Decision), "prfc_confirmed", "prfc_refused")


def csv_header() -> tuple[str, ...]:
    """The statistics CSV's columns."""
    return (
        "period",
        "first_day",
        "last_day",
        *(f"arrived_{k}" for k in CSV_KINDS),
        *(f"queue_{q}" for q in CSV_QUEUES),
        "incomplete_on_arrival",
        "late",
        "too_early",
        *(f"decided_{d}" for d in CSV_OUTCOMES),
        "final_decisions",
        "median_hours_to_decision",
        "p90_hours_to_decision",
        "reminders_sent",
        "bounces",
    )


def figures_csv(rows: Sequence[PeriodFigures]) -> str:
    """The figures as CSV: one row a period."""
    return write_csv(
        csv_header(),
        (
            (
                f.period.label,
                f.period.first.isoformat(),
                f.period.last.isoformat(),
                *(f.by_kind.get(k, 0) for k in CSV_KINDS),
                *(f.by_queue.get(q, 0) for q in CSV_QUEUES),
                f.incomplete,
                f.late,
                f.too_early,
                *(f.by_outcome.get(d, 0) for d in CSV_OUTCOMES),
                f.decided_final,
                _hours(f.median_hours),
                _hours(f.p90_hours),
                f.reminders,
                f.bounces,
            )
            for f in rows
        ),
    )
