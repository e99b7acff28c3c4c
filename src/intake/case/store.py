"""The case store: every message into a case, exactly once, in one transaction.

``take`` is the heart of the intake. In one transaction it stores the raw bytes
(content-addressed), the message and its triage, opens or updates the case, adds the
documents and one event. Unique keys make it safe to run twice for the same message
(a re-delivery, a crash before the mailbox move, the same mail in two folders) and
safe for two intake processes at once: the second one sees a duplicate, or loses a
unique-key race, rolls back and looks again.

SQLite (the embedded default) runs in WAL mode with full fsync and ``BEGIN IMMEDIATE``
so several processes can share it; PostgreSQL is for production.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import structlog
from sqlalchemy import create_engine, func, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker, undefer
from sqlalchemy.pool import ConnectionPoolEntry

from intake.calendar import WorkCalendar, local_date
from intake.case import tables as t
from intake.case.effects import DecisionMailer, Responder
from intake.case.fresh import fresh_positions, take_fresh
from intake.case.merge import settle
from intake.case.outcomes import TakeOutcome
from intake.case.sampling import Share
from intake.case.sampling_tally import case_entries, record_decision, year_shares
from intake.case.taking import (
    Taking,
    add_outgoing,
    clip,
    insert_ignore,
    new_version,
    read_state,
    snapshot,
    take_in_session,
    write_state,
)
from intake.codes import CaseStatus, EventKind, Flag, OutboxStatus, Queue
from intake.parse.prescan import header_block_end
from intake.queue.priority import priority, risk_score
from intake.report import MailReport
from intake.triage.rules.extra_controls import ExtraControlsRow

_RACE_RETRIES = 8
T = TypeVar("T")
_CLOSED = frozenset({CaseStatus.DECIDED.value, CaseStatus.CLOSED.value})


log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Decided:
    """A recorded decision and the mail it queued (if any)."""

    event_id: int
    outgoing: int | None


@dataclass(frozen=True, slots=True)
class Claimed:
    """An outgoing mail taken for one attempt."""

    outgoing_id: int
    case_id: int | None
    mail_from: str
    recipients: tuple[str, ...]
    raw: bytes
    attempt: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Finished:
    """The outcome of one claimed mail's attempt."""

    outgoing_id: int
    sent: bool = False
    retry_at: datetime | None = None
    detail: str = ""
    attempted: bool = True


@dataclass(frozen=True, slots=True)
class Placement:
    """A case whose latest version is not yet on its officer queue."""

    case_id: int
    version: int


def body_sha256(raw: bytes) -> str:
    """Hash of everything after the top-level header block: a re-delivered copy with other
    trace headers (Received, Delivered-To) has the same body hash."""
    return hashlib.sha256(raw[header_block_end(raw) :]).hexdigest()


