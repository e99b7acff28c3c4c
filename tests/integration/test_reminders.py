"""The schedule over a controlled clock: the right mails on the right days, each once.

A real store (SQLite, and the same story on PostgreSQL) is filled through the intake's own
``take`` with notifications parsed from real mail, then the clock walks day by day over
two periods: 10-25 April 2025 (a weekend and Easter Monday, 21 April) and 3-15 July 2025
(11 July, the desk's closing day by default, and a weekend). Every day every job runs
twice at 10:00; at the end the outbox is delivered to the recording SMTP server.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path

import pytest

from intake.calendar import BRUSSELS, WorkCalendar
from intake.case import tables as t
from intake.case.migrate import upgrade
from intake.case.store import CaseStore, connect
from intake.codes import Flag, OutboxStatus, Queue
from intake.parse.limits import ParseLimits
from intake.report import read_mail
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet
from notify.desk import Desk
from notify.outbox import OutboxDelivery
from notify.reminders.config import JobName, ReminderConfig, parse_officer_groups
from notify.reminders.passes import ReminderRunner
from notify.sender import SmtpSender
from notify.smtp_url import SmtpConfig
from tests.support.pdf import make_pdf
from tests.support.smtpd import RecordingSMTP

pytestmark = pytest.mark.integration

CALENDAR = WorkCalendar()
DESK_ADDRESS = "importbio@landbouw.example.be"
DESK = Desk(
    address=DESK_ADDRESS,
    name="Departement Landbouw en Visserij - import bio",
    own_domains=frozenset({"landbouw.example.be"}),
    max_auto_per_sender_per_day=5,
)
GROUPS = parse_officer_groups(
    "documenten=review,extra_controls,incomplete,early,late,check:controle@landbouw.example.be;"
    "aanvragen=prfc,account:aanvragen@landbouw.example.be",
    desk_address=DESK_ADDRESS,
)
CONFIG = ReminderConfig(groups=GROUPS)
BL = ("BL HLCU{n}.pdf", ["BILL OF LADING", "Port of discharge: Antwerp"])
INVOICE = ("Factuur {n}.pdf", ["FACTUUR", "Factuurnummer 2025-{n}"])
APRIL = [date(2025, 4, 10) + timedelta(days=i) for i in range(16)]
JULY = [date(2025, 7, 3) + timedelta(days=i) for i in range(13)]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment in Brussels."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS)


def mail(
    n: int,
    *,
    subject: str,
    body: str,
    sent: datetime,
    attachments: Sequence[tuple[str, list[str]]] = (),
    in_reply_to: str | None = None,
) -> bytes:
    """A mail from importer ``n`` (its own domain), with PDFs attached."""
    message = EmailMessage()
    message["From"] = f"Importeur {n} <import{n}@handel{n}.example.be>"
    message["To"] = DESK_ADDRESS
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = f"<{n}-{sent.timestamp():.0f}@handel{n}.example.be>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content(body)
    for name, lines in attachments:
        message.add_attachment(
            make_pdf([lines]), maintype="application", subtype="pdf", filename=name.format(n=n)
        )
    return message.as_bytes(policy=email.policy.SMTP)


def coi(n: int) -> str:
    """The COI reference of consignment ``n``."""
    return f"COI.EC.2025.{n:07d}"


def notification(n: int, eta: date, sent: datetime, *, invoice: bool = False) -> bytes:
    """A notification of consignment ``n`` with its B/L (and the invoice when asked)."""
    docs = [BL, INVOICE] if invoice else [BL]
    return mail(
        n,
        subject=f"{coi(n)} bananen",
        body=f"Aanmelding {coi(n)}.\nETA: {eta.strftime('%d-%m-%Y')} (Antwerpen).\n",
        sent=sent,
        attachments=docs,
    )


@cache
def _tables() -> TableSet:
    return TableSet.load([])


class Rig:
    """The store, the runner and a clock."""

    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.runner = ReminderRunner(store, CONFIG, DESK)
        self.case_ids: dict[str, int] = {}

    async def receive(self, name: str, raw: bytes, now: datetime) -> None:
        """Take a mail in as the intake does, as of ``now``."""
        context = TriageContext(
            reference_day=now.date(),
            calendar=CALENDAR,
            tables=_tables(),
            now=now,
            limits=ParseLimits(cpu_budget_s=30.0),
        )
        report = read_mail(raw, source=name, context=context)
        outcome = await self.store.take(raw, report, source_ref=name, now=now)
        assert outcome.case_id is not None
        self.case_ids.setdefault(name, outcome.case_id)

    async def day(self, day: date) -> None:
        """Every job twice at 10:00."""
        for _ in range(2):
            await self.runner.run_due(now=at(day, 10))


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CaseStore]:
    """A migrated, empty store on SQLite or on the session's PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    await asyncio.to_thread(upgrade, url)
    opened = CaseStore(connect(url), calendar=CALENDAR)
    try:
        yield opened
    finally:
        await opened.close()


