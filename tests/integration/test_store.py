"""The case store on real databases: SQLite (a file) and PostgreSQL (a throwaway server).

Every test migrates an empty database with the real Alembic migrations and then drives
``CaseStore`` the way the intake does: exactly-once intake of messages and duplicates,
the reply flow, quarantine and replay, queue placement, the daily resettling of early
cases, concurrent intake processes, and the officer queues' order.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.calendar import WorkCalendar, local_date
from intake.case import store as store_module
from intake.case import tables as t
from intake.case.migrate import upgrade
from intake.case.outcomes import TakeOutcome, TakeStatus
from intake.case.store import CaseStore, Placement, connect
from intake.case.taking import Taking
from intake.codes import CaseStatus, EventKind, Flag, Kind, Queue
from intake.parse.limits import ParseLimits
from intake.queue.priority import priority, risk_score
from intake.report import MailReport, read_mail
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet
from tests.support.pdf import make_pdf

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).parent.parent / "data" / "samples"
CALENDAR = WorkCalendar()
NOW = datetime.fromisoformat("2023-06-13T11:00:00+02:00")
COI = "COI.EC.2023.0031337"
BL = ("BL MSCU1234567.pdf", ["BILL OF LADING", "Port of discharge: Antwerp"])
INVOICE = ("Factuur 2023-001.pdf", ["FACTUUR", "Factuurnummer 2023-001"])
PROFORMA = ("Proforma Invoice PI-7.pdf", ["PROFORMA INVOICE"])
STEM_05 = "05_outlook_nl_missing_invoice"
STEM_37 = "37_outlook_nl_reply_with_missing_invoice"
Row = TypeVar("Row", bound=t.Base)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a new database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'cases.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[CaseStore]:
    """A case store on the migrated database."""
    await asyncio.to_thread(upgrade, store_url)
    case_store = CaseStore(connect(store_url), calendar=CALENDAR)
    try:
        yield case_store
    finally:
        await case_store.close()


# -- messages ---------------------------------------------------------------------------------


@cache
def _tables() -> TableSet:
    return TableSet.load()


def read_at(raw: bytes, now: datetime = NOW, *, limits: ParseLimits | None = None) -> MailReport:
    """The report of ``raw`` triaged at ``now`` (with other parse limits when given)."""
    context = TriageContext(
        reference_day=local_date(now), calendar=CALENDAR, tables=_tables(), now=now
    )
    if limits is not None:
        context = TriageContext(
            reference_day=context.reference_day,
            calendar=CALENDAR,
            tables=context.tables,
            now=now,
            limits=limits,
        )
    return read_mail(raw, source="test", context=context)


def sample(stem: str) -> tuple[bytes, MailReport, datetime]:
    """A sample's bytes, its report and the moment it was received."""
    path = SAMPLES / f"{stem}.eml"
    now = datetime.fromisoformat(json.loads(path.with_suffix(".expected.json").read_text())["now"])
    raw = path.read_bytes()
    return raw, read_at(raw, now), now


def build_mail(
    subject: str,
    body: str,
    *,
    attachments: Sequence[tuple[str, list[str]]] = (BL, INVOICE),
    message_id: str | None = None,
    in_reply_to: str | None = None,
    sender: str = "import@fruit.example.nl",
) -> bytes:
    """A small plain-text mail with PDF attachments."""
    message = EmailMessage()
    message["From"] = f"Fruit Import <{sender}>"
    message["To"] = "importbio@landbouw.example.be"
    message["Subject"] = subject
    message["Date"] = format_datetime(NOW)
    if message_id is not None:
        message["Message-ID"] = message_id
    if in_reply_to is not None:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    for filename, lines in attachments:
        message.add_attachment(
            make_pdf([lines]), maintype="application", subtype="pdf", filename=filename
        )
    return message.as_bytes()


def notification(
    coi: str = COI,
    *,
    eta: date | None = date(2023, 6, 16),
    attachments: Sequence[tuple[str, list[str]]] = (BL, INVOICE),
    message_id: str | None = None,
    note: str = "",
    sender: str = "import@fruit.example.nl",
) -> tuple[bytes, MailReport]:
    """A notification for ``coi`` announcing ``eta``, and its report at ``NOW``."""
    eta_line = f"ETA Antwerpen: {eta:%d/%m/%Y}\n" if eta else ""
    body = f"Beste,\n\nHierbij melden wij een zending aan. {note}\n{eta_line}\nGroeten\n"
    raw = build_mail(
        f"{coi} bananen", body, attachments=attachments, message_id=message_id, sender=sender
    )
    return raw, read_at(raw)