def connect(url: str, *, echo: bool = False) -> AsyncEngine:
    """An engine for ``url`` (``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://…``)."""
    engine = create_async_engine(url, echo=echo, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine.sync_engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN, so it can be BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "busy_timeout=30000",
            "foreign_keys=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # Take the write lock at once: two writers never deadlock upgrading a read lock.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class CaseStore:
    """Cases, messages, events and quarantine, over one SQLAlchemy engine."""

    def __init__(self, engine: AsyncEngine, *, calendar: WorkCalendar) -> None:
        self.engine = engine
        self.calendar = calendar
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # SQLite: the intake's transaction runs whole in a thread on a synchronous engine
        # (one hand-off per message instead of one per statement through aiosqlite).
        self._sync_engine: Engine | None = None
        self._sync_sessions: sessionmaker[Session] | None = None
        if engine.dialect.name == "sqlite":
            url = engine.url.render_as_string(hide_password=False).replace("+aiosqlite", "")
            self._sync_engine = create_engine(url, connect_args={"check_same_thread": False})
            _tune_sqlite(self._sync_engine)
            self._sync_sessions = sessionmaker(self._sync_engine, expire_on_commit=False)

    async def close(self) -> None:
        """Release the connections."""
        await self.engine.dispose()
        if self._sync_engine is not None:
            self._sync_engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success."""
        async with self._sessions() as session, session.begin():
            yield session

    # -- intake -------------------------------------------------------------------------

    async def take(
        self,
        raw: bytes,
        report: MailReport,
        *,
        source_ref: str,
        now: datetime,
        replaying: int | None = None,
        responder: Responder | None = None,
    ) -> TakeOutcome:
        """Store one message and apply it to its case, exactly once; with ``responder``, its
        automatic answer goes into the outbox in the same transaction.

        ``replaying`` names a quarantine entry being read again: it is released in the
        same transaction, so the message is either a case or still held, never both.
        """
        body_hash = body_sha256(raw)
        take = partial(
            take_in_session,
            raw=raw,
            report=report,
            body_hash=body_hash,
            source_ref=source_ref,
            now=now,
            responder=responder,
            replaying=replaying,
            calendar=self.calendar,
        )
        # another intake may store the same message or open the same case first
        return await self.run_transaction(take, retry_races=True)

    async def take_many(
        self,
        items: Sequence[Taking],
        *,
        now: datetime,
        responder: Responder | None = None,
    ) -> list[TakeOutcome | Exception]:
        """Take several messages in one transaction, each in a savepoint of its own.

        One commit (one fsync on SQLite) serves the whole group. A message that fails
        rolls back only its savepoint and gets its exception in its place of the result,
        for the caller to take it again alone (a unique-key race) or to retry and hold it;
        the others commit. An unavailable store fails the whole call.
        """
        work = partial(_take_each, items=items, now=now, responder=responder, store=self)
        # a lost race fails only its own savepoint, so only a locked store is retried
        return await self.run_transaction(work)

    async def _transact(self, work: Callable[[Session], T]) -> T:
        """``work`` in one transaction: on SQLite whole in a worker thread on the
        synchronous engine, elsewhere through the async session."""
        if self._sync_sessions is not None:
            return await asyncio.to_thread(self._in_thread, work)
        async with self.transaction() as session:
            return await session.run_sync(work)

    async def run_transaction(
        self, work: Callable[[Session], T], *, retry_races: bool = False
    ) -> T:
        """``work`` in one transaction, on SQLite in one hand-off to a thread (see
        ``_transact``), run again while another writer holds the store locked and, with
        ``retry_races``, when another writer inserted the same unique key first (``work``
        then looks again and finds it)."""
        for attempt in range(_RACE_RETRIES):
            last = attempt == _RACE_RETRIES - 1
            try:
                return await self._transact(work)
            except IntegrityError:
                if not retry_races or last:
                    raise
            except OperationalError as exc:
                if "locked" not in str(exc) or last:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _in_thread(self, work: Callable[[Session], T]) -> T:
        """One transaction on the synchronous SQLite engine (runs in a worker thread)."""
        assert self._sync_sessions is not None
        with self._sync_sessions() as session, session.begin():
            return work(session)

    # -- queue placement ----------------------------------------------------------------

    async def pending_placements(self, *, limit: int = 1000) -> list[Placement]:
        """Cases whose latest version is not on its queue yet (after a Redis loss, say)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(t.Case.id, t.Case.version)
                .where(t.Case.placed_version < t.Case.version)
                .order_by(t.Case.id)
                .limit(limit)
            )
            return [Placement(case_id, version) for case_id, version in rows]

    async def place(self, case_id: int, version: int, *, now: datetime) -> Queue | None:
        """Put version ``version`` of a case on its queue with its priority, once.

        Returns the queue, or None when this version was placed already or is outdated.
        """
        async with self.transaction() as session:
            case = await session.get(t.Case, case_id, with_for_update=True)
            if case is None or case.version != version or case.placed_version >= version:
                return None
            flags = [Flag(f) for f in case.flags]
            case.risk = risk_score(flags)
            case.priority = priority(eta=case.eta, risk=case.risk, created_at=case.created_at)
            case.placed_version = version
            if case.status == CaseStatus.NEW.value:
                case.status = CaseStatus.QUEUED.value
            session.add(
                t.Event(
                    case_id=case.id,
                    kind=EventKind.QUEUED.value,
                    at=now,
                    dedupe_key=f"queued:{case.id}:{version}",
                    data={"queue": case.queue, "version": version, "risk": case.risk},
                )
            )
            return Queue(case.queue)

    async def resettle_due(self, *, now: datetime, limit: int = 1000) -> list[Placement]:
        """Cases waiting for their check window that opens by today: judged again, so they
        move from the early queue to the next one (and need placing)."""
        today = local_date(now)
        moved: list[Placement] = []
        async with self.transaction() as session:
            rows = await session.scalars(
                select(t.Case)
                .where(
                    t.Case.queue == Queue.EARLY.value,
                    t.Case.window_opens <= today,
                    t.Case.status.not_in(list(_CLOSED)),
                )
                .limit(limit)
                .with_for_update()
            )
            for case in rows.all():
                before = read_state(case)
                after = settle(before, today=today, calendar=self.calendar)
                if after == before:
                    continue
                write_state(case, after, None, now)
                new_version(case)
                session.add(
                    t.Event(
                        case_id=case.id,
                        kind=EventKind.QUEUED.value,
                        at=now,
                        dedupe_key=f"window:{case.id}:{case.version}",
                        data={
                            "queue_before": before.queue.value,
                            "queue": after.queue.value,
                            "why": after.why,
                        },
                    )
                )
                moved.append(Placement(case.id, case.version))
        return moved

    async def hold(
        self, raw: bytes, *, sha256: str, source_ref: str, reason: str, now: datetime
    ) -> None:
        """Quarantine a message that could not be taken in (a failure, not a limit), bytes
        and reason kept, so it is never lost and never blocks the mailbox."""
        async with self.transaction() as session:
            await session.run_sync(
                insert_ignore,
                t.RawMessage,
                {"sha256": sha256, "size_bytes": len(raw), "data": raw},
            )
            await session.run_sync(
                insert_ignore,
                t.Quarantined,
                {
                    "sha256": sha256,
                    "source_ref": clip(source_ref, t.SOURCE_REF_CHARS),
                    "reason": reason,
                    "at": now,
                    "status": "held",
                    "subject": "",
                },
            )

    # -- decisions and the outbox -------------------------------------------------------

    async def decide(
        self,
        case_id: int,
        decision: str,
        *,
        final: bool,
        by: str,
        note: str | None,
        documents_requested: tuple[str, ...],
        now: datetime,
        mailer: DecisionMailer | None,
    ) -> Decided | None:
        """Record an officer's decision and its mail to the importer, in one transaction.

        A final decision (release, rejection) takes the case off the queues; a waiting step
        (physical check, sampling, documents requested) keeps it on its queue, waiting.
        """
        async with self.transaction() as session:
            case = await session.get(t.Case, case_id, with_for_update=True)
            if case is None:
                return None
            event = t.Event(
                case_id=case.id,
                kind=EventKind.DECIDED.value,
                at=now,
                actor=clip(by, 200),
                data={
                    "decision": decision,
                    "note": note,
                    "documents_requested": list(documents_requested),
                    "status_before": case.status,
                },
            )
            session.add(event)
            case.decision = decision
            case.status = (CaseStatus.DECIDED if final else CaseStatus.WAITING).value
            case.updated_at = now
            await session.flush()
            await session.run_sync(
                lambda s: record_decision(s, case_id, decision, final=final, now=now)
            )
            outgoing: int | None = None
            if mailer is not None:
                planned = mailer(
                    await session.run_sync(snapshot, case),
                    decision,
                    note=note,
                    documents_requested=documents_requested,
                    event_id=event.id,
                    now=now,
                )
                if planned is not None:
                    event_id = event.id
                    outgoing = await session.run_sync(
                        lambda s: add_outgoing(s, planned, case.id, event_id, now)
                    )
            return Decided(event.id, outgoing)

    async def claim_outgoing(
        self, *, now: datetime, lease_s: float, limit: int = 50, only: int | None = None
    ) -> list[Claimed]:
        """Take due mails for sending. A mail left ``sending`` past its lease (its sender
        died) is due again: the one way a mail can go out twice, see notify.outbox."""
        return await self._transact(
            partial(_claim_outgoing, now=now, lease_s=lease_s, limit=limit, only=only)
        )

    async def finish_outgoing(self, outcomes: Sequence[Finished], *, now: datetime) -> None:
        """Record the attempts of a batch in one transaction: each sent, retried at its
        ``retry_at``, failed for good (neither), or released untried (``attempted`` False)."""
        if outcomes:
            await self._transact(partial(_finish_outgoing, outcomes=outcomes, now=now))

    async def outbox(self, *, statuses: tuple[OutboxStatus, ...] = ()) -> list[t.Outgoing]:
        """Outgoing mails, newest first, optionally of some statuses."""
        async with self._sessions() as session:
            query = select(t.Outgoing).order_by(t.Outgoing.id.desc())
            if statuses:
                query = query.where(t.Outgoing.status.in_([s.value for s in statuses]))
            return list((await session.scalars(query)).all())

    async def retry_outgoing(self, outgoing_id: int, *, now: datetime) -> bool:
        """Make a failed or bounced mail due again now (an officer's decision)."""
        async with self.transaction() as session:
            result = await session.execute(
                update(t.Outgoing)
                .where(
                    t.Outgoing.id == outgoing_id,
                    t.Outgoing.status.in_([OutboxStatus.FAILED.value, OutboxStatus.BOUNCED.value]),
                )
                .values(status=OutboxStatus.PENDING.value, next_attempt_at=now, attempts=0)
            )
            return bool(getattr(result, "rowcount", 0))

    # -- reading ------------------------------------------------------------------------

    async def queue_counts(self) -> dict[Queue, int]:
        """How many open cases each queue holds."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(t.Case.queue, func.count())
                .where(t.Case.status.not_in(list(_CLOSED)))
                .group_by(t.Case.queue)
            )
            counts = dict.fromkeys(Queue, 0)
            counts.update({Queue(name): count for name, count in rows})
            return counts

    async def queue_cases(self, queue: Queue, *, limit: int = 50, offset: int = 0) -> list[t.Case]:
        """The open cases of a queue, in priority order."""
        async with self._sessions() as session:
            query = (
                select(t.Case)
                .where(t.Case.queue == queue.value, t.Case.status.not_in(list(_CLOSED)))
                .order_by(t.Case.priority, t.Case.id)
                .limit(limit)
                .offset(offset)
            )
            return list((await session.scalars(query)).all())

    async def find_case(self, key: str) -> t.Case | None:
        """A case by its COI reference (any spelling) or its number."""
        from intake.triage.coi import parse_coi

        async with self._sessions() as session:
            if key.isdigit():
                return await session.get(t.Case, int(key))
            ref = parse_coi(key, reference_year=date.today().year)
            canonical = ref.canonical if ref else key.strip().upper()
            return await session.scalar(select(t.Case).where(t.Case.coi == canonical))

    async def timeline(self, case_id: int) -> list[t.Event]:
        """A case's events, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(t.Event).where(t.Event.case_id == case_id).order_by(t.Event.id)
            )
            return list(rows.all())

    async def case_messages(self, case_id: int) -> list[t.Message]:
        """A case's messages, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(t.Message).where(t.Message.case_id == case_id).order_by(t.Message.id)
            )
            return list(rows.all())

    async def case_documents(self, case_id: int) -> list[t.Document]:
        """The documents a case has gathered, in arrival order."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(t.Document).where(t.Document.case_id == case_id).order_by(t.Document.id)
            )
            return list(rows.all())

    async def raw(self, sha256: str) -> bytes | None:
        """The bytes of a stored message."""
        async with self._sessions() as session:
            return await session.scalar(
                select(t.RawMessage.data).where(t.RawMessage.sha256 == sha256)
            )

    async def quarantined(self, *, status: str | None = "held") -> list[t.Quarantined]:
        """Quarantined messages, newest first."""
        async with self._sessions() as session:
            query = select(t.Quarantined).order_by(t.Quarantined.id.desc())
            if status is not None:
                query = query.where(t.Quarantined.status == status)
            return list((await session.scalars(query)).all())

    async def quarantine_entry(self, entry_id: int) -> t.Quarantined | None:
        """One quarantined message."""
        async with self._sessions() as session:
            return await session.get(t.Quarantined, entry_id)

    async def sampling_shares(self, year: int, rows: Sequence[ExtraControlsRow]) -> list[Share]:
        """Each extra-controls row's achieved sampling share in ``year`` beside the required
        one: the rows of ``rows`` (the year's table) and any other row counted that year."""
        async with self._sessions() as session:
            return await session.run_sync(lambda s: year_shares(s, year, rows))

    async def case_sampling(self, case_id: int) -> list[tuple[t.SamplingEntry, t.SamplingRow]]:
        """A case's counts under the extra-controls rows: recommended or not, and why."""
        async with self._sessions() as session:
            return await session.run_sync(lambda s: case_entries(s, case_id))

    async def message_count(self) -> int:
        """How many messages the store holds."""
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(t.Message)) or 0)