async def _events(store: CaseStore) -> dict[tuple[str, int | None], list[date]]:
    """Each (mail kind, case) with the Brussels days its mails were queued, from the outbox."""
    found: dict[tuple[str, int | None], list[date]] = defaultdict(list)
    for row in reversed(await store.outbox()):
        if row.kind.startswith("ack") or row.kind == "decision":
            continue
        found[(row.kind, row.case_id)].append(row.created_at.astimezone(BRUSSELS).date())
    return found


def _days(*values: tuple[int, int]) -> list[date]:
    return [date(2025, month, day) for month, day in values]


async def test_reminders_over_easter_and_the_flemish_holiday(
    store: CaseStore, smtp_server: RecordingSMTP
) -> None:
    """Over a weekend, Easter Monday and 11 July: reminders only on working days before the
    ETA while documents are missing, none twice, none once complete or decided; the window
    notice on the day the window opens; escalations and one digest per group per day."""
    desk = Rig(store)
    await desk.receive(
        "missing",
        notification(1, date(2025, 4, 23), at(date(2025, 4, 16), 9)),
        at(date(2025, 4, 16), 9),
    )
    await desk.receive(
        "completed",
        notification(2, date(2025, 4, 24), at(date(2025, 4, 16), 9)),
        at(date(2025, 4, 16), 9),
    )
    await desk.receive(
        "decided",
        notification(3, date(2025, 4, 24), at(date(2025, 4, 16), 9)),
        at(date(2025, 4, 16), 9),
    )
    await desk.receive(
        "early",
        notification(4, date(2025, 4, 25), at(date(2025, 4, 10), 9), invoice=True),
        at(date(2025, 4, 10), 9),
    )
    for day in APRIL:
        if day == date(2025, 4, 14):
            request = mail(
                5,
                subject="punt van vrijgave voor het vrije verkeer in de Unie",
                body="Graag een nieuw punt van vrijgave: Handel 5 NV, Haven 12, 2000 Antwerpen.\n",
                sent=at(day, 10, 30),
            )
            await desk.receive("prfc", request, at(day, 10, 30))
        if day == date(2025, 4, 17):
            await store.decide(
                desk.case_ids["decided"], "release_organic", final=True, by="officer",
                note=None, documents_requested=(), now=at(day, 8), mailer=None,
            )  # fmt: skip
        if day == date(2025, 4, 22):
            reply = mail(
                2, subject=f"RE: {coi(2)} bananen", body="Hierbij de factuur.\n",
                sent=at(day, 8), attachments=[INVOICE],
            )  # fmt: skip
            await desk.receive("completed-reply", reply, at(day, 8))
        await desk.day(day)
    await desk.receive(
        "july", notification(6, date(2025, 7, 14), at(date(2025, 7, 7), 9)), at(date(2025, 7, 7), 9)
    )
    for day in JULY:
        await desk.day(day)

    ids = desk.case_ids
    sent = await _events(store)
    assert sent.pop(("reminder_missing", ids["missing"])) == _days((4, 17), (4, 18), (4, 22))
    assert sent.pop(("reminder_missing", ids["completed"])) == _days((4, 18))
    assert sent.pop(("reminder_missing", ids["july"])) == _days((7, 8), (7, 9), (7, 10))
    assert sent.pop(("window_open", ids["early"])) == _days((4, 17))
    assert sent.pop(("escalation", ids["missing"])) == _days((4, 22), (4, 23))
    assert sent.pop(("escalation", ids["completed"])) == _days((4, 23), (4, 24))
    assert sent.pop(("escalation", ids["early"])) == _days((4, 24), (4, 25))
    assert sent.pop(("escalation", ids["prfc"])) == _days((4, 17))
    assert sent.pop(("escalation", ids["july"])) == _days((7, 10), (7, 14))
    working = [d for d in APRIL + JULY if CALENDAR.is_working_day(d)]
    assert sent.pop(("digest", None)) == sorted(working * 2)
    assert sent == {}, "no other mail, and none for the decided case"
    assert date(2025, 4, 21) not in working
    assert date(2025, 7, 11) not in working

    early = await store.find_case(coi(4))
    assert early is not None
    assert early.queue == Queue.CHECK.value
    for name in ("missing", "completed", "early", "prfc", "july"):
        case = await store.find_case(str(ids[name]))
        assert case is not None, name
        assert Flag.ESCALATED.value in case.flags, name
    decided = await store.find_case(str(ids["decided"]))
    assert decided is not None
    assert Flag.ESCALATED.value not in decided.flags

    sender = SmtpSender(
        SmtpConfig(
            host=smtp_server.host, port=smtp_server.port, username=None, password=None,
            security="plain", timeout_s=5.0, local_hostname="intake.landbouw.example.be",
        )
    )  # fmt: skip
    try:
        delivery = OutboxDelivery(store, sender)
        stats = await delivery.deliver(now=at(date(2025, 7, 15), 12), limit=500)
    finally:
        await sender.close()
    rows = await store.outbox()
    assert stats.sent == len(rows)
    assert all(r.status == OutboxStatus.SENT.value for r in rows)
    received = [
        email.message_from_bytes(m.raw, policy=email.policy.default) for m in smtp_server.messages
    ]
    assert len({m["Message-ID"] for m in received}) == len(received) == len(rows)
    reminder = next(m for m in received if m["Subject"].startswith("Herinnering"))
    assert reminder["Auto-Submitted"] == "auto-generated"
    assert reminder["In-Reply-To"] is not None
    assert reminder["X-Importbio-Outbound"] == "1"
    text = " ".join(reminder.get_body(("plain",)).get_content().split())
    assert text.index("Er ontbreekt nog: factuur") < text.index("Still missing: invoice")


