"""Finding cases for the desk: a queue's cases with filters and search, a page at a time.

Pages follow the queue's order (priority, then case number) by keyset: the next page
starts after the last case shown, so page 2,000 of a large queue costs what page 1 does
and a case that moves while an officer pages is neither shown twice nor skipped.

A page is read with a Core ``select`` of the columns a queue shows into ``CaseRow``
values (no ORM objects, identity map or change tracking for 50 rows that are only shown),
together with the queue's open count, in one read (``desk.reading``). Counting a queue of
40,000 open cases walks 40,000 index entries, the dearest part of a page: the count is
reused for ``count_cache_s`` seconds (0: counted on every page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from desk.reading import Reader
from intake.calendar import BRUSSELS
from intake.case import tables as t
from intake.codes import CaseStatus, Queue
from intake.triage.coi import parse_coi

PAGE_SIZE = 50
MAX_SEARCH_CHARS = 200
OPEN_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.QUEUED,
    CaseStatus.UNDER_CHECK,
    CaseStatus.WAITING,
)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page starts: after this (priority, case number)."""

    priority: int
    case_id: int

    def encode(self) -> str:
        """The cursor as it travels in a URL."""
        return f"{self.priority}.{self.case_id}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        """The cursor of a URL, or None for a missing or malformed one (the first page)."""
        if not value:
            return None
        left, _, right = value.partition(".")
        try:
            priority, case_id = int(left), int(right)
        except ValueError:
            return None
        if max(abs(priority), abs(case_id)) >= 2**62:  # beyond the store's 64-bit integers
            return None
        return cls(priority, case_id)


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """What an officer narrows a queue by. Empty fields do not filter."""

    queue: Queue | None = None
    search: str = ""  # a COI reference (any spelling), or part of one, of the importer or subject
    status: CaseStatus | None = None  # None: the open cases
    eta_from: date | None = None
    eta_to: date | None = None
    received_from: date | None = None
    received_to: date | None = None


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A case as a queue lists it (the fields of the page and of the API's summary)."""

    id: int
    coi: str | None
    kind: str
    status: str
    queue: str
    eta: date | None
    window_opens: date | None
    risk: int
    importer: str | None
    subject: str
    missing: list[str]
    flags: list[str]
    why: str
    version: int
    placed: bool
    created_at: datetime
    updated_at: datetime
    priority: int


_ROW_COLUMNS = (
    t.Case.id,
    t.Case.coi,
    t.Case.kind,
    t.Case.status,
    t.Case.queue,
    t.Case.eta,
    t.Case.window_opens,
    t.Case.risk,
    t.Case.importer,
    t.Case.subject,
    t.Case.missing,
    t.Case.flags,
    t.Case.why,
    t.Case.version,
    t.Case.placed_version,
    t.Case.created_at,
    t.Case.updated_at,
    t.Case.priority,
)

_Row = tuple[Any, ...]  # the columns of ``CaseRow``, in its order


def _row(r: Any) -> CaseRow:
    return CaseRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9] or "",
        r[10] or [], r[11] or [], r[12] or "", r[13], r[14] >= r[13], r[15], r[16], r[17],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Page:
    """One page of cases and where the next one starts (None on the last page), with the
    number of open cases of the queue when it was asked for."""

    cases: list[CaseRow]
    next_cursor: Cursor | None
    open_count: int | None = None


def _brussels_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BRUSSELS).astimezone(UTC)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(where: CaseFilter) -> list[Any]:
    """The SQL conditions of a filter."""
    found: list[Any] = []
    if where.queue is not None:
        found.append(t.Case.queue == where.queue.value)
    if where.status is None:
        found.append(t.Case.status.in_([s.value for s in OPEN_STATUSES]))
    else:
        found.append(t.Case.status == where.status.value)
    search = where.search.replace("\x00", "").strip()[:MAX_SEARCH_CHARS]
    if search:
        ref = parse_coi(search, reference_year=date.today().year)
        if ref is not None:
            found.append(t.Case.coi == ref.canonical)
        else:
            pattern = f"%{_escape_like(search.lower())}%"
            found.append(
                or_(
                    func.lower(t.Case.coi).like(pattern, escape="\\"),
                    func.lower(t.Case.importer).like(pattern, escape="\\"),
                    func.lower(t.Case.subject).like(pattern, escape="\\"),
                )
            )
    if where.eta_from is not None:
        found.append(t.Case.eta >= where.eta_from)
    if where.eta_to is not None:
        found.append(t.Case.eta <= where.eta_to)
    if where.received_from is not None:
        found.append(t.Case.created_at >= _brussels_midnight(where.received_from))
    if where.received_to is not None:
        found.append(t.Case.created_at < _brussels_midnight(where.received_to + timedelta(days=1)))
    return found