def serial_coi(number: int) -> str:
    """A distinct valid COI reference per number."""
    return f"COI.EC.2023.{31300 + number:07d}"


async def row_counts(store: CaseStore) -> dict[str, int]:
    """How many rows each table of the store holds."""
    async with store.transaction() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in t.Base.metadata.sorted_tables
        }


async def case_row(store: CaseStore, case_id: int) -> t.Case:
    """The case row as stored now."""
    async with store.transaction() as session:
        case = await session.get(t.Case, case_id)
        assert case is not None
        return case


async def rows(store: CaseStore, model: type[Row]) -> list[Row]:
    """Every row of one table."""
    async with store.transaction() as session:
        return list((await session.scalars(select(model))).all())


# -- exactly once -----------------------------------------------------------------------------


async def test_notification_opens_a_case_at_version_one(store: CaseStore) -> None:
    """A first notification opens a new case at version 1 with its message, documents, event."""
    raw, report, now = sample(STEM_05)
    outcome = await store.take(raw, report, source_ref="INBOX/1", now=now)
    assert outcome.status is TakeStatus.NEW_CASE
    assert outcome.case_id is not None
    assert outcome.version == 1
    case = await case_row(store, outcome.case_id)
    assert (case.coi, case.kind, case.queue) == (COI, "notification", "incomplete")
    assert (case.status, case.version, case.placed_version) == ("new", 1, 0)
    assert case.missing == ["invoice"]
    assert case.eta == date(2023, 6, 16)
    assert case.importer == report.from_
    written = {"cases": 1, "raw_messages": 1, "messages": 1, "documents": 1, "events": 1}
    counts = await row_counts(store)
    assert counts == {table: written.get(table, 0) for table in counts}
    assert await store.raw(report.sha256) == raw


async def test_identical_bytes_again_are_a_duplicate_that_changes_nothing(
    store: CaseStore,
) -> None:
    """Taking the same bytes a second time reports a duplicate and writes nothing at all."""
    raw, report, now = sample(STEM_05)
    first = await store.take(raw, report, source_ref="INBOX/1", now=now)
    before = await row_counts(store)
    again = await store.take(raw, report, source_ref="Archive/7", now=now + timedelta(hours=1))
    assert again.status is TakeStatus.DUPLICATE
    assert again.case_id == first.case_id
    assert again.version is None
    assert await row_counts(store) == before
    assert first.case_id is not None
    assert (await case_row(store, first.case_id)).version == 1


async def test_redelivery_with_an_extra_received_header_is_a_duplicate(store: CaseStore) -> None:
    """A copy with one more trace header (new SHA-256, same Message-ID and body) is a duplicate."""
    raw, report, now = sample(STEM_05)
    await store.take(raw, report, source_ref="INBOX/1", now=now)
    before = await row_counts(store)
    copy = (
        b"Received: from mx2.landbouw.example.be (mx2 [192.0.2.7])\r\n"
        b"\tby mx.landbouw.example.be; Tue, 13 Jun 2023 11:00:05 +0200\r\n" + raw
    )
    copy_report = read_at(copy, now)
    assert copy_report.sha256 != report.sha256
    assert copy_report.message_id == report.message_id
    outcome = await store.take(copy, copy_report, source_ref="INBOX/2", now=now)
    assert outcome.status is TakeStatus.DUPLICATE
    assert await row_counts(store) == before
    assert await store.raw(copy_report.sha256) is None


async def test_reused_message_id_with_another_body_is_not_a_duplicate(store: CaseStore) -> None:
    """A different message that reuses a Message-ID is taken in: nothing is lost."""
    message_id = "<reused-0001@fruit.example.nl>"
    raw_a, report_a = notification(attachments=(BL,), message_id=message_id)
    raw_b, report_b = notification(attachments=(INVOICE,), message_id=message_id)
    assert report_a.message_id == report_b.message_id == message_id
    first = await store.take(raw_a, report_a, source_ref="INBOX/1", now=NOW)
    second = await store.take(raw_b, report_b, source_ref="INBOX/2", now=NOW)
    assert first.status is TakeStatus.NEW_CASE
    assert second.status is TakeStatus.ATTACHED
    assert second.case_id == first.case_id
    assert await store.message_count() == 2
    assert await store.raw(report_b.sha256) == raw_b
    assert first.case_id is not None
    assert (await case_row(store, first.case_id)).queue == "check"