async def test_dry_run_changes_nothing_and_shows_what_a_run_sends(store: CaseStore) -> None:
    """A dry run lists exactly the effects the real run then records, and records nothing."""
    desk = Rig(store)
    await desk.receive(
        "missing",
        notification(1, date(2025, 4, 23), at(date(2025, 4, 16), 9)),
        at(date(2025, 4, 16), 9),
    )
    now = at(date(2025, 4, 22), 10)
    dry = await desk.runner.run_due(now=now, dry_run=True)
    assert await store.outbox() == []
    real = await desk.runner.run_due(now=now)
    assert [p.key for r in dry for p in r.planned] == [p.key for r in real for p in r.planned]
    assert sum(r.mails for r in real) == len(await store.outbox()) == 4
    again = await desk.runner.run_due(now=now, dry_run=True)
    assert [p for r in again for p in r.planned] == []


async def test_two_passes_at_once_record_each_effect_once(store: CaseStore) -> None:
    """The same job run twice concurrently (two schedulers): every effect is stored once."""
    desk = Rig(store)
    for n in range(1, 21):
        raw = notification(n, date(2025, 4, 23), at(date(2025, 4, 16), 9))
        await desk.receive(f"c{n}", raw, at(date(2025, 4, 16), 9))
    now = at(date(2025, 4, 22), 10)
    await asyncio.gather(
        *(desk.runner.run(job, now=now) for job in (JobName.MISSING_DOCUMENTS,) * 2),
        *(desk.runner.run(job, now=now) for job in (JobName.ESCALATION,) * 2),
    )
    rows = await store.outbox()
    assert len(rows) == 40
    assert len({r.dedupe_key for r in rows}) == 40
    async with store.transaction() as session:
        from sqlalchemy import func, select

        events = await session.scalar(
            select(func.count())
            .select_from(t.Event)
            .where(t.Event.kind.in_(["reminded", "escalated"]))
        )
    assert events == 40


async def test_no_reminder_to_robots_and_the_daily_limit_holds(store: CaseStore) -> None:
    """A no-reply importer gets no reminder, and no importer more than the daily limit."""
    desk = Rig(store)
    robot = notification(1, date(2025, 4, 23), at(date(2025, 4, 16), 9)).replace(
        b"import1@handel1.example.be", b"noreply@handel1.example.be"
    )
    await desk.receive("robot", robot, at(date(2025, 4, 16), 9))
    runner = ReminderRunner(store, CONFIG, Desk(
        address=DESK_ADDRESS, name="desk", own_domains=frozenset(), max_auto_per_sender_per_day=0
    ))  # fmt: skip
    await desk.receive(
        "capped",
        notification(2, date(2025, 4, 23), at(date(2025, 4, 16), 9)),
        at(date(2025, 4, 16), 9),
    )
    result = await runner.run(JobName.MISSING_DOCUMENTS, now=at(date(2025, 4, 22), 10))
    assert {p.skipped for p in result.planned} == {"no valid address", "daily limit"}
    assert result.mails == 0
    assert await store.outbox() == []
