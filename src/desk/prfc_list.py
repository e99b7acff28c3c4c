"""The PRFC list: the points of release for free circulation the desk confirmed, as a
maintained list with its history ('Punten van vrijgave', versioned by date).

A point is listed from its confirmation through the desk (``DeskActions.answer_prfc``).
An admin may correct it (a new row from that moment, the old one superseded) or withdraw
it (its row closed, with who and why). Nothing is overwritten: the list as it stood on
any day is the rows listed on that day, and each correction and withdrawal also records
an audit event on the request's case, naming the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from desk.csv_export import write_csv
from intake.calendar import BRUSSELS
from intake.case import tables as t
from intake.case.taking import clip
from intake.codes import EventKind

MAX_COMPANY_CHARS = 300
MAX_ADDRESS_CHARS = 2000
MAX_REASON_CHARS = 2000
CSV_HEADER = ("company", "address", "confirmed_on", "confirmed_by", "listed_from", "point")


class PrfcListError(Exception):
    """A change to the list the desk refuses; the message says why, for the admin."""


class VersionState(StrEnum):
    """What became of one version of a listed point."""

    LISTED = "listed"  # still on the list in this form
    CORRECTED = "corrected"  # replaced by a correction or a new confirmation
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class ListedPoint:
    """One version of a point of release: what the list shows, and what became of it."""

    id: int
    case_id: int
    company: str
    address: str
    confirmed_at: datetime
    confirmed_by: str
    valid_from: datetime
    changed_by: str | None
    superseded_at: datetime | None
    superseded_by: int | None
    withdrawn_by: str | None
    withdrawal_reason: str | None

    @property
    def state(self) -> VersionState:
        """Listed, corrected or withdrawn."""
        if self.superseded_at is None:
            return VersionState.LISTED
        return VersionState.WITHDRAWN if self.withdrawn_by else VersionState.CORRECTED

    @property
    def confirmed_on(self) -> date:
        """The day (Brussels) the point was confirmed."""
        return self.confirmed_at.astimezone(BRUSSELS).date()


def _point(row: t.ReleasePoint) -> ListedPoint:
    return ListedPoint(
        id=row.id,
        case_id=row.case_id,
        company=row.company,
        address=row.address,
        confirmed_at=row.confirmed_at,
        confirmed_by=row.confirmed_by,
        valid_from=row.valid_from,
        changed_by=row.changed_by,
        superseded_at=row.superseded_at,
        superseded_by=row.superseded_by,
        withdrawn_by=row.withdrawn_by,
        withdrawal_reason=row.withdrawal_reason,
    )


def end_of_day(day: date) -> datetime:
    """The first moment after ``day`` in Brussels (the list 'on a day' is as it closed)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=BRUSSELS)


def _by_company(points: list[ListedPoint]) -> list[ListedPoint]:
    return sorted(points, key=lambda p: (p.company.casefold(), p.address.casefold(), p.id))


def list_csv(points: list[ListedPoint]) -> str:
    """The list as CSV: one row a point (formula-safe cells)."""
    return write_csv(
        CSV_HEADER,
        (
            (
                p.company,
                p.address,
                p.confirmed_on.isoformat(),
                p.confirmed_by,
                p.valid_from.astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M"),
                p.id,
            )
            for p in points
        ),
    )


def _text(value: str, name: str, max_chars: int) -> str:
    value = value.strip()
    if not value:
        raise PrfcListError(f"the {name} cannot be empty")
    if len(value) > max_chars:
        raise PrfcListError(f"the {name} has at most {max_chars} characters")
    return value


class PrfcList:
    """Reads and maintains the list over the case store's engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def on(
        self, day: date | None = None, *, now: datetime | None = None
    ) -> list[ListedPoint]:
        """The list as it stood at the end of ``day`` (default: as it stands now)."""
        query = select(t.ReleasePoint)
        if day is None:
            query = query.where(t.ReleasePoint.superseded_at.is_(None))
        else:
            cutoff = end_of_day(day)
            query = query.where(
                t.ReleasePoint.valid_from < cutoff,
                or_(
                    t.ReleasePoint.superseded_at.is_(None),
                    t.ReleasePoint.superseded_at >= cutoff,
                ),
            )
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return _by_company([_point(r) for r in rows])

    async def history(self) -> list[ListedPoint]:
        """Every version ever listed, newest change first."""
        query = select(t.ReleasePoint).order_by(
            t.ReleasePoint.valid_from.desc(), t.ReleasePoint.id.desc()
        )
        async with self._sessions() as session:
            return [_point(r) for r in (await session.scalars(query)).all()]

    async def correct(
        self, point_id: int, *, company: str, address: str, by: str, now: datetime
    ) -> int:
        """Correct a listed point's company or address: a new version from ``now``, the
        old one kept as history; returns the new version's id."""
        company = _text(company, "company", MAX_COMPANY_CHARS)
        address = _text(address, "address", MAX_ADDRESS_CHARS)
        async with self._sessions() as session, session.begin():
            old = await session.get(t.ReleasePoint, point_id, with_for_update=True)
            if old is None or old.superseded_at is not None:
                raise PrfcListError(f"point {point_id} is not on the list (any more)")
            if (old.company, old.address) == (company, address):
                raise PrfcListError("nothing changed")
            new = t.ReleasePoint(
                case_id=old.case_id,
                company=company,
                address=address,
                confirmed_at=old.confirmed_at,
                confirmed_by=old.confirmed_by,
                valid_from=now,
                changed_by=clip(by, 200),
            )
            session.add(new)
            await session.flush()
            old.superseded_at, old.superseded_by = now, new.id
            session.add(
                t.Event(
                    case_id=old.case_id,
                    kind=EventKind.PRFC_EDITED.value,
                    at=now,
                    actor=clip(by, 200),
                    data={
                        "point": old.id,
                        "new_point": new.id,
                        "company_before": old.company,
                        "address_before": old.address,
                        "company": company,
                        "address": address,
                    },
                )
            )
            return new.id

    async def withdraw(self, point_id: int, *, reason: str, by: str, now: datetime) -> None:
        """Take a point off the list from ``now``, with the reason; its row stays."""
        reason = _text(reason, "reason", MAX_REASON_CHARS)
        async with self._sessions() as session, session.begin():
            old = await session.get(t.ReleasePoint, point_id, with_for_update=True)
            if old is None or old.superseded_at is not None:
                raise PrfcListError(f"point {point_id} is not on the list (any more)")
            old.superseded_at = now
            old.withdrawn_by = clip(by, 200)
            old.withdrawal_reason = reason
            session.add(
                t.Event(
                    case_id=old.case_id,
                    kind=EventKind.PRFC_WITHDRAWN.value,
                    at=now,
                    actor=clip(by, 200),
                    data={
                        "point": old.id,
                        "company": old.company,
                        "address": old.address,
                        "note": reason,
                    },
                )
            )