async def test_timestamps_keep_their_instant(store: CaseStore) -> None:
    """A moment stored with its offset reads back as the same instant, time-zone aware."""
    raw, report, now = sample(STEM_05)
    outcome = await store.take(raw, report, source_ref="INBOX/1", now=now)
    assert outcome.case_id is not None
    (message,) = await store.case_messages(outcome.case_id)
    case = await case_row(store, outcome.case_id)
    for moment in (message.received_at, case.created_at, case.updated_at):
        assert moment.tzinfo is not None
        assert moment == now
    (event,) = await store.timeline(outcome.case_id)
    assert event.at == now


async def test_overlong_sender_address_is_stored(store: CaseStore) -> None:
    """A sender address longer than its column is cut to fit, on every back-end alike."""
    sender = "x" * 60 + "@" + ("d" * 60 + ".") * 6 + "nl"
    raw, report = notification(sender=sender)
    assert report.from_ is not None
    assert len(report.from_) > 320
    outcome = await store.take(raw, report, source_ref="INBOX/1", now=NOW)
    assert outcome.status is TakeStatus.NEW_CASE
    assert outcome.case_id is not None
    case = await case_row(store, outcome.case_id)
    assert case.importer == report.from_[:320]
    (message,) = await store.case_messages(outcome.case_id)
    assert message.report["from"] == report.from_  # the full address stays in the report


# -- the reply flow ---------------------------------------------------------------------------


async def test_reply_with_the_missing_invoice_completes_the_case(store: CaseStore) -> None:
    """Sample 37 (the invoice sample 05 lacked) joins 05's case, which becomes ready to check."""
    raw_05, report_05, now_05 = sample(STEM_05)
    raw_37, report_37, now_37 = sample(STEM_37)
    first = await store.take(raw_05, report_05, source_ref="INBOX/1", now=now_05)
    second = await store.take(raw_37, report_37, source_ref="INBOX/2", now=now_37)
    assert second.status is TakeStatus.ATTACHED
    assert second.case_id == first.case_id
    assert second.version == 2
    assert first.case_id is not None
    case = await case_row(store, first.case_id)
    assert (case.kind, case.queue, case.missing, case.version) == ("notification", "check", [], 2)
    assert sorted(case.roles) == ["invoice", "transport"]
    assert case.eta == date(2023, 6, 16)

    messages = await store.case_messages(first.case_id)
    assert [m.sha256 for m in messages] == [report_05.sha256, report_37.sha256]
    documents = await store.case_documents(first.case_id)
    by_message = {m.id: m.sha256 for m in messages}
    assert [(d.role, d.filename, by_message[d.message_pk]) for d in documents] == [
        ("transport", "BL HLCUGYE230512345.pdf", report_05.sha256),
        ("invoice", "Factuur BE-2023-0612.pdf", report_37.sha256),
    ]
    events = await store.timeline(first.case_id)
    assert [(e.kind, e.message_pk) for e in events] == [
        (EventKind.RECEIVED.value, messages[0].id),
        (EventKind.REPLY_ATTACHED.value, messages[1].id),
    ]
    assert events[1].data["queue_before"] == "incomplete"
    assert events[1].data["queue"] == "check"


async def test_notification_after_its_reply_turns_the_case_into_a_notification(
    store: CaseStore,
) -> None:
    """When the reply (37) comes before the notification (05), one case gathers both."""
    raw_37, report_37, _ = sample(STEM_37)
    raw_05, report_05, now_05 = sample(STEM_05)
    first = await store.take(raw_37, report_37, source_ref="1", now=now_05)
    assert first.status is TakeStatus.NEW_CASE
    assert first.case_id is not None
    assert (await case_row(store, first.case_id)).kind == "reply"
    second = await store.take(raw_05, report_05, source_ref="2", now=now_05)
    assert (second.status, second.case_id, second.version) == (
        TakeStatus.ATTACHED,
        first.case_id,
        2,
    )
    case = await case_row(store, first.case_id)
    assert (case.kind, case.queue, case.eta) == ("notification", "check", date(2023, 6, 16))


async def test_every_message_is_in_exactly_one_event(store: CaseStore) -> None:
    """Each stored message is named by exactly one event, whatever kind of mail it is."""
    for stem, ref in [(STEM_05, "1"), (STEM_37, "2"), ("38_outlook_nl_out_of_office", "3")]:
        raw, report, now = sample(stem)
        await store.take(raw, report, source_ref=ref, now=now)
        await store.take(raw, report, source_ref=ref, now=now)  # and once more: a duplicate
    messages = await rows(store, t.Message)
    events = await rows(store, t.Event)
    named = [e.message_pk for e in events if e.message_pk is not None]
    assert sorted(named) == sorted(m.id for m in messages)
    assert len(messages) == 3


