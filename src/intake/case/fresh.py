"""A group's fresh messages taken together: one statement per table, not per message.

Most of a mailbox is fresh: new notifications that open a case of their own and join
nothing. For those, what ``take_in_session`` decides one message at a time (duplicate?
which case? what to answer?) is known from a few look-ups for the whole group, and
their rows go in with one multi-row INSERT per table. Everything else (a reply, a
duplicate, a bounce, a quarantined or extra-controls message, or one that shares a key
with an earlier message of its group) is taken one at a time as before, after the fresh
messages ahead of it are written: so every message sees the store exactly as if the
group had been taken one by one, in order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, cast

import structlog
from sqlalchemy import ColumnElement, Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from intake.calendar import BRUSSELS, WorkCalendar, local_date
from intake.case import tables as t
from intake.case.effects import CaseSnapshot, Responder
from intake.case.merge import open_case
from intake.case.outcomes import TakeOutcome, TakeStatus
from intake.case.taking import Taking, case_columns, clip, outgoing_row
from intake.codes import CaseStatus, DocRole, EventKind, Flag, Kind
from intake.report import MailReport

# Thread references looked at per message, as ``take_in_session`` does.
_THREAD_REFS = 50
# Keys per IN (...) list: well under SQLite's and PostgreSQL's bound-parameter limits.
_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class _Keys:
    """A message's keys, as the store compares them."""

    sha256: str
    message_id: str | None
    body_sha256: str
    thread: tuple[str, ...]
    cois: tuple[str, ...]


def _keys(item: Taking, body_hash: str) -> _Keys:
    report = item.report
    refs = [*report.in_reply_to, *report.references][:_THREAD_REFS]
    return _Keys(
        sha256=report.sha256,
        message_id=clip(report.message_id, t.MESSAGE_ID_CHARS),
        body_sha256=body_hash,
        thread=tuple(clip(ref, t.MESSAGE_ID_CHARS) for ref in refs),
        cois=tuple(report.coi_references),
    )


def fresh_positions(
    session: Session, items: Sequence[Taking], body_hashes: Sequence[str]
) -> list[bool]:
    """For each message of a group, whether it is fresh: it opens a new case that no
    other message, stored or earlier in the group, has a say in."""
    keys = [_keys(item, body_hash) for item, body_hash in zip(items, body_hashes, strict=True)]
    stored = _Stored.look_up(session, keys)
    seen_sha: set[str] = set()
    seen_ids: set[str] = set()
    seen_cois: set[str] = set()
    fresh: list[bool] = []
    for item, key in zip(items, keys, strict=True):
        report = item.report
        fresh.append(
            Flag.QUARANTINE not in report.flags
            and report.bounce is None
            and not report.extra_controls
            and key.sha256 not in stored.shas
            and key.sha256 not in seen_sha
            and (key.message_id, key.body_sha256) not in stored.id_pairs
            and (key.message_id is None or key.message_id not in seen_ids)
            and not stored.thread_ids.intersection(key.thread)
            and not seen_ids.intersection(key.thread)
            and not stored.cois.intersection(key.cois)
            and not seen_cois.intersection(key.cois)
        )
        seen_sha.add(key.sha256)
        if key.message_id is not None:
            seen_ids.add(key.message_id)
        seen_cois.update(key.cois)
    return fresh


@dataclass(frozen=True, slots=True)
class _Stored:
    """What the store already holds of a group's keys."""

    shas: frozenset[str]  # raw hashes of stored messages and of held quarantine
    id_pairs: frozenset[tuple[str | None, str]]  # (Message-ID, body hash) stored
    thread_ids: frozenset[str]  # Message-IDs of stored messages and of outgoing mail
    cois: frozenset[str]  # references some case holds

    @classmethod
    def look_up(cls, session: Session, keys: Sequence[_Keys]) -> _Stored:
        shas = sorted({k.sha256 for k in keys})
        ids = sorted({k.message_id for k in keys if k.message_id is not None})
        thread = sorted({ref for k in keys for ref in k.thread})
        cois = sorted({coi for k in keys for coi in k.cois})
        found_shas = _column_in(session, t.Message.sha256, shas) | _column_in(
            session,
            t.Quarantined.sha256,
            shas,
            t.Quarantined.status == "held",
        )
        pairs = {
            (row[0], row[1])
            for chunk in _chunks(ids)
            for row in session.execute(
                select(t.Message.message_id, t.Message.body_sha256).where(
                    t.Message.message_id.in_(chunk)
                )
            )
        }
        thread_ids = _column_in(session, t.Message.message_id, thread) | _column_in(
            session, t.Outgoing.message_id, thread
        )
        return cls(
            shas=frozenset(found_shas),
            id_pairs=frozenset(pairs),
            thread_ids=frozenset(thread_ids),
            cois=frozenset(_column_in(session, t.Case.coi, cois)),
        )


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + _IN_CHUNK] for i in range(0, len(values), _IN_CHUNK)]