def _take_each(
    session: Session,
    *,
    items: Sequence[Taking],
    now: datetime,
    responder: Responder | None,
    store: CaseStore,
) -> list[TakeOutcome | Exception]:
    """Each message in order: the fresh ones in runs written together (see ``fresh``),
    the others one at a time, each run and each message in a savepoint of its own."""
    hashes = [body_sha256(item.raw) for item in items]
    fresh = fresh_positions(session, items, hashes)
    results: list[TakeOutcome | Exception] = []
    run: list[int] = []

    def write_run() -> None:
        if not run:
            return
        try:
            with session.begin_nested():
                results.extend(
                    take_fresh(
                        session,
                        [items[pos] for pos in run],
                        [hashes[pos] for pos in run],
                        now=now,
                        responder=responder,
                        calendar=store.calendar,
                    )
                )
        except OperationalError:
            raise  # the store, not the messages: the whole group fails
        except Exception as exc:  # a race with another intake, say: one at a time instead
            log.info("fresh messages taken one at a time", error=type(exc).__name__)
            results.extend(take_alone(pos) for pos in run)
        run.clear()

    def take_alone(pos: int) -> TakeOutcome | Exception:
        item = items[pos]
        try:
            # every line logged while this message is taken carries its ids
            with (
                structlog.contextvars.bound_contextvars(
                    message_id=item.report.message_id, ref=item.source_ref
                ),
                session.begin_nested(),
            ):
                return take_in_session(
                    session,
                    raw=item.raw,
                    report=item.report,
                    body_hash=hashes[pos],
                    source_ref=item.source_ref,
                    now=now,
                    responder=responder,
                    replaying=None,
                    calendar=store.calendar,
                )
        except OperationalError:
            raise  # the store, not the message: the whole group fails
        except Exception as exc:  # this message only; its savepoint is rolled back
            return exc

    for pos in range(len(items)):
        if fresh[pos]:
            run.append(pos)
            continue
        write_run()  # the fresh messages ahead of this one are in the store first
        results.append(take_alone(pos))
    write_run()
    return results