async def test_machine_mail_joins_the_timeline_without_a_new_version(store: CaseStore) -> None:
    """An out-of-office reply on a case's thread is kept but needs no new check."""
    raw_05, report_05, now_05 = sample(STEM_05)
    raw_38, report_38, now_38 = sample("38_outlook_nl_out_of_office")
    assert report_38.kind is Kind.AUTO_REPLY
    first = await store.take(raw_05, report_05, source_ref="1", now=now_05)
    outcome = await store.take(raw_38, report_38, source_ref="2", now=now_38)
    assert outcome.status is TakeStatus.ATTACHED
    assert outcome.case_id == first.case_id
    assert outcome.version is None
    assert first.case_id is not None
    assert (await case_row(store, first.case_id)).version == 1
    events = await store.timeline(first.case_id)
    assert events[-1].data["changed"] is False


async def test_reply_on_the_thread_joins_without_a_coi(store: CaseStore) -> None:
    """A reply whose In-Reply-To names a stored message joins that case, COI or not."""
    raw, report = notification(message_id="<notif-0001@fruit.example.nl>", attachments=(BL,))
    first = await store.take(raw, report, source_ref="1", now=NOW)
    answer = build_mail(
        "RE: uw vraag",
        "Beste,\n\nIn bijlage de factuur.\n\nGroeten\n",
        attachments=(INVOICE,),
        in_reply_to="<notif-0001@fruit.example.nl>",
    )
    answer_report = read_at(answer)
    assert not answer_report.coi_references
    outcome = await store.take(answer, answer_report, source_ref="2", now=NOW)
    assert outcome.status is TakeStatus.ATTACHED
    assert outcome.case_id == first.case_id
    assert first.case_id is not None
    assert (await case_row(store, first.case_id)).queue == "check"


async def test_mail_on_a_decided_case_changes_nothing(store: CaseStore) -> None:
    """Once a case is decided, later mail is kept on its timeline but does not reopen it."""
    raw_05, report_05, now_05 = sample(STEM_05)
    raw_37, report_37, now_37 = sample(STEM_37)
    first = await store.take(raw_05, report_05, source_ref="1", now=now_05)
    async with store.transaction() as session:
        case = await session.get(t.Case, first.case_id)
        assert case is not None
        case.status = CaseStatus.DECIDED.value
    outcome = await store.take(raw_37, report_37, source_ref="2", now=now_37)
    assert outcome.status is TakeStatus.ATTACHED
    assert outcome.version is None
    assert first.case_id is not None
    case = await case_row(store, first.case_id)
    assert (case.status, case.version, case.queue) == ("decided", 1, "incomplete")
    assert len(await store.timeline(first.case_id)) == 2


# -- quarantine -------------------------------------------------------------------------------


async def test_quarantined_message_is_held_and_replayed(store: CaseStore) -> None:
    """A message past a limit is held with its bytes; taken again it is a duplicate; replayed
    with normal limits it becomes a case and its entry is marked replayed."""
    raw, _ = notification()
    held_report = read_at(raw, limits=ParseLimits(max_parts=1))
    assert Flag.QUARANTINE in held_report.flags
    outcome = await store.take(raw, held_report, source_ref="INBOX/9", now=NOW)
    assert outcome.status is TakeStatus.QUARANTINED
    assert outcome.case_id is None
    (entry,) = await store.quarantined()
    assert entry.sha256 == held_report.sha256
    assert "limit" in entry.reason
    assert entry.source_ref == "INBOX/9"
    assert entry.status == "held"
    assert await store.raw(entry.sha256) == raw
    assert await store.message_count() == 0

    before = await row_counts(store)
    again = await store.take(raw, held_report, source_ref="INBOX/10", now=NOW)
    assert again.status is TakeStatus.DUPLICATE
    assert await row_counts(store) == before

    replayed = await store.take(
        raw, read_at(raw), source_ref="INBOX/9", now=NOW, replaying=entry.id
    )
    assert replayed.status is TakeStatus.NEW_CASE
    assert replayed.case_id is not None
    assert await store.quarantined() == []
    entry_after = await store.quarantine_entry(entry.id)
    assert entry_after is not None
    assert entry_after.status == "replayed"
    assert await store.message_count() == 1
    assert (await case_row(store, replayed.case_id)).queue == "check"