def _column_in(
    session: Session, column: Any, values: Sequence[str], *where: ColumnElement[bool]
) -> set[str]:
    """The values of ``values`` that ``column`` holds."""
    found: set[str] = set()
    for chunk in _chunks(values):
        found.update(session.scalars(select(column).where(column.in_(chunk), *where)))
    return found


def take_fresh(
    session: Session,
    items: Sequence[Taking],
    body_hashes: Sequence[str],
    *,
    now: datetime,
    responder: Responder | None,
    calendar: WorkCalendar,
) -> list[TakeOutcome]:
    """Open a case for each fresh message, with its message, documents, event and
    acknowledgment: what ``take_in_session`` writes for each, in one INSERT per table."""
    today = local_date(now)
    states = [open_case(item.report, today=today, calendar=calendar) for item in items]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(t.RawMessage).on_conflict_do_nothing(),
        [{"sha256": i.report.sha256, "size_bytes": len(i.raw), "data": i.raw} for i in items],
    )
    case_rows = []
    for item, state in zip(items, states, strict=True):
        row = case_columns(state, item.report, now)
        row.update(
            status=CaseStatus.NEW.value,
            version=1,
            placed_version=0,
            created_at=now,
            priority=0,
            risk=0,
            decision=None,
        )
        case_rows.append(row)
    case_ids = _insert_returning_ids(session, t.Case, case_rows)
    message_ids = _insert_returning_ids(
        session,
        t.Message,
        [
            {
                "sha256": item.report.sha256,
                "body_sha256": body_hash,
                "message_id": clip(item.report.message_id, t.MESSAGE_ID_CHARS),
                "source_ref": clip(item.source_ref, t.SOURCE_REF_CHARS),
                "received_at": now,
                "kind": item.report.kind.value,
                "from_addr": clip(item.report.from_, t.ADDRESS_CHARS),
                "subject": item.report.subject[:2000],
                "report": item.report.model_dump(mode="json", by_alias=True),
                "case_id": case_id,
            }
            for item, body_hash, case_id in zip(items, body_hashes, case_ids, strict=True)
        ],
    )
    documents = [
        {
            "case_id": case_id,
            "message_pk": message_pk,
            "role": role.value,
            "filename": doc.filename,
            "content_type": clip(doc.content_type, t.CONTENT_TYPE_CHARS),
            "detected_type": doc.detected_type.value,
            "size_bytes": doc.size_bytes,
            "evidence": doc.evidence,
        }
        for item, case_id, message_pk in zip(items, case_ids, message_ids, strict=True)
        for role, docs in item.report.documents.items()
        for doc in docs
    ]
    if documents:
        session.execute(insert(t.Document), documents)
    event_ids = _insert_returning_ids(
        session,
        t.Event,
        [
            {
                "case_id": case_id,
                "kind": EventKind.RECEIVED.value,
                "at": now,
                "actor": "importbio",
                "message_pk": message_pk,
                "dedupe_key": None,
                "data": {
                    "queue": state.queue.value,
                    "why": state.why,
                    "kind": item.report.kind.value,
                    "source": item.source_ref,
                },
            }
            for item, state, case_id, message_pk in zip(
                items, states, case_ids, message_ids, strict=True
            )
        ],
    )
    outgoing = _acknowledge(
        session,
        items,
        case_rows,
        case_ids,
        event_ids,
        now=now,
        responder=responder,
    )
    return [
        TakeOutcome(TakeStatus.NEW_CASE, case_id, 1, outgoing.get(pos, ()))
        for pos, case_id in enumerate(case_ids)
    ]


