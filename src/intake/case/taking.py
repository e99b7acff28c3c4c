"""One message into the case store, as one transaction of plain (synchronous) SQLAlchemy.

Written once, run two ways by ``CaseStore.take``: on SQLite in a worker thread with a
synchronous engine (the whole transaction is one hand-off, instead of one per
statement through aiosqlite), and on PostgreSQL through ``AsyncSession.run_sync``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any, overload

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from intake.calendar import BRUSSELS, WorkCalendar, local_date
from intake.case import tables as t
from intake.case.effects import CaseSnapshot, PlannedMail, Responder
from intake.case.merge import CaseState, merge, open_case, settle
from intake.case.outcomes import TakeOutcome, TakeStatus
from intake.case.sampling_tally import count_case
from intake.codes import CaseStatus, DocRole, EventKind, Flag, Kind, OutboxStatus, Queue
from intake.report import MailReport

_CLOSED = frozenset({CaseStatus.DECIDED.value, CaseStatus.CLOSED.value})


@dataclass(frozen=True, slots=True)
class Taking:
    """A message to take: its bytes, what triage made of it, where it came from."""

    raw: bytes
    report: MailReport
    source_ref: str


def take_in_session(
    session: Session,
    *,
    raw: bytes,
    report: MailReport,
    body_hash: str,
    source_ref: str,
    now: datetime,
    responder: Responder | None,
    replaying: int | None,
    calendar: WorkCalendar,
) -> TakeOutcome:
    """Everything ``CaseStore.take`` does, inside the caller's transaction."""
    if replaying is not None:
        if Flag.QUARANTINE in report.flags:
            _requarantine(session, replaying, report, now)
            return TakeOutcome(TakeStatus.QUARANTINED, None)
        session.execute(
            update(t.Quarantined).where(t.Quarantined.id == replaying).values(status="replayed")
        )
    duplicate = _duplicate_of(session, report, body_hash)
    if duplicate is not None:
        return duplicate
    insert_ignore(
        session, t.RawMessage, {"sha256": report.sha256, "size_bytes": len(raw), "data": raw}
    )
    if Flag.QUARANTINE in report.flags:
        session.add(
            t.Quarantined(
                sha256=report.sha256,
                source_ref=clip(source_ref, t.SOURCE_REF_CHARS),
                reason=quarantine_reason(report),
                at=now,
                status="held",
                message_id=clip(report.message_id, t.MESSAGE_ID_CHARS),
                from_addr=clip(report.from_, t.ADDRESS_CHARS),
                subject=report.subject[:2000],
            )
        )
        session.flush()
        return TakeOutcome(TakeStatus.QUARANTINED, None)

    today = local_date(now)
    case = _case_for(session, report)
    message = t.Message(
        sha256=report.sha256,
        body_sha256=body_hash,
        message_id=clip(report.message_id, t.MESSAGE_ID_CHARS),
        source_ref=clip(source_ref, t.SOURCE_REF_CHARS),
        received_at=now,
        kind=report.kind.value,
        from_addr=clip(report.from_, t.ADDRESS_CHARS),
        subject=report.subject[:2000],
        report=report.model_dump(mode="json", by_alias=True),
    )
    if case is None:
        state = open_case(report, today=today, calendar=calendar)
        case = t.Case(status=CaseStatus.NEW.value, version=1, placed_version=0, created_at=now)
        write_state(case, state, report, now)
        session.add(case)
        session.flush()
        status, event_kind, changed = TakeStatus.NEW_CASE, EventKind.RECEIVED, True
        data: dict[str, Any] = {"queue": state.queue.value, "why": state.why}
    else:
        before = read_state(case)
        after = (
            before
            if case.status in _CLOSED
            else merge(before, report, today=today, calendar=calendar)
        )
        data = {}
        if after.coi != before.coi and _coi_taken(session, after.coi):
            # Joined by its thread, the message names a reference another case holds:
            # this case keeps its own (none), and its queue says a person must look.
            data["other_case_coi"] = after.coi
            after = settle(replace(after, coi=before.coi), today=today, calendar=calendar)
        changed = after != before
        if changed:
            write_state(case, after, report, now)
            new_version(case)
        status, event_kind = TakeStatus.ATTACHED, EventKind.REPLY_ATTACHED
        data |= {"changed": changed, "queue": after.queue.value}
        if after.queue is not before.queue:
            data["queue_before"] = before.queue.value
            data["why"] = after.why
    message.case_id = case.id
    session.add(message)
    session.flush()
    for role, docs in report.documents.items():
        for doc in docs:
            session.add(
                t.Document(
                    case_id=case.id,
                    message_pk=message.id,
                    role=role.value,
                    filename=doc.filename,
                    content_type=clip(doc.content_type, t.CONTENT_TYPE_CHARS),
                    detected_type=doc.detected_type.value,
                    size_bytes=doc.size_bytes,
                    evidence=doc.evidence,
                )
            )
    if report.extra_controls and case.status not in _CLOSED:
        rewritten = status is TakeStatus.NEW_CASE or changed
        changed |= _count_for_sampling(session, case, report, data, today, now, rewritten)
    event = t.Event(
        case_id=case.id,
        kind=event_kind.value,
        at=now,
        message_pk=message.id,
        data={**data, "kind": report.kind.value, "source": source_ref},
    )
    session.add(event)
    _note_bounce(session, report, case, now)
    outgoing: tuple[int, ...] = ()
    if responder is not None and responder.may_answer(report):
        session.flush()
        current = snapshot(session, case)
        sent_today = _sent_today(session, report, now)
        planned = responder(report, current, sent_today_to_sender=sent_today, now=now)
        if planned is not None:
            outgoing = (add_outgoing(session, planned, case.id, event.id, now),)
    return TakeOutcome(status, case.id, case.version if changed else None, outgoing)