async def test_replay_that_still_fails_stays_held(store: CaseStore) -> None:
    """Replaying with the same limits keeps the entry held and opens no case."""
    raw, _ = notification()
    held_report = read_at(raw, limits=ParseLimits(max_parts=1))
    await store.take(raw, held_report, source_ref="1", now=NOW)
    (entry,) = await store.quarantined()
    later = NOW + timedelta(days=1)
    outcome = await store.take(raw, held_report, source_ref="1", now=later, replaying=entry.id)
    assert outcome.status is TakeStatus.QUARANTINED
    (still,) = await store.quarantined()
    assert (still.id, still.status) == (entry.id, "held")
    assert still.at == later
    assert await store.message_count() == 0


async def test_hold_keeps_bytes_and_reason(store: CaseStore) -> None:
    """A message that failed is held with its exact bytes and the reason, once."""
    raw = b"From: broken@example.nl\r\nSubject: \xff\xfe\r\n\r\n\x00\x01 body"
    sha = "ab" * 32
    for _ in range(2):
        await store.hold(raw, sha256=sha, source_ref="INBOX/5", reason="Parser crashed.", now=NOW)
    (entry,) = await store.quarantined()
    assert (entry.sha256, entry.reason, entry.source_ref, entry.status) == (
        sha,
        "Parser crashed.",
        "INBOX/5",
        "held",
    )
    assert await store.raw(sha) == raw


# -- placement --------------------------------------------------------------------------------


async def test_place_puts_a_version_on_its_queue_once(store: CaseStore) -> None:
    """Placing writes priority, risk and one QUEUED event; a second call places nothing."""
    raw, report = notification(attachments=(BL, PROFORMA, INVOICE))
    outcome = await store.take(raw, report, source_ref="1", now=NOW)
    assert outcome.case_id is not None
    assert outcome.version == 1
    assert await store.place(outcome.case_id, 1, now=NOW) is Queue.CHECK
    assert await store.place(outcome.case_id, 1, now=NOW) is None
    case = await case_row(store, outcome.case_id)
    assert (case.status, case.placed_version) == ("queued", 1)
    assert case.risk == risk_score([Flag.PROFORMA_INVOICE]) > 0
    assert case.priority == priority(eta=date(2023, 6, 16), risk=case.risk, created_at=NOW)
    queued = [e for e in await store.timeline(outcome.case_id) if e.kind == "queued"]
    assert [(e.dedupe_key, e.data["version"]) for e in queued] == [
        (f"queued:{outcome.case_id}:1", 1)
    ]


async def test_outdated_version_is_not_placed(store: CaseStore) -> None:
    """A version that a later message replaced is not placed; the latest one is."""
    raw, report = notification(attachments=(BL,))
    first = await store.take(raw, report, source_ref="1", now=NOW)
    raw_b, report_b = notification(attachments=(INVOICE,))
    second = await store.take(raw_b, report_b, source_ref="2", now=NOW)
    assert first.case_id is not None
    assert (first.version, second.version) == (1, 2)
    assert await store.pending_placements() == [Placement(first.case_id, 2)]
    assert await store.place(first.case_id, 1, now=NOW) is None
    assert await store.place(first.case_id, 2, now=NOW) is Queue.CHECK
    assert await store.pending_placements() == []
    assert await store.place(first.case_id + 1000, 1, now=NOW) is None


async def test_new_version_after_placing_needs_placing_again(store: CaseStore) -> None:
    """A placed case that a message changes is new again and pending at its new version."""
    raw_05, report_05, now_05 = sample(STEM_05)
    first = await store.take(raw_05, report_05, source_ref="1", now=now_05)
    assert first.case_id is not None
    assert await store.place(first.case_id, 1, now=now_05) is Queue.INCOMPLETE
    raw_37, report_37, now_37 = sample(STEM_37)
    await store.take(raw_37, report_37, source_ref="2", now=now_37)
    case = await case_row(store, first.case_id)
    assert (case.status, case.version, case.placed_version) == ("new", 2, 1)
    assert await store.pending_placements() == [Placement(first.case_id, 2)]


async def test_pending_placements_lists_exactly_the_unplaced_versions(store: CaseStore) -> None:
    """Only cases whose latest version is not placed are pending, oldest case first."""
    case_ids: list[int] = []
    for number in range(4):
        raw, report = notification(serial_coi(number))
        outcome = await store.take(raw, report, source_ref=str(number), now=NOW)
        assert outcome.case_id is not None
        case_ids.append(outcome.case_id)
    await store.place(case_ids[1], 1, now=NOW)
    await store.place(case_ids[3], 1, now=NOW)
    assert await store.pending_placements() == [
        Placement(case_ids[0], 1),
        Placement(case_ids[2], 1),
    ]
    assert await store.pending_placements(limit=1) == [Placement(case_ids[0], 1)]


