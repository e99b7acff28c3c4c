"""What an officer changes from the desk: notes, the ETA, decisions, PRFC answers, mail
retried, quarantine replayed.

Each change is one transaction that also records an event naming the officer as its
actor, so the case's timeline is its audit trail. Mail a change causes is stored in the
same transaction (the outbox); the caller then asks a worker to send it (``Announcer``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from arq.connections import ArqRedis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from desk import audit
from intake.calendar import WorkCalendar, local_date
from intake.case import tables as t
from intake.case.effects import PlannedMail
from intake.case.merge import settle
from intake.case.store import CaseStore
from intake.case.taking import (
    add_outgoing,
    clip,
    new_version,
    read_state,
    snapshot,
    write_state,
)
from intake.codes import CaseStatus, EventKind, Kind
from intake.queue.checks import enqueue_check
from intake.report import read_mail
from intake.triage.context import TriageContext
from notify.codes import Decision
from notify.desk import Desk
from notify.jobs import enqueue_delivery
from notify.prfc import planned_prfc_answer
from notify.responders import DecisionNotice

MAX_NOTE_CHARS = 4000
MAX_DOCUMENTS_REQUESTED = 20
_CLOSED = frozenset({CaseStatus.DECIDED.value, CaseStatus.CLOSED.value})


class ActionError(Exception):
    """A change the desk refuses; the message says why, for the officer."""


@dataclass(frozen=True, slots=True)
class Changed:
    """The outcome of a change: its event, the mail it queued, the case version to place."""

    case_id: int
    event_id: int
    outgoing: int | None = None
    version: int | None = None


class Announcer:
    """Tells the workers about new mail and new case versions (when Redis is configured;
    without it the delivery and placement sweeps find them from the store)."""

    def __init__(self, redis: ArqRedis | None) -> None:
        self.redis = redis

    async def __call__(self, changed: Changed) -> None:
        """Enqueue the mail's delivery and the case version's placement."""
        if self.redis is None:
            return
        if changed.outgoing is not None:
            await enqueue_delivery(self.redis, changed.outgoing)
        if changed.version is not None:
            await enqueue_check(self.redis, changed.case_id, changed.version)


def _note(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    if len(text) > MAX_NOTE_CHARS:
        raise ActionError(f"a note has at most {MAX_NOTE_CHARS} characters")
    return text.strip()


class DeskActions:
    """The officer's changes, over the case store."""

    def __init__(self, store: CaseStore, *, desk: Desk, calendar: WorkCalendar) -> None:
        self.store = store
        self.desk = desk
        self.calendar = calendar
        self._sessions = async_sessionmaker(store.engine, expire_on_commit=False)

    async def add_note(self, case_id: int, text: str, *, by: str, now: datetime) -> Changed:
        """Add an officer's note to a case's timeline."""
        note = _note(text)
        if note is None:
            raise ActionError("a note cannot be empty")
        async with self._sessions() as session, session.begin():
            case = await session.get(t.Case, case_id)
            if case is None:
                raise ActionError(f"there is no case {case_id}")
            event = t.Event(case_id=case_id, kind=EventKind.NOTE.value, at=now, actor=clip(by, 200))
            event.data = {"text": note}
            session.add(event)
            await session.flush()
            return Changed(case_id, event.id)

    async def change_eta(self, case_id: int, eta: date, *, by: str, now: datetime) -> Changed:
        """Correct a case's ETA (from TRACES box 20): timing and queue are judged again and
        the new version of the case is placed on its queue."""
        async with self._sessions() as session, session.begin():
            case = await session.get(t.Case, case_id, with_for_update=True)
            if case is None:
                raise ActionError(f"there is no case {case_id}")
            if case.status in _CLOSED:
                raise ActionError("the case is decided: its ETA can no longer change")
            before = read_state(case)
            changed = replace(before, eta=eta, window_opens=self.calendar.window_opens(eta))
            after = settle(changed, today=local_date(now), calendar=self.calendar)
            write_state(case, after, None, now)
            new_version(case)
            event = t.Event(
                case_id=case_id,
                kind=EventKind.ETA_CHANGED.value,
                at=now,
                actor=clip(by, 200),
                data={
                    "eta_before": before.eta.isoformat() if before.eta else None,
                    "eta": eta.isoformat(),
                    "queue_before": before.queue.value,
                    "queue": after.queue.value,
                    "why": after.why,
                },
            )
            session.add(event)
            await session.flush()
            return Changed(case_id, event.id, version=case.version)

    async def preview_decision(
        self, case_id: int, decision: Decision, *, note: str | None, documents: tuple[str, ...]
    ) -> PlannedMail | None:
        """The mail a decision would send, without recording anything."""
        note = _note(note)
        _check_decision(decision, note, documents)
        async with self._sessions() as session:
            case = await session.get(t.Case, case_id)
            if case is None:
                raise ActionError(f"there is no case {case_id}")
            shot = await session.run_sync(snapshot, case)
        return DecisionNotice(self.desk)(
            shot,
            decision.value,
            note=note,
            documents_requested=documents,
            event_id=0,
            now=datetime.now(UTC),
        )

    async def decide(
        self,
        case_id: int,
        decision: Decision,
        *,
        note: str | None,
        documents: tuple[str, ...],
        by: str,
        now: datetime,
    ) -> Changed:
        """Record a decision (the officer as actor) and queue the importer's mail."""
        note = _note(note)
        _check_decision(decision, note, documents)
        current = await self.store.find_case(str(case_id))
        if current is None:
            raise ActionError(f"there is no case {case_id}")
        if current.status in _CLOSED:
            raise ActionError(f"the case is already decided ({current.decision})")
        decided = await self.store.decide(
            case_id,
            decision.value,
            final=decision.is_final,
            by=by,
            note=note,
            documents_requested=documents,
            now=now,
            mailer=DecisionNotice(self.desk),
        )
        if decided is None:
            raise ActionError(f"there is no case {case_id}")
        audit.decided(case_id=case_id, decision=decision, by=by, outgoing_id=decided.outgoing)
        return Changed(case_id, decided.event_id, decided.outgoing)

    async def answer_prfc(
        self,
        case_id: int,
        *,
        confirmed: bool,
        company: str,
        address: str,
        note: str | None,
        by: str,
        now: datetime,
    ) -> Changed:
        """Confirm (listing the point of release) or refuse a PRFC request, and queue the
        requester's mail, in one transaction."""
        company, address, note = company.strip(), address.strip(), _note(note)
        if confirmed and not (company and address):
            raise ActionError("a confirmation needs the company and the address")
        if len(company) > 300 or len(address) > 2000:
            raise ActionError("the company or the address is too long")
        decision = "prfc_confirmed" if confirmed else "prfc_refused"
        async with self._sessions() as session, session.begin():
            case = await session.get(t.Case, case_id, with_for_update=True)
            if case is None:
                raise ActionError(f"there is no case {case_id}")
            if case.kind != Kind.PRFC_REQUEST.value:
                raise ActionError("the case is not a request for a point of release")
            if case.status in _CLOSED:
                raise ActionError(f"the request is already answered ({case.decision})")
            event = t.Event(
                case_id=case_id,
                kind=EventKind.DECIDED.value,
                at=now,
                actor=clip(by, 200),
                data={
                    "decision": decision,
                    "company": company,
                    "address": address,
                    "note": note,
                    "status_before": case.status,
                },
            )
            session.add(event)
            case.decision = decision
            case.status = CaseStatus.DECIDED.value
            case.updated_at = now
            await session.flush()
            if confirmed:
                await self._list_point(session, case_id, company, address, by=by, now=now)
            shot = await session.run_sync(snapshot, case)
            planned = planned_prfc_answer(
                shot,
                confirmed=confirmed,
                company=company,
                address=address,
                note=note,
                desk=self.desk,
                event_id=event.id,
                now=now,
            )
            outgoing: int | None = None
            if planned is not None:
                event_id = event.id
                outgoing = await session.run_sync(
                    lambda s: add_outgoing(s, planned, case_id, event_id, now)
                )
            return Changed(case_id, event.id, outgoing)

    @staticmethod
    async def _list_point(
        session: AsyncSession, case_id: int, company: str, address: str, *, by: str, now: datetime
    ) -> None:
        point = t.ReleasePoint(
            case_id=case_id,
            company=company,
            address=address,
            confirmed_at=now,
            confirmed_by=clip(by, 200),
            valid_from=now,
        )
        session.add(point)
        await session.flush()
        # The same place confirmed again: the newer row is the listing, the older is history.
        older = await session.scalars(
            select(t.ReleasePoint).where(
                func.lower(t.ReleasePoint.company) == company.lower(),
                func.lower(t.ReleasePoint.address) == address.lower(),
                t.ReleasePoint.superseded_at.is_(None),
                t.ReleasePoint.id != point.id,
            )
        )
        for row in older.all():
            row.superseded_at = now
            row.superseded_by = point.id

    async def retry_mail(self, outgoing_id: int, *, by: str, now: datetime) -> Changed:
        """Make a failed or bounced mail due again, recorded on its case."""
        async with self._sessions() as session:
            case_id = await session.scalar(
                select(t.Outgoing.case_id).where(t.Outgoing.id == outgoing_id)
            )
        if case_id is None or not await self.store.retry_outgoing(outgoing_id, now=now):
            raise ActionError(f"mail {outgoing_id} is not failed or bounced")
        async with self._sessions() as session, session.begin():
            event = t.Event(
                case_id=case_id,
                kind=EventKind.MAIL_RETRIED.value,
                at=now,
                actor=clip(by, 200),
                data={"outgoing": outgoing_id},
            )
            session.add(event)
            await session.flush()
            return Changed(case_id, event.id, outgoing_id)

    async def replay(
        self,
        entry_id: int,
        *,
        context: Callable[[datetime], TriageContext],
        by: str,
        now: datetime,
    ) -> tuple[str, Changed | None]:
        """Read a held quarantined message again with today's settings; returns what became
        of it, and the change on its case when it became (part of) one."""
        found = await self.store.quarantine_entry(entry_id)
        if found is None or found.status != "held":
            raise ActionError(f"there is no held quarantine entry {entry_id}")
        data = await self.store.raw(found.sha256) or b""
        report = read_mail(data, source=found.source_ref, context=context(now))
        outcome = await self.store.take(
            data, report, source_ref=found.source_ref, now=now, replaying=entry_id
        )
        if outcome.case_id is None:
            return outcome.status.value, None
        async with self._sessions() as session, session.begin():
            event = t.Event(
                case_id=outcome.case_id,
                kind=EventKind.REPLAYED.value,
                at=now,
                actor=clip(by, 200),
                data={"quarantine": entry_id, "outcome": outcome.status.value},
            )
            session.add(event)
            await session.flush()
            return outcome.status.value, Changed(outcome.case_id, event.id, None, outcome.version)


def _check_decision(decision: Decision, note: str | None, documents: tuple[str, ...]) -> None:
    if len(documents) > MAX_DOCUMENTS_REQUESTED or any(len(d) > 200 for d in documents):
        raise ActionError(f"at most {MAX_DOCUMENTS_REQUESTED} documents of 200 characters")
    if decision is Decision.DOCUMENTS_REQUESTED and not (any(documents) or note):
        raise ActionError("a request for documents names the documents or carries a note")
