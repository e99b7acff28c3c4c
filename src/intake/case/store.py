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

import hashlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, overload

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import undefer
from sqlalchemy.pool import ConnectionPoolEntry

from intake.calendar import BRUSSELS, WorkCalendar, local_date
from intake.case import tables as t
from intake.case.effects import CaseSnapshot, DecisionMailer, PlannedMail, Responder
from intake.case.merge import CaseState, merge, open_case, settle
from intake.codes import CaseStatus, DocRole, EventKind, Flag, Kind, OutboxStatus, Queue
from intake.parse.prescan import header_block_end
from intake.queue.priority import priority, risk_score
from intake.report import MailReport

_RACE_RETRIES = 8
_CLOSED = frozenset({CaseStatus.DECIDED.value, CaseStatus.CLOSED.value})


class TakeStatus(StrEnum):
    """What ``take`` did with a message."""

    NEW_CASE = "new_case"
    ATTACHED = "attached"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class TakeOutcome:
    """The result of taking one message. ``version`` is set when a check must be placed."""

    status: TakeStatus
    case_id: int | None
    version: int | None = None
    outgoing: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Decided:
    """A recorded decision and the mail it queued (if any)."""

    event_id: int
    outgoing: int | None


@dataclass(frozen=True, slots=True)
class Claimed:
    """An outgoing mail taken for one attempt."""

    outgoing_id: int
    case_id: int
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
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: AsyncEngine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine.sync_engine, "connect")
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

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Connection) -> None:
        # Take the write lock at once: two writers never deadlock upgrading a read lock.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class CaseStore:
    """Cases, messages, events and quarantine, over one SQLAlchemy engine."""

    def __init__(self, engine: AsyncEngine, *, calendar: WorkCalendar) -> None:
        self.engine = engine
        self.calendar = calendar
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def close(self) -> None:
        """Release the connections."""
        await self.engine.dispose()

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
        for attempt in range(_RACE_RETRIES):
            try:
                async with self.transaction() as session:
                    if replaying is not None:
                        if Flag.QUARANTINE in report.flags:
                            await _requarantine(session, replaying, report, now)
                            return TakeOutcome(TakeStatus.QUARANTINED, None)
                        await session.execute(
                            update(t.Quarantined)
                            .where(t.Quarantined.id == replaying)
                            .values(status="replayed")
                        )
                    return await self._take(
                        session, raw, report, body_hash, source_ref, now, responder
                    )
            except IntegrityError:
                # another intake stored the same message or opened the same case first
                if attempt == _RACE_RETRIES - 1:
                    raise
            except OperationalError as exc:
                if "locked" not in str(exc) or attempt == _RACE_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _take(
        self,
        session: AsyncSession,
        raw: bytes,
        report: MailReport,
        body_hash: str,
        source_ref: str,
        now: datetime,
        responder: Responder | None,
    ) -> TakeOutcome:
        duplicate = await self._duplicate_of(session, report, body_hash)
        if duplicate is not None:
            return duplicate
        await _insert_ignore(
            session, t.RawMessage, {"sha256": report.sha256, "size_bytes": len(raw), "data": raw}
        )
        if Flag.QUARANTINE in report.flags:
            session.add(
                t.Quarantined(
                    sha256=report.sha256,
                    source_ref=_clip(source_ref, t.SOURCE_REF_CHARS),
                    reason=_quarantine_reason(report),
                    at=now,
                    status="held",
                    message_id=_clip(report.message_id, t.MESSAGE_ID_CHARS),
                    from_addr=_clip(report.from_, t.ADDRESS_CHARS),
                    subject=report.subject[:2000],
                )
            )
            await session.flush()
            return TakeOutcome(TakeStatus.QUARANTINED, None)

        today = local_date(now)
        case = await self._case_for(session, report)
        message = t.Message(
            sha256=report.sha256,
            body_sha256=body_hash,
            message_id=_clip(report.message_id, t.MESSAGE_ID_CHARS),
            source_ref=_clip(source_ref, t.SOURCE_REF_CHARS),
            received_at=now,
            kind=report.kind.value,
            from_addr=_clip(report.from_, t.ADDRESS_CHARS),
            subject=report.subject[:2000],
            report=report.model_dump(mode="json", by_alias=True),
        )
        if case is None:
            state = open_case(report, today=today, calendar=self.calendar)
            case = t.Case(status=CaseStatus.NEW.value, version=1, placed_version=0, created_at=now)
            _write_state(case, state, report, now)
            session.add(case)
            await session.flush()
            status, event_kind, changed = TakeStatus.NEW_CASE, EventKind.RECEIVED, True
            data: dict[str, Any] = {"queue": state.queue.value, "why": state.why}
        else:
            before = _read_state(case)
            after = (
                before
                if case.status in _CLOSED
                else merge(before, report, today=today, calendar=self.calendar)
            )
            data = {}
            if after.coi != before.coi and await _coi_taken(session, after.coi):
                # Joined by its thread, the message names a reference another case holds:
                # this case keeps its own (none), and its queue says a person must look.
                data["other_case_coi"] = after.coi
                after = settle(replace(after, coi=before.coi), today=today, calendar=self.calendar)
            changed = after != before
            if changed:
                _write_state(case, after, report, now)
                case.version += 1
                if case.status == CaseStatus.QUEUED.value:
                    case.status = CaseStatus.NEW.value
            status, event_kind = TakeStatus.ATTACHED, EventKind.REPLY_ATTACHED
            data |= {"changed": changed, "queue": after.queue.value}
            if after.queue is not before.queue:
                data["queue_before"] = before.queue.value
                data["why"] = after.why
        message.case_id = case.id
        session.add(message)
        await session.flush()
        for role, docs in report.documents.items():
            for doc in docs:
                session.add(
                    t.Document(
                        case_id=case.id,
                        message_pk=message.id,
                        role=role.value,
                        filename=doc.filename,
                        content_type=_clip(doc.content_type, t.CONTENT_TYPE_CHARS),
                        detected_type=doc.detected_type.value,
                        size_bytes=doc.size_bytes,
                        evidence=doc.evidence,
                    )
                )
        event = t.Event(
            case_id=case.id,
            kind=event_kind.value,
            at=now,
            message_pk=message.id,
            data={**data, "kind": report.kind.value, "source": source_ref},
        )
        session.add(event)
        await self._note_bounce(session, report, case, now)
        outgoing: tuple[int, ...] = ()
        if responder is not None:
            await session.flush()
            snapshot = await _snapshot(session, case)
            sent_today = await _sent_today(session, report, now)
            planned = responder(report, snapshot, sent_today_to_sender=sent_today, now=now)
            if planned is not None:
                outgoing = (await _add_outgoing(session, planned, case.id, event.id, now),)
        return TakeOutcome(status, case.id, case.version if changed else None, outgoing)

    async def _note_bounce(
        self, session: AsyncSession, report: MailReport, case: t.Case, now: datetime
    ) -> None:
        """A delivery report about a mail we sent: mark that mail bounced, on its case."""
        if report.bounce is None or report.bounce.original_message_id is None:
            return
        sent = await session.scalar(
            select(t.Outgoing).where(
                t.Outgoing.message_id
                == _clip(report.bounce.original_message_id, t.MESSAGE_ID_CHARS)
            )
        )
        if sent is None or sent.case_id != case.id:
            return
        sent.status = OutboxStatus.BOUNCED.value
        sent.last_result = _clip(
            f"bounced: {report.bounce.recipient} {report.bounce.status} {report.bounce.diagnostic}",
            1000,
        )
        session.add(
            t.Event(
                case_id=case.id,
                kind=EventKind.BOUNCED.value,
                at=now,
                dedupe_key=f"bounced:{sent.id}",
                data={
                    "outgoing": sent.id,
                    "recipient": report.bounce.recipient,
                    "status": report.bounce.status,
                },
            )
        )

    async def _duplicate_of(
        self, session: AsyncSession, report: MailReport, body_hash: str
    ) -> TakeOutcome | None:
        message_id = _clip(report.message_id, t.MESSAGE_ID_CHARS)
        same = or_(t.Message.sha256 == report.sha256, _same_id(message_id, body_hash))
        found = (await session.execute(select(t.Message.case_id).where(same).limit(1))).first()
        if found is not None:
            return TakeOutcome(TakeStatus.DUPLICATE, found[0])
        held = await session.scalar(
            select(t.Quarantined.id).where(
                t.Quarantined.sha256 == report.sha256, t.Quarantined.status == "held"
            )
        )
        return TakeOutcome(TakeStatus.DUPLICATE, None) if held is not None else None

    async def _case_for(self, session: AsyncSession, report: MailReport) -> t.Case | None:
        """The case a message belongs to: by thread first, then by COI reference."""
        refs = [*report.in_reply_to, *report.references][:50]
        if report.bounce is not None and report.bounce.original_message_id:
            refs.insert(0, report.bounce.original_message_id)
        thread = [_clip(ref, t.MESSAGE_ID_CHARS) for ref in refs]
        if thread:
            case_id = await session.scalar(
                select(t.Message.case_id).where(t.Message.message_id.in_(thread)).limit(1)
            )
            if case_id is None:  # an answer to a mail the desk sent
                case_id = await session.scalar(
                    select(t.Outgoing.case_id).where(t.Outgoing.message_id.in_(thread)).limit(1)
                )
            if case_id is not None:
                return await session.get(t.Case, case_id, with_for_update=True)
        if report.coi_references:
            rows = (
                await session.scalars(
                    select(t.Case).where(t.Case.coi.in_(report.coi_references)).with_for_update()
                )
            ).all()
            by_coi = {row.coi: row for row in rows}
            for coi in report.coi_references:
                if coi in by_coi:
                    return by_coi[coi]
        return None

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
                before = _read_state(case)
                after = settle(before, today=today, calendar=self.calendar)
                if after == before:
                    continue
                _write_state(case, after, None, now)
                case.version += 1
                case.status = CaseStatus.NEW.value
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
            await _insert_ignore(
                session, t.RawMessage, {"sha256": sha256, "size_bytes": len(raw), "data": raw}
            )
            await _insert_ignore(
                session,
                t.Quarantined,
                {
                    "sha256": sha256,
                    "source_ref": _clip(source_ref, t.SOURCE_REF_CHARS),
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
                actor=_clip(by, 200),
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
            outgoing: int | None = None
            if mailer is not None:
                planned = mailer(
                    await _snapshot(session, case),
                    decision,
                    note=note,
                    documents_requested=documents_requested,
                    event_id=event.id,
                    now=now,
                )
                if planned is not None:
                    outgoing = await _add_outgoing(session, planned, case.id, event.id, now)
            return Decided(event.id, outgoing)

    async def claim_outgoing(
        self, *, now: datetime, lease_s: float, limit: int = 50, only: int | None = None
    ) -> list[Claimed]:
        """Take due mails for sending. A mail left ``sending`` past its lease (its sender
        died) is due again: the one way a mail can go out twice, see notify.outbox."""
        lease_start = now - timedelta(seconds=lease_s)
        async with self.transaction() as session:
            due = or_(
                (t.Outgoing.status == OutboxStatus.PENDING.value)
                & (t.Outgoing.next_attempt_at <= now),
                (t.Outgoing.status == OutboxStatus.SENDING.value)
                & (t.Outgoing.claimed_at < lease_start),
            )
            query = select(t.Outgoing).options(undefer(t.Outgoing.raw)).where(due)
            if only is not None:
                query = query.where(t.Outgoing.id == only)
            rows = (
                await session.scalars(
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

    async def finish_outgoing(self, outcomes: Sequence[Finished], *, now: datetime) -> None:
        """Record the attempts of a batch in one transaction: each sent, retried at its
        ``retry_at``, failed for good (neither), or released untried (``attempted`` False)."""
        async with self.transaction() as session:
            for outcome in outcomes:
                row = await session.get(t.Outgoing, outcome.outgoing_id, with_for_update=True)
                if row is None or row.status != OutboxStatus.SENDING.value:
                    continue
                row.claimed_at = None
                if not outcome.attempted:
                    row.attempts -= 1
                    row.status = OutboxStatus.PENDING.value
                    row.next_attempt_at = outcome.retry_at or now
                    continue
                row.last_result = _clip(outcome.detail, 1000)
                if outcome.sent:
                    row.status = OutboxStatus.SENT.value
                    row.sent_at = now
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

    async def due_outgoing(self, *, now: datetime, lease_s: float) -> list[int]:
        """Ids of the mails due for an attempt (the delivery sweep)."""
        lease_start = now - timedelta(seconds=lease_s)
        async with self._sessions() as session:
            rows = await session.scalars(
                select(t.Outgoing.id).where(
                    or_(
                        (t.Outgoing.status == OutboxStatus.PENDING.value)
                        & (t.Outgoing.next_attempt_at <= now),
                        (t.Outgoing.status == OutboxStatus.SENDING.value)
                        & (t.Outgoing.claimed_at < lease_start),
                    )
                )
            )
            return list(rows.all())

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

    async def message_count(self) -> int:
        """How many messages the store holds."""
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(t.Message)) or 0)


@overload
def _clip(value: str, limit: int) -> str: ...
@overload
def _clip(value: None, limit: int) -> None: ...
@overload
def _clip(value: str | None, limit: int) -> str | None: ...
def _clip(value: str | None, limit: int) -> str | None:
    """``value`` cut to its column's length: PostgreSQL refuses a longer one, SQLite would
    keep it, and the two back-ends must store the same. The report keeps the whole value."""
    return value[:limit] if value is not None else None


async def _coi_taken(session: AsyncSession, coi: str | None) -> bool:
    """True when a case already holds the reference ``coi``."""
    if coi is None:
        return False
    return await session.scalar(select(t.Case.id).where(t.Case.coi == coi).limit(1)) is not None


def _same_id(message_id: str | None, body_hash: str) -> Any:
    if message_id is None:
        return False
    return (t.Message.message_id == message_id) & (t.Message.body_sha256 == body_hash)


async def _requarantine(
    session: AsyncSession, entry_id: int, report: MailReport, now: datetime
) -> None:
    await session.execute(
        update(t.Quarantined)
        .where(t.Quarantined.id == entry_id)
        .values(reason=_quarantine_reason(report), at=now, status="held")
    )


def _quarantine_reason(report: MailReport) -> str:
    """The reasons that explain the quarantine (the limit or failure), first."""
    return " ".join(report.reasons[:3]) or "The message could not be read."


def _read_state(case: t.Case) -> CaseState:
    return CaseState(
        kind=Kind(case.kind),
        coi=case.coi,
        queue=Queue(case.queue),
        why=case.why,
        eta=case.eta,
        window_opens=case.window_opens,
        flags=tuple(Flag(f) for f in case.flags),
        roles=frozenset(DocRole(r) for r in case.roles),
        missing=tuple(DocRole(m) for m in case.missing),
        extra_controls=Flag.EXTRA_CONTROLS.value in case.flags,
        quarantined=False,
    )


def _write_state(case: t.Case, state: CaseState, report: MailReport | None, now: datetime) -> None:
    case.kind = state.kind.value
    case.coi = state.coi
    case.queue = state.queue.value
    case.why = state.why
    case.eta = state.eta
    case.window_opens = state.window_opens
    case.flags = [f.value for f in state.flags]
    case.roles = sorted(r.value for r in state.roles)
    case.missing = [m.value for m in state.missing]
    case.updated_at = now
    if report is None:
        return
    if not case.subject:
        case.subject = report.subject[:2000]
    if case.importer is None:
        case.importer = _clip(report.from_, t.ADDRESS_CHARS)
        case.reply_to = _clip(report.reply_to, t.ADDRESS_CHARS)


async def _insert_ignore(
    session: AsyncSession, table: type[t.Base], values: dict[str, Any]
) -> None:
    """INSERT … ON CONFLICT DO NOTHING, in the dialect at hand."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    module = postgresql if dialect == "postgresql" else sqlite
    await session.execute(module.insert(table).values(**values).on_conflict_do_nothing())


async def _snapshot(session: AsyncSession, case: t.Case) -> CaseSnapshot:
    """The case as a mail about it needs it."""
    docs = (
        await session.execute(
            select(t.Document.role, t.Document.filename)
            .where(t.Document.case_id == case.id)
            .order_by(t.Document.id)
        )
    ).all()
    by_role: dict[DocRole, list[str]] = {role: [] for role in DocRole}
    for role, filename in docs:
        by_role[DocRole(role)].append(filename)
    thread = (
        await session.scalars(
            select(t.Message.message_id)
            .where(t.Message.case_id == case.id, t.Message.message_id.is_not(None))
            .order_by(t.Message.id)
        )
    ).all()
    ids = tuple(m for m in thread if m)
    return CaseSnapshot(
        case_id=case.id,
        coi=case.coi,
        kind=Kind(case.kind),
        documents={role: tuple(names) for role, names in by_role.items()},
        missing=tuple(DocRole(m) for m in case.missing),
        eta=case.eta,
        window_opens=case.window_opens,
        flags=tuple(Flag(f) for f in case.flags),
        importer=case.importer,
        reply_to=case.reply_to,
        subject=case.subject,
        first_message_id=ids[0] if ids else None,
        thread=ids,
    )


async def _sent_today(session: AsyncSession, report: MailReport, now: datetime) -> int:
    """Automatic mails already queued today (Brussels) for this sender."""
    senders = {a.lower() for a in (report.from_, report.reply_to) if a}
    if not senders:
        return 0
    day_start = datetime.combine(local_date(now), time.min, tzinfo=BRUSSELS)
    count = await session.scalar(
        select(func.count())
        .select_from(t.Outgoing)
        .where(t.Outgoing.recipient_key.in_(senders), t.Outgoing.created_at >= day_start)
    )
    return int(count or 0)


async def _add_outgoing(
    session: AsyncSession, planned: PlannedMail, case_id: int, event_id: int | None, now: datetime
) -> int:
    """Store a planned mail as pending, once per ``dedupe_key``."""
    existing = await session.scalar(
        select(t.Outgoing.id).where(t.Outgoing.dedupe_key == planned.dedupe_key)
    )
    if existing is not None:
        return int(existing)
    row = t.Outgoing(
        case_id=case_id,
        event_id=event_id,
        dedupe_key=_clip(planned.dedupe_key, 300),
        kind=planned.kind,
        message_id=_clip(planned.message_id, t.MESSAGE_ID_CHARS),
        mail_from=_clip(planned.mail_from, t.ADDRESS_CHARS),
        recipients=list(planned.recipients),
        recipient_key=_clip(
            (planned.recipients[0] if planned.recipients else "").lower(), t.ADDRESS_CHARS
        ),
        subject=planned.subject[:2000],
        raw=planned.raw,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id
