"""The desk statistics read from the case store: events of a date range, by kind.

Three queries, each a range scan of the ``(kind, at)`` index on ``events``: the mails
that opened cases (with the first mail's missing documents and timing flags), the
decisions (with their case's first moment), and the reminders and bounces. The counting
itself is the pure ``desk.statistics.figures``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from desk.prfc_list import end_of_day
from desk.statistics import Arrival, Decided, Granularity, Mailed, PeriodFigures, figures, periods
from intake.calendar import BRUSSELS
from intake.case import tables as t
from intake.codes import EventKind, Flag, Kind
from notify.codes import Decision

_FINAL = frozenset(d.value for d in Decision if d.is_final)


def _day(moment: datetime) -> date:
    return moment.astimezone(BRUSSELS).date()


def _names(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


class DeskStatistics:
    """Reads the figures of a range of weeks or months."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def figures(
        self, first: date, last: date, granularity: Granularity
    ) -> list[PeriodFigures]:
        """Per period from the one holding ``first`` to the one holding ``last``."""
        spans = periods(first, last, granularity)
        if not spans:
            return []
        first, last = spans[0].first, spans[-1].last
        start = datetime.combine(first, time(0), tzinfo=BRUSSELS)
        end = end_of_day(last)
        in_range = (t.Event.at >= start, t.Event.at < end)
        arrivals_query = (
            select(
                t.Event.at,
                t.Message.kind,
                t.Message.report["queue"],
                t.Message.report["missing"],
                t.Message.report["flags"],
            )
            .join(t.Message, t.Message.id == t.Event.message_pk)
            .where(t.Event.kind == EventKind.RECEIVED.value, *in_range)
        )
        decisions_query = (
            select(t.Event.at, t.Event.data["decision"].as_string(), t.Case.kind, t.Case.created_at)
            .join(t.Case, t.Case.id == t.Event.case_id)
            .where(t.Event.kind == EventKind.DECIDED.value, *in_range)
        )
        mailed_query = select(t.Event.at, t.Event.kind).where(
            t.Event.kind.in_((EventKind.REMINDED.value, EventKind.BOUNCED.value)), *in_range
        )
        async with self._sessions() as session:
            arrival_rows = (await session.execute(arrivals_query)).all()
            decision_rows = (await session.execute(decisions_query)).all()
            mailed_rows = (await session.execute(mailed_query)).all()
        notification = Kind.NOTIFICATION.value
        arrivals = [
            Arrival(
                day=_day(at),
                kind=kind,
                queue=str(queue or ""),
                incomplete=kind == notification and bool(_names(missing)),
                late=Flag.LATE.value in _names(flags),
                too_early=Flag.TOO_EARLY.value in _names(flags),
            )
            for at, kind, queue, missing, flags in arrival_rows
        ]
        decisions = [
            Decided(
                day=_day(at),
                decision=decision or "",
                hours=(
                    (at - opened).total_seconds() / 3600
                    if decision in _FINAL and kind == notification
                    else None
                ),
            )
            for at, decision, kind, opened in decision_rows
        ]
        mailed = [Mailed(_day(at), kind == EventKind.REMINDED.value) for at, kind in mailed_rows]
        return figures(arrivals, decisions, mailed, first=first, last=last, granularity=granularity)