def _due(now: datetime, lease_s: float) -> Any:
    """Outgoing mail due for an attempt: pending and its time come, or claimed by a sender
    whose lease has run out."""
    lease_start = now - timedelta(seconds=lease_s)
    return or_(
        (t.Outgoing.status == OutboxStatus.PENDING.value) & (t.Outgoing.next_attempt_at <= now),
        (t.Outgoing.status == OutboxStatus.SENDING.value) & (t.Outgoing.claimed_at < lease_start),
    )


def _claim_outgoing(
    session: Session, *, now: datetime, lease_s: float, limit: int, only: int | None
) -> list[Claimed]:
    query = select(t.Outgoing).options(undefer(t.Outgoing.raw)).where(_due(now, lease_s))
    if only is not None:
        query = query.where(t.Outgoing.id == only)
    rows = (
        session.scalars(
            query.order_by(t.Outgoing.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    claimed: list[Claimed] = []
    for row in rows:
        row.status = OutboxStatus.SENDING.value
        row.claimed_at = now
        row.attempts += 1
        claimed.append(
            Claimed(
                row.id,
                row.case_id,
                row.mail_from,
                tuple(row.recipients),
                row.raw,
                row.attempts,
                row.created_at,
            )
        )
    return claimed


def _finish_outgoing(session: Session, *, outcomes: Sequence[Finished], now: datetime) -> None:
    # One query for the batch: a get() per row would also flush the rows before it,
    # one UPDATE at a time.
    found = session.scalars(
        select(t.Outgoing)
        .where(t.Outgoing.id.in_([o.outgoing_id for o in outcomes]))
        .with_for_update()
    )
    rows = {row.id: row for row in found.all()}
    for outcome in outcomes:
        row = rows.get(outcome.outgoing_id)
        if row is None or row.status != OutboxStatus.SENDING.value:
            continue
        row.claimed_at = None
        if not outcome.attempted:
            row.attempts -= 1
            row.status = OutboxStatus.PENDING.value
            row.next_attempt_at = outcome.retry_at or now
            continue
        row.last_result = clip(outcome.detail, 1000)
        if outcome.sent:
            row.status = OutboxStatus.SENT.value
            row.sent_at = now
            if row.case_id is None:  # a digest: about no single case, so on no timeline
                continue
            session.add(
                t.Event(
                    case_id=row.case_id,
                    kind=EventKind.MAILED.value,
                    at=now,
                    dedupe_key=f"mailed:{row.id}",
                    data={
                        "outgoing": row.id,
                        "kind": row.kind,
                        "to": row.recipients,
                        "attempts": row.attempts,
                    },
                )
            )
        elif outcome.retry_at is not None:
            row.status = OutboxStatus.PENDING.value
            row.next_attempt_at = outcome.retry_at
        else:
            row.status = OutboxStatus.FAILED.value