def is_index_range(where: CaseFilter) -> bool:
    """True when a page of ``where`` is a range of the queue's index, read in a millisecond
    however large the queue: a queue's open cases, nothing else narrowing them (a search or
    a date may scan every case of the queue to fill a page)."""
    return where.queue is not None and where == CaseFilter(queue=where.queue)


def page_query(where: CaseFilter, *, after: Cursor | None, size: int) -> Select[*_Row]:
    """The rows of a page: ``size`` + 1 of them (one more says a next page exists)."""
    query = select(*_ROW_COLUMNS).where(*conditions(where))
    if after is not None:
        # A row value, not ``priority > p OR (priority = p AND id > i)``: with bound
        # parameters SQLite turns the OR into a walk from the queue's first case (page
        # 200 took 1 ms more than page 1), the row value into an index range.
        query = query.where(
            tuple_(t.Case.priority, t.Case.id) > tuple_(after.priority, after.case_id)
        )
    return query.order_by(t.Case.priority, t.Case.id).limit(size + 1)


def _open_count_query(queue: Queue) -> Any:
    return select(func.count()).select_from(t.Case).where(*conditions(CaseFilter(queue=queue)))


class CaseListing:
    """Reads pages of cases for the desk."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        count_cache_s: float = 0.0,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.reader = Reader(engine)
        self.count_cache_s = count_cache_s
        self._clock = clock
        self._counts: dict[Queue, tuple[float, int]] = {}  # queue → (counted at, count)

    def _recent_count(self, queue: Queue) -> int | None:
        counted = self._counts.get(queue)
        if counted is None or self._clock() - counted[0] >= self.count_cache_s:
            return None
        return counted[1]

    async def page(
        self,
        where: CaseFilter,
        *,
        after: Cursor | None = None,
        size: int = PAGE_SIZE,
        with_open_count: bool = False,
    ) -> Page:
        """Up to ``size`` cases matching ``where`` in queue order, after ``after``; with
        ``with_open_count`` also the open count of ``where.queue``, in the same read."""
        query = page_query(where, after=after, size=size)
        queue = where.queue if with_open_count else None
        known = self._recent_count(queue) if queue is not None else None
        count_query = _open_count_query(queue) if queue is not None and known is None else None
        started = self._clock()

        def read(conn: Connection) -> Page:
            rows = [_row(r) for r in conn.execute(query)]
            count = known
            if count_query is not None:
                count = int(conn.execute(count_query).scalar() or 0)
            more = len(rows) > size
            rows = rows[:size]
            cursor = Cursor(rows[-1].priority, rows[-1].id) if more and rows else None
            return Page(rows, cursor, count)

        page = await self.reader.read(read, bounded=is_index_range(where))
        if queue is not None and count_query is not None and page.open_count is not None:
            self._counts[queue] = (started, page.open_count)
        return page

    async def case(self, case_id: int) -> t.Case | None:
        """One case by its number."""
        async with self._sessions() as session:
            return await session.get(t.Case, case_id)

    async def release_points(self, *, case_id: int | None = None) -> list[t.ReleasePoint]:
        """Confirmed points of release (of one request's case), newest first, history too."""
        query = select(t.ReleasePoint).order_by(t.ReleasePoint.id.desc())
        if case_id is not None:
            query = query.where(t.ReleasePoint.case_id == case_id)
        async with self._sessions() as session:
            return list((await session.scalars(query)).all())