# -- resettling early cases -------------------------------------------------------------------


async def test_early_case_moves_on_when_its_window_opens(store: CaseStore) -> None:
    """An early case is left alone before its window opens and moves to check on that day."""
    raw, report = notification(eta=date(2023, 6, 30))
    outcome = await store.take(raw, report, source_ref="1", now=NOW)
    assert outcome.case_id is not None
    case = await case_row(store, outcome.case_id)
    assert (case.queue, case.window_opens) == ("early", date(2023, 6, 23))
    await store.place(outcome.case_id, 1, now=NOW)

    day_before = datetime(2023, 6, 22, 18, 0, tzinfo=NOW.tzinfo)
    assert await store.resettle_due(now=day_before) == []
    opening = datetime(2023, 6, 23, 7, 0, tzinfo=NOW.tzinfo)
    assert await store.resettle_due(now=opening) == [Placement(outcome.case_id, 2)]
    case = await case_row(store, outcome.case_id)
    assert (case.queue, case.version, case.status) == ("check", 2, "new")
    assert "too_early" not in case.flags
    assert await store.pending_placements() == [Placement(outcome.case_id, 2)]
    events = await store.timeline(outcome.case_id)
    assert (events[-1].kind, events[-1].data["queue_before"]) == ("queued", "early")
    assert await store.resettle_due(now=opening) == []


# -- concurrency ------------------------------------------------------------------------------


async def test_two_intakes_take_each_message_once(store_url: str, store: CaseStore) -> None:
    """Twenty messages, each taken at once by two store instances, are stored exactly once."""
    other = CaseStore(connect(store_url), calendar=CALENDAR)
    try:
        mails = [notification(serial_coi(number)) for number in range(20)]
        jobs = [
            target.take(raw, report, source_ref=f"{name}/{number}", now=NOW)
            for number, (raw, report) in enumerate(mails)
            for name, target in (("a", store), ("b", other))
        ]
        outcomes = await asyncio.gather(*jobs)
    finally:
        await other.close()
    statuses = [o.status for o in outcomes]
    assert statuses.count(TakeStatus.NEW_CASE) == 20
    assert statuses.count(TakeStatus.DUPLICATE) == 20
    for number in range(20):
        pair = outcomes[2 * number : 2 * number + 2]
        assert pair[0].case_id == pair[1].case_id is not None
    counts = await row_counts(store)
    assert (counts["messages"], counts["cases"], counts["events"], counts["raw_messages"]) == (
        20,
        20,
        20,
        20,
    )


async def test_two_messages_for_one_new_coi_open_one_case(store_url: str, store: CaseStore) -> None:
    """Two different messages for the same new COI, taken at once, end in one case."""
    other = CaseStore(connect(store_url), calendar=CALENDAR)
    try:
        pairs = [
            (
                notification(serial_coi(n), attachments=(BL,)),
                notification(serial_coi(n), attachments=(INVOICE,)),
            )
            for n in range(5)
        ]
        jobs = [
            job
            for n, ((raw_a, rep_a), (raw_b, rep_b)) in enumerate(pairs)
            for job in (
                store.take(raw_a, rep_a, source_ref=f"a/{n}", now=NOW),
                other.take(raw_b, rep_b, source_ref=f"b/{n}", now=NOW),
            )
        ]
        outcomes = await asyncio.gather(*jobs)
    finally:
        await other.close()
    for n in range(5):
        first, second = outcomes[2 * n : 2 * n + 2]
        assert {first.status, second.status} == {TakeStatus.NEW_CASE, TakeStatus.ATTACHED}
        case_id = first.case_id
        assert case_id is not None
        assert case_id == second.case_id
        case = await case_row(store, case_id)
        assert (case.queue, case.version) == ("check", 2)
        events = await store.timeline(case_id)
        assert sorted(e.kind for e in events) == ["received", "reply_attached"]
    counts = await row_counts(store)
    assert (counts["cases"], counts["messages"], counts["events"]) == (5, 10, 10)


async def test_a_group_is_taken_in_one_transaction_in_order(store: CaseStore) -> None:
    """A group of messages, a duplicate and a reply among them, is taken in order at once."""
    first = notification(serial_coi(1), attachments=(BL,))
    reply = notification(serial_coi(1), attachments=(INVOICE,))
    group = [
        Taking(raw, report, f"g/{n}")
        for n, (raw, report) in enumerate(
            [first, notification(serial_coi(2)), first, reply, notification(serial_coi(3))]
        )
    ]
    results = await store.take_many(group, now=NOW)
    statuses = [r.status for r in results if isinstance(r, TakeOutcome)]
    assert statuses == [
        TakeStatus.NEW_CASE,
        TakeStatus.NEW_CASE,
        TakeStatus.DUPLICATE,
        TakeStatus.ATTACHED,
        TakeStatus.NEW_CASE,
    ]
    counts = await row_counts(store)
    assert (counts["cases"], counts["messages"], counts["events"]) == (3, 4, 4)