def _acknowledge(
    session: Session,
    items: Sequence[Taking],
    case_rows: Sequence[dict[str, Any]],
    case_ids: Sequence[int],
    event_ids: Sequence[int],
    *,
    now: datetime,
    responder: Responder | None,
) -> dict[int, tuple[int]]:
    """The acknowledgments of the fresh messages, planned in order under the daily limit
    per sender, as ``take_in_session`` plans each; by position in the group."""
    if responder is None:
        return {}
    answerable = []
    for pos, item in enumerate(items):
        with structlog.contextvars.bound_contextvars(
            message_id=item.report.message_id, ref=item.source_ref
        ):
            if responder.may_answer(item.report):
                answerable.append(pos)
    if not answerable:
        return {}
    sent_today = _sent_today(session, [_senders(items[pos].report) for pos in answerable], now)
    rows: list[dict[str, Any]] = []
    positions: list[int] = []
    keys: set[str] = set()
    for pos in answerable:
        report = items[pos].report
        with structlog.contextvars.bound_contextvars(
            message_id=report.message_id, ref=items[pos].source_ref
        ):
            planned = responder(
                report,
                _snapshot(case_ids[pos], case_rows[pos], report),
                sent_today_to_sender=sum(sent_today[s] for s in _senders(report)),
                now=now,
            )
        if planned is None or planned.dedupe_key in keys:
            continue
        row = outgoing_row(planned, case_ids[pos], event_ids[pos], now)
        keys.add(row["dedupe_key"])
        sent_today[row["recipient_key"]] += 1
        rows.append(row)
        positions.append(pos)
    existing = _column_in(session, t.Outgoing.dedupe_key, sorted(keys))
    kept = [(pos, row) for pos, row in zip(positions, rows, strict=True)]
    kept = [(pos, row) for pos, row in kept if row["dedupe_key"] not in existing]
    ids = _insert_returning_ids(session, t.Outgoing, [row for _, row in kept])
    return {pos: (outgoing_id,) for (pos, _), outgoing_id in zip(kept, ids, strict=True)}


def _senders(report: MailReport) -> frozenset[str]:
    return frozenset(a.lower() for a in (report.from_, report.reply_to) if a)


def _sent_today(session: Session, senders: Sequence[frozenset[str]], now: datetime) -> Counter[str]:
    """Automatic mails already queued today (Brussels) for each of these addresses."""
    day_start = datetime.combine(local_date(now), time.min, tzinfo=BRUSSELS)
    counts: Counter[str] = Counter()
    for chunk in _chunks(sorted(set().union(*senders))):
        rows = session.execute(
            select(t.Outgoing.recipient_key, func.count())
            .where(t.Outgoing.recipient_key.in_(chunk), t.Outgoing.created_at >= day_start)
            .group_by(t.Outgoing.recipient_key)
        )
        counts.update({key: int(count) for key, count in rows})
    return counts


def _snapshot(case_id: int, row: dict[str, Any], report: MailReport) -> CaseSnapshot:
    """The new case as ``taking.snapshot`` would read it back: this message is all it has."""
    message_id = clip(report.message_id, t.MESSAGE_ID_CHARS)
    thread = (message_id,) if message_id else ()
    return CaseSnapshot(
        case_id=case_id,
        coi=row["coi"],
        kind=Kind(row["kind"]),
        documents={
            role: tuple(doc.filename for doc in report.documents.get(role, ())) for role in DocRole
        },
        missing=tuple(DocRole(m) for m in row["missing"]),
        eta=row["eta"],
        window_opens=row["window_opens"],
        flags=tuple(Flag(f) for f in row["flags"]),
        importer=row["importer"],
        reply_to=row["reply_to"],
        subject=row["subject"],
        first_message_id=thread[0] if thread else None,
        thread=thread,
    )


def _insert_returning_ids(
    session: Session, table: type[t.Base], rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` in one multi-row statement; their new ids, in the rows' order."""
    if not rows:
        return []
    core = cast(Table, table.__table__)
    statement = insert(core).returning(core.c.id, sort_by_parameter_order=True)
    return [int(row[0]) for row in session.execute(statement, list(rows))]
