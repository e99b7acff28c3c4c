"""The store's candidate cases for each scheduled job: narrow index range scans.

Each query is a function returning a ``Select``, so the benchmark can show its plan; the
rules in ``rules.py`` then decide per case. Only open cases are read (``status IN`` the
open statuses, which with ``eta`` forms the index ``ix_cases_status_eta``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.calendar import BRUSSELS, local_date
from intake.case import tables as t
from intake.codes import CaseStatus, DocRole, Flag, Kind, Queue
from notify.reminders.rules import OPEN_STATUSES, REQUEST_KINDS, DueCase

# An early case's window opened at most this long ago when its goods are still to come
# (five working days and the longest run of closed days around them).
_WINDOW_LOOKBACK_DAYS = 31
_OPEN = [s.value for s in OPEN_STATUSES]
_COLUMNS = (
    t.Case.id,
    t.Case.coi,
    t.Case.kind,
    t.Case.status,
    t.Case.queue,
    t.Case.eta,
    t.Case.window_opens,
    t.Case.missing,
    t.Case.flags,
    t.Case.decision,
    t.Case.importer,
    t.Case.reply_to,
    t.Case.subject,
    t.Case.created_at,
)


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in Brussels."""
    return datetime.combine(day, time.min, tzinfo=BRUSSELS)


def _due_case(row: Any) -> DueCase:
    return DueCase(
        case_id=row.id,
        coi=row.coi,
        kind=Kind(row.kind),
        status=CaseStatus(row.status),
        queue=Queue(row.queue),
        eta=row.eta,
        window_opens=row.window_opens,
        missing=tuple(DocRole(m) for m in row.missing or ()),
        flags=tuple(Flag(f) for f in row.flags or ()),
        decision=row.decision,
        importer=row.importer,
        reply_to=row.reply_to,
        subject=row.subject,
        created_on=local_date(row.created_at),
    )


def missing_documents(after: date, up_to: date) -> Select[tuple[Any, ...]]:
    """Open cases whose goods arrive in (after, up_to] (the rules keep the notifications:
    a filter on ``kind`` here would lead SQLite to the kind index, which spans them all)."""
    query = (
        select(*_COLUMNS)
        .where(t.Case.status.in_(_OPEN), t.Case.eta > after, t.Case.eta <= up_to)
        .order_by(t.Case.id)
    )
    return cast("Select[tuple[Any, ...]]", query)


def window_opened(today: date) -> Select[tuple[Any, ...]]:
    """Open cases whose check window has opened and whose goods are still to come."""
    query = (
        select(*_COLUMNS)
        .where(
            t.Case.window_opens > today - timedelta(days=_WINDOW_LOOKBACK_DAYS),
            t.Case.window_opens <= today,
            t.Case.eta >= today,
        )
        .where(t.Case.status.in_(_OPEN))
        .order_by(t.Case.id)
    )
    return cast("Select[tuple[Any, ...]]", query)


def arriving(first: date, last: date) -> Select[tuple[Any, ...]]:
    """Open cases whose goods arrive between ``first`` and ``last`` (both included)."""
    query = (
        select(*_COLUMNS)
        .where(t.Case.status.in_(_OPEN), t.Case.eta >= first, t.Case.eta <= last)
        .order_by(t.Case.eta, t.Case.id)
    )
    return cast("Select[tuple[Any, ...]]", query)


def overdue(today: date) -> Select[tuple[Any, ...]]:
    """Open cases whose goods were due before ``today``."""
    query = (
        select(*_COLUMNS)
        .where(t.Case.status.in_(_OPEN), t.Case.eta < today)
        .order_by(t.Case.eta, t.Case.id)
    )
    return cast("Select[tuple[Any, ...]]", query)


def unanswered_requests(created_before: date) -> Select[tuple[Any, ...]]:
    """Open, undecided PRFC and account requests received before ``created_before``."""
    query = (
        select(*_COLUMNS)
        .where(
            t.Case.kind.in_([k.value for k in REQUEST_KINDS]),
            t.Case.created_at < day_start(created_before),
        )
        .where(t.Case.status.in_(_OPEN), t.Case.decision.is_(None))
        .order_by(t.Case.id)
    )
    return cast("Select[tuple[Any, ...]]", query)


def queue_counts() -> Select[tuple[Any, ...]]:
    """Open cases per queue."""
    query = select(t.Case.queue, func.count()).where(t.Case.status.in_(_OPEN))
    return cast("Select[tuple[Any, ...]]", query.group_by(t.Case.queue))


async def cases(session: AsyncSession, query: Select[tuple[Any, ...]]) -> list[DueCase]:
    """The rows of a candidate query as values."""
    return [_due_case(row) for row in await session.execute(query)]


async def counts(session: AsyncSession) -> dict[Queue, int]:
    """Open cases per queue, every queue named."""
    found = dict.fromkeys(Queue, 0)
    found.update({Queue(q): n for q, n in await session.execute(queue_counts())})
    return found


async def threads(session: AsyncSession, case_ids: Sequence[int]) -> dict[int, list[str]]:
    """The Message-IDs of each case's messages, oldest first."""
    found: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(case_ids, 500):
        rows = await session.execute(
            select(t.Message.case_id, t.Message.message_id)
            .where(t.Message.case_id.in_(chunk), t.Message.message_id.is_not(None))
            .order_by(t.Message.id)
        )
        for case_id, message_id in rows:
            if message_id:
                found[case_id].append(message_id)
    return found


async def mailed_today(
    session: AsyncSession, recipients: Iterable[str], *, since: datetime
) -> dict[str, int]:
    """Automatic mails queued for each recipient (lower case) since ``since``."""
    keys = sorted({r.lower() for r in recipients})
    found: dict[str, int] = {}
    for chunk in _chunks(keys, 500):
        rows = await session.execute(
            select(t.Outgoing.recipient_key, func.count())
            .where(t.Outgoing.recipient_key.in_(chunk), t.Outgoing.created_at >= since)
            .group_by(t.Outgoing.recipient_key)
        )
        found.update({key: int(n) for key, n in rows})
    return found


async def done_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """The effect keys already recorded (as an event or as an outbox row)."""
    found: set[str] = set()
    for chunk in _chunks(keys, 500):
        found.update(
            await session.scalars(select(t.Event.dedupe_key).where(t.Event.dedupe_key.in_(chunk)))
        )
        found.update(
            await session.scalars(
                select(t.Outgoing.dedupe_key).where(t.Outgoing.dedupe_key.in_(chunk))
            )
        )
    return found


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