async def test_a_failing_message_rolls_back_only_itself(
    store: CaseStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message whose take fails half-way leaves no row, and the rest of its group commits:
    the run of fresh messages it was written with is rolled back and taken one at a time."""
    mails = [notification(serial_coi(n)) for n in range(3)]
    doomed = mails[1][1].sha256
    real = store_module.take_in_session
    real_fresh = store_module.take_fresh
    runs: list[int] = []

    def failing(session: Session, **kwargs: Any) -> TakeOutcome:
        outcome = real(session, **kwargs)  # every row of the message is written first
        if kwargs["report"].sha256 == doomed:
            raise RuntimeError("injected failure after the writes")
        return outcome

    def failing_fresh(
        session: Session, items: list[Taking], *args: Any, **kwargs: Any
    ) -> list[TakeOutcome]:
        outcomes = real_fresh(session, items, *args, **kwargs)  # the run's rows are written
        runs.append(len(items))
        if any(item.report.sha256 == doomed for item in items):
            raise RuntimeError("injected failure after the writes")
        return outcomes

    monkeypatch.setattr(store_module, "take_in_session", failing)
    monkeypatch.setattr(store_module, "take_fresh", failing_fresh)
    results = await store.take_many(
        [Taking(raw, report, f"f/{n}") for n, (raw, report) in enumerate(mails)], now=NOW
    )
    assert isinstance(results[1], RuntimeError)
    assert [r.status for r in (results[0], results[2]) if isinstance(r, TakeOutcome)] == [
        TakeStatus.NEW_CASE,
        TakeStatus.NEW_CASE,
    ]
    counts = await row_counts(store)
    assert (counts["cases"], counts["messages"], counts["raw_messages"]) == (2, 2, 2)
    assert runs == [3]  # the three were one run, then each was taken alone
    monkeypatch.setattr(store_module, "take_in_session", real)
    again = await store.take(mails[1][0], mails[1][1], source_ref="f/1", now=NOW)
    assert again.status is TakeStatus.NEW_CASE


# -- reading ----------------------------------------------------------------------------------


async def test_queue_order_is_earliest_eta_then_highest_risk(store: CaseStore) -> None:
    """A queue lists earlier ETAs first, then riskier cases, and undated cases last."""
    takes = {
        "later": notification(serial_coi(1), eta=date(2023, 6, 16)),
        "undated": notification(serial_coi(2), eta=None),
        "risky": notification(
            serial_coi(3), eta=date(2023, 6, 16), attachments=(BL, PROFORMA, INVOICE)
        ),
        "earliest": notification(serial_coi(4), eta=date(2023, 6, 15)),
        "incomplete": notification(serial_coi(5), eta=date(2023, 6, 15), attachments=(BL,)),
    }
    names: dict[int, str] = {}
    for name, (raw, report) in takes.items():
        outcome = await store.take(raw, report, source_ref=name, now=NOW)
        assert outcome.case_id is not None
        names[outcome.case_id] = name
        await store.place(outcome.case_id, 1, now=NOW)
    listed = await store.queue_cases(Queue.CHECK)
    assert [names[case.id] for case in listed] == ["earliest", "risky", "later", "undated"]
    assert [names[c.id] for c in await store.queue_cases(Queue.CHECK, limit=2, offset=1)] == [
        "risky",
        "later",
    ]
    counts = await store.queue_counts()
    assert counts[Queue.CHECK] == 4
    assert counts[Queue.INCOMPLETE] == 1
    assert sum(counts.values()) == 5
    assert set(counts) == set(Queue)


async def test_find_case_by_any_spelling_or_number(store: CaseStore) -> None:
    """A case is found by its number or by its COI reference however it is typed."""
    raw, report, now = sample(STEM_05)
    outcome = await store.take(raw, report, source_ref="1", now=now)
    assert outcome.case_id is not None
    for key in (str(outcome.case_id), COI, "coi ec 2023 0031337"):
        found = await store.find_case(key)
        assert found is not None
        assert found.id == outcome.case_id
    assert await store.find_case("COI.EC.2023.0000001") is None


async def test_reply_on_a_thread_naming_another_case_coi_is_taken(store: CaseStore) -> None:
    """A reply on one case's thread that names the COI of another case joins its thread's
    case, which keeps its own reference: the message is never refused."""
    raw_a, report_a = notification(
        "COI.XY.2023.1234567", message_id="<typo-0001@fruit.example.nl>", attachments=(BL,)
    )
    case_a = await store.take(raw_a, report_a, source_ref="1", now=NOW)
    raw_b, report_b = notification(COI, message_id="<right-0002@fruit.example.nl>")
    case_b = await store.take(raw_b, report_b, source_ref="2", now=NOW)
    assert case_a.case_id != case_b.case_id
    answer = build_mail(
        f"RE: {COI} bananen",
        "Beste,\n\nExcuses, de juiste referentie staat in het onderwerp.\n\nGroeten\n",
        attachments=(INVOICE,),
        in_reply_to="<typo-0001@fruit.example.nl>",
    )
    outcome = await store.take(answer, read_at(answer), source_ref="3", now=NOW)
    assert outcome.status is TakeStatus.ATTACHED
    assert outcome.case_id == case_a.case_id
    assert case_a.case_id is not None
    assert case_b.case_id is not None
    kept = await case_row(store, case_a.case_id)
    assert (kept.coi, kept.queue, kept.version) == (None, "review", 2)
    assert "invoice" in kept.roles
    assert (await store.timeline(case_a.case_id))[-1].data["other_case_coi"] == COI
    assert (await case_row(store, case_b.case_id)).version == 1
    assert await store.message_count() == 3


async def _table_contents(store: CaseStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the intake's tables, but for the generated Message-IDs of outgoing mail."""
    skipped = {("outbox", "message_id"), ("outbox", "raw")}
    contents: dict[str, list[tuple[Any, ...]]] = {}
    async with store.transaction() as session:
        for table in t.Base.metadata.sorted_tables:
            columns = [c for c in table.c if (table.name, c.name) not in skipped]
            result = await session.execute(select(*columns).order_by(*table.primary_key))
            contents[table.name] = [tuple(row) for row in result]
    return contents


async def test_a_group_leaves_the_store_as_taking_each_alone_would(
    store: CaseStore, store_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Every sample, generated notifications past the daily limit, a duplicate, a reply and a
    second mail for a reference of the same group, taken as one group, leave every table
    exactly as taking the same messages one by one does (fresh runs and the rest mixed)."""
    from notify.responders import Acknowledger
    from tests.support.desk import DESK

    if store_url.startswith("sqlite"):
        other_url = f"sqlite+aiosqlite:///{tmp_path / 'one_by_one.sqlite3'}"
    else:
        postgres = request.getfixturevalue("postgres")
        postgres.create_database("one_by_one")
        request.addfinalizer(lambda: postgres.drop_database("one_by_one"))
        other_url = postgres.url_for("one_by_one")
    await asyncio.to_thread(upgrade, other_url)
    alone = CaseStore(connect(other_url), calendar=CALENDAR)
    mails = [
        (path.read_bytes(), read_at(path.read_bytes())) for path in sorted(SAMPLES.glob("*.eml"))
    ]
    first = notification(serial_coi(1), attachments=(BL,), message_id="<first@fruit.example.nl>")
    reply_raw = build_mail(
        "Re: aanmelding",
        "Hierbij de factuur.",
        attachments=(INVOICE,),
        in_reply_to="<first@fruit.example.nl>",
    )
    mails += [notification(serial_coi(10 + n)) for n in range(8)]  # one sender, limit 5
    mails += [first, notification(serial_coi(2)), first, (reply_raw, read_at(reply_raw))]
    mails += [notification(serial_coi(2), attachments=(INVOICE,)), notification(None)]
    responder = Acknowledger(DESK)
    try:
        grouped = await store.take_many(
            [Taking(raw, report, f"m/{n}") for n, (raw, report) in enumerate(mails)],
            now=NOW,
            responder=responder,
        )
        singly = [
            await alone.take(raw, report, source_ref=f"m/{n}", now=NOW, responder=responder)
            for n, (raw, report) in enumerate(mails)
        ]
        assert grouped == singly
        statuses = {r.status for r in singly if isinstance(r, TakeOutcome)}
        assert {TakeStatus.NEW_CASE, TakeStatus.ATTACHED, TakeStatus.DUPLICATE} <= statuses
        mine, theirs = await _table_contents(store), await _table_contents(alone)
        assert mine["outbox"], "some acknowledgments were planned"
        assert mine == theirs
    finally:
        await alone.close()