def _count_for_sampling(
    session: Session,
    case: t.Case,
    report: MailReport,
    data: dict[str, Any],
    today: date,
    now: datetime,
    why_rewritten: bool,
) -> bool:
    """Count an extra-controls case under its rows, in this transaction, and put the
    recommendation and its figures in the case's reasons; True when the case changed."""
    counted = count_case(
        session, case.id, report.extra_controls, year=(case.eta or today).year, now=now
    )
    if counted.new_reasons:
        data["sampling"] = list(counted.new_reasons)
    # ``why`` was just written from the queue rule alone, or still holds earlier reasons
    shown = counted.reasons if why_rewritten else counted.new_reasons
    if shown:
        case.why = " ".join((case.why, *shown)).strip()
    if not counted.recommended or Flag.SAMPLING_RECOMMENDED.value in case.flags:
        return False
    case.flags = [*case.flags, Flag.SAMPLING_RECOMMENDED.value]
    if why_rewritten:
        return False
    new_version(case)
    return True


def _note_bounce(session: Session, report: MailReport, case: t.Case, now: datetime) -> None:
    """A delivery report about a mail we sent: mark that mail bounced, on its case."""
    if report.bounce is None or report.bounce.original_message_id is None:
        return
    sent = session.scalar(
        select(t.Outgoing).where(
            t.Outgoing.message_id == clip(report.bounce.original_message_id, t.MESSAGE_ID_CHARS)
        )
    )
    if sent is None or sent.case_id != case.id:
        return
    sent.status = OutboxStatus.BOUNCED.value
    sent.last_result = clip(
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


def _duplicate_of(session: Session, report: MailReport, body_hash: str) -> TakeOutcome | None:
    message_id = clip(report.message_id, t.MESSAGE_ID_CHARS)
    same = or_(t.Message.sha256 == report.sha256, _same_id(message_id, body_hash))
    found = (session.execute(select(t.Message.case_id).where(same).limit(1))).first()
    if found is not None:
        return TakeOutcome(TakeStatus.DUPLICATE, found[0])
    held = session.scalar(
        select(t.Quarantined.id).where(
            t.Quarantined.sha256 == report.sha256, t.Quarantined.status == "held"
        )
    )
    return TakeOutcome(TakeStatus.DUPLICATE, None) if held is not None else None


def _case_for(session: Session, report: MailReport) -> t.Case | None:
    """The case a message belongs to: by thread first, then by COI reference."""
    refs = [*report.in_reply_to, *report.references][:50]
    if report.bounce is not None and report.bounce.original_message_id:
        refs.insert(0, report.bounce.original_message_id)
    thread = [clip(ref, t.MESSAGE_ID_CHARS) for ref in refs]
    if thread:
        case_id = session.scalar(
            select(t.Message.case_id).where(t.Message.message_id.in_(thread)).limit(1)
        )
        if case_id is None:  # an answer to a mail the desk sent
            case_id = session.scalar(
                select(t.Outgoing.case_id).where(t.Outgoing.message_id.in_(thread)).limit(1)
            )
        if case_id is not None:
            return session.get(t.Case, case_id, with_for_update=True)
    if report.coi_references:
        rows = (
            session.scalars(
                select(t.Case).where(t.Case.coi.in_(report.coi_references)).with_for_update()
            )
        ).all()
        by_coi = {row.coi: row for row in rows}
        for coi in report.coi_references:
            if coi in by_coi:
                return by_coi[coi]
    return None


def _coi_taken(session: Session, coi: str | None) -> bool:
    """True when a case already holds the reference ``coi``."""
    if coi is None:
        return False
    return session.scalar(select(t.Case.id).where(t.Case.coi == coi).limit(1)) is not None


def _requarantine(session: Session, entry_id: int, report: MailReport, now: datetime) -> None:
    session.execute(
        update(t.Quarantined)
        .where(t.Quarantined.id == entry_id)
        .values(reason=quarantine_reason(report), at=now, status="held")
    )


def insert_ignore(session: Session, table: type[t.Base], values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING, in the dialect at hand."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    session.execute(module.insert(table).values(**values).on_conflict_do_nothing())


def snapshot(session: Session, case: t.Case) -> CaseSnapshot:
    """The case as a mail about it needs it."""
    docs = (
        session.execute(
            select(t.Document.role, t.Document.filename)
            .where(t.Document.case_id == case.id)
            .order_by(t.Document.id)
        )
    ).all()
    by_role: dict[DocRole, list[str]] = {role: [] for role in DocRole}
    for role, filename in docs:
        by_role[DocRole(role)].append(filename)
    thread = (
        session.scalars(
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


def _sent_today(session: Session, report: MailReport, now: datetime) -> int:
    """Automatic mails already queued today (Brussels) for this sender."""
    senders = {a.lower() for a in (report.from_, report.reply_to) if a}
    if not senders:
        return 0
    day_start = datetime.combine(local_date(now), time.min, tzinfo=BRUSSELS)
    count = session.scalar(
        select(func.count())
        .select_from(t.Outgoing)
        .where(t.Outgoing.recipient_key.in_(senders), t.Outgoing.created_at >= day_start)
    )
    return int(count or 0)


def add_outgoing(
    session: Session, planned: PlannedMail, case_id: int | None, event_id: int | None, now: datetime
) -> int:
    """Store a planned mail as pending, once per ``dedupe_key``."""
    existing = session.scalar(
        select(t.Outgoing.id).where(t.Outgoing.dedupe_key == planned.dedupe_key)
    )
    if existing is not None:
        return int(existing)
    row = t.Outgoing(**outgoing_row(planned, case_id, event_id, now))
    session.add(row)
    session.flush()
    return row.id


def outgoing_row(
    planned: PlannedMail, case_id: int | None, event_id: int | None, now: datetime
) -> dict[str, Any]:
    """The outbox row of a planned mail, pending from ``now``."""
    return {
        "case_id": case_id,
        "event_id": event_id,
        "dedupe_key": clip(planned.dedupe_key, 300),
        "kind": planned.kind,
        "message_id": clip(planned.message_id, t.MESSAGE_ID_CHARS),
        "mail_from": clip(planned.mail_from, t.ADDRESS_CHARS),
        "recipients": list(planned.recipients),
        "recipient_key": clip(
            (planned.recipients[0] if planned.recipients else "").lower(), t.ADDRESS_CHARS
        ),
        "subject": planned.subject[:2000],
        "raw": planned.raw,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "claimed_at": None,
        "sent_at": None,
        "last_result": "",
    }


@overload
def clip(value: str, limit: int) -> str: ...
@overload
def clip(value: None, limit: int) -> None: ...
def clip(value: str | None, limit: int) -> str | None:
    """``value`` cut to its column's length: PostgreSQL refuses a longer one, SQLite would
    keep it, and the two back-ends must store the same. The report keeps the whole value."""
    return value[:limit] if value is not None else None


def _same_id(message_id: str | None, body_hash: str) -> Any:
    if message_id is None:
        return False
    return (t.Message.message_id == message_id) & (t.Message.body_sha256 == body_hash)


def quarantine_reason(report: MailReport) -> str:
    """The reasons that explain the quarantine (the limit or failure), first."""
    return " ".join(report.reasons[:3]) or "The message could not be read."


def new_version(case: t.Case) -> None:
    """A changed case is a new version, to be placed on its queue again: a queued case
    waits for that placement; one under check or waiting stays so."""
    case.version += 1
    if case.status == CaseStatus.QUEUED.value:
        case.status = CaseStatus.NEW.value


def read_state(case: t.Case) -> CaseState:
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


def write_state(case: t.Case, state: CaseState, report: MailReport | None, now: datetime) -> None:
    for column, value in case_columns(state, None, now).items():
        setattr(case, column, value)
    if report is None:
        return
    if not case.subject:
        case.subject = report.subject[:2000]
    if case.importer is None:
        case.importer = clip(report.from_, t.ADDRESS_CHARS)
        case.reply_to = clip(report.reply_to, t.ADDRESS_CHARS)


def case_columns(state: CaseState, report: MailReport | None, now: datetime) -> dict[str, Any]:
    """A case's columns for ``state``; with ``report``, also those its first message sets."""
    columns: dict[str, Any] = {
        "kind": state.kind.value,
        "coi": state.coi,
        "queue": state.queue.value,
        "why": state.why,
        "eta": state.eta,
        "window_opens": state.window_opens,
        "flags": [f.value for f in state.flags],
        "roles": sorted(r.value for r in state.roles),
        "missing": [m.value for m in state.missing],
        "updated_at": now,
    }
    if report is not None:
        columns["subject"] = report.subject[:2000]
        columns["importer"] = clip(report.from_, t.ADDRESS_CHARS)
        columns["reply_to"] = clip(report.reply_to, t.ADDRESS_CHARS)
    return columns
