"""The desk's outgoing mail end to end: what the product promises about mail out.

In-process, with a migrated SQLite store, the real intake pipeline reading a Maildir with
the ``Acknowledger`` plugged in, and ``OutboxDelivery`` sending through a real ``SmtpSender``
to the recording SMTP server: one acknowledgment per notification whatever is repeated
(the mail, the delivery pass, the deliverer), decision mails, auto-replies and bounces that
cause no mail, the daily limit, loop prevention, temporary and permanent failures, the
crash window of the at-most-once promise, and an outage drill of 200 mails. Last, the same
path through the ``importbio`` commands against Dovecot, Redis and the SMTP server.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage, Message
from email.utils import format_datetime
from pathlib import Path

import pytest
from benchmarks.corpus import message as corpus_message

from intake.calendar import WorkCalendar, local_date
from intake.case.migrate import upgrade
from intake.case.store import CaseStore, connect
from intake.codes import CaseStatus, EventKind, Kind, OutboxStatus, Queue
from intake.parse.limits import ParseLimits
from intake.pipeline import Intake
from intake.sources.maildir import MaildirSource, deliver
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet
from notify.codes import Decision
from notify.desk import Desk
from notify.outbox import DeliveryStats, OutboxDelivery, RetryPolicy
from notify.responders import Acknowledger, DecisionNotice
from notify.sender import SmtpSender
from notify.smtp_url import SmtpConfig
from tests.services.dovecot import Dovecot
from tests.services.redis import RedisServer
from tests.support.pdf import make_pdf
from tests.support.smtpd import ReceivedMessage, RecordingSMTP

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat("2023-06-13T11:00:00+02:00")
CALENDAR = WorkCalendar()
DESK_ADDRESS = "importbio@landbouw.example.be"
DESK = Desk(
    address=DESK_ADDRESS,
    name="Departement Landbouw en Visserij \u2013 import bio",
    own_domains=frozenset({"landbouw.example.be"}),
    max_auto_per_sender_per_day=3,
)
COI = "COI.EC.2023.0031337"
IMPORTER = "tom@vandammefruit.example.be"
LOGISTICS = "logistiek@vandammefruit.example.be"
BL = ("BL HLCUGYE230512345.pdf", ["BILL OF LADING", "Port of discharge: Antwerp"])
INVOICE = ("Factuur 2023-118.pdf", ["FACTUUR", "Factuurnummer 2023-118"])
IMPORTBIO = Path(sys.executable).parent / "importbio"


# -- mail as importers and mail systems write it -----------------------------------------------


def notification(
    coi: str = COI,
    *,
    number: int = 1,
    sender: str = IMPORTER,
    reply_to: str | None = LOGISTICS,
    attachments: Sequence[tuple[str, list[str]]] = (BL,),
    extra_headers: Mapping[str, str] | None = None,
) -> bytes:
    """An Outlook-style notification with its documents attached (by default only the B/L,
    so the invoice is missing) and a Reply-To naming the logistics mailbox."""
    message = EmailMessage()
    message["From"] = f"Tom Van Damme <{sender}>"
    message["To"] = f"Import Bio <{DESK_ADDRESS}>"
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Subject"] = f"{coi} bananen"
    message["Date"] = format_datetime(NOW - timedelta(minutes=10))
    message["Message-ID"] = f"<notif-{number}-{coi}@vandammefruit.example.be>"
    for name, value in (extra_headers or {}).items():
        message[name] = value
    message.set_content(
        f"Dag collega's,\n\nAanmelding van 2 containers bio bananen, {coi}.\n"
        "ETA: 16-06-2023 (Antwerpen, MPET).\n\nMet vriendelijke groeten,\nTom Van Damme\n"
    )
    for filename, lines in attachments:
        message.add_attachment(
            make_pdf([lines]), maintype="application", subtype="pdf", filename=filename
        )
    return message.as_bytes(policy=email.policy.SMTP)


def out_of_office(ack: Message) -> bytes:
    """The automatic reply an importer's Outlook or Gmail sends back to our acknowledgment."""
    message = EmailMessage()
    message["From"] = f"Logistiek Van Damme <{LOGISTICS}>"
    message["To"] = str(ack["From"])
    message["Subject"] = f"Automatisch antwoord: {ack['Subject']}"
    message["Date"] = format_datetime(NOW + timedelta(minutes=5))
    message["Message-ID"] = "<ooo-1@vandammefruit.example.be>"
    message["In-Reply-To"] = str(ack["Message-ID"])
    message["References"] = str(ack["Message-ID"])
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(
        "Beste,\n\nIk ben afwezig tot en met 20 juni 2023 en heb beperkt toegang tot mijn "
        "mails.\n\nMet vriendelijke groeten\n"
    )
    return message.as_bytes(policy=email.policy.SMTP)


def delivery_status_bounce(ack: Message, recipient: str) -> bytes:
    """A Postfix delivery status notification returning our acknowledgment's headers."""
    boundary = "B0UNCE.1686646496/mx.landbouw.example.be"
    headers = "".join(
        f"{name}: {ack[name]}\r\n" for name in ("From", "To", "Subject", "Message-ID", "Date")
    )
    text = (
        "Return-Path: <>\r\n"
        "From: MAILER-DAEMON@mx.landbouw.example.be (Mail Delivery System)\r\n"
        f"To: {DESK_ADDRESS}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(NOW + timedelta(minutes=2))}\r\n"
        "Message-Id: <20230613084456.B0UNCE@mx.landbouw.example.be>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;\r\n"
        f'\tboundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Description: Notification\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mx.landbouw.example.be.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients.\r\n\r\n"
        f"<{recipient}>: host mx.vandammefruit.example.be[198.51.100.7] said: 550 5.1.1\r\n"
        "    User unknown (in reply to RCPT TO command)\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Description: Delivery report\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.landbouw.example.be\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822;{recipient}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Remote-MTA: dns; mx.vandammefruit.example.be\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: User unknown\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Description: Undelivered Message Headers\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"Return-Path: <{DESK_ADDRESS}>\r\n"
        f"{headers}"
        f"--{boundary}--\r\n"
    )
    return text.encode()


def parsed(received: ReceivedMessage) -> Message:
    """A received message, parsed with the modern policy."""
    return email.message_from_bytes(received.raw, policy=email.policy.default)


def plain_text(message: Message) -> str:
    """The text/plain body of a mail the desk sent."""
    assert isinstance(message, email.message.EmailMessage)
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert isinstance(text, str)
    return text.replace("\r\n", "\n")


def message_ids(server: RecordingSMTP) -> Counter[str]:
    """How many copies of each Message-ID the server received."""
    return Counter(str(parsed(m)["Message-ID"]) for m in server.messages)


# -- the installation in one process -----------------------------------------------------------


@dataclass
class Rig:
    """A store, the intake with its acknowledgments, a Maildir, and the relay to send through."""

    store: CaseStore
    server: RecordingSMTP
    maildir: Path
    desk: Desk = DESK
    now: datetime = NOW
    senders: list[SmtpSender] = field(default_factory=list)

    def sender(self) -> SmtpSender:
        """A fresh SMTP sender to the recording server (closed at teardown)."""
        config = SmtpConfig(
            host=self.server.host,
            port=self.server.port,
            username=None,
            password=None,
            security="plain",
            timeout_s=5.0,
            local_hostname="intake.landbouw.example.be",
        )
        sender = SmtpSender(config)
        self.senders.append(sender)
        return sender

    def delivery(self, store: CaseStore | None = None, *, lease_s: float = 900.0) -> OutboxDelivery:
        """An outbox deliverer on the store (or another store on the same database)."""
        return OutboxDelivery(store or self.store, self.sender(), lease_s=lease_s)

    async def take(self, *raws: bytes, desk: Desk | None = None) -> Counter[str]:
        """Deliver the mails into the Maildir and run the intake over it, at ``now``."""
        for raw in raws:
            deliver(self.maildir, raw)
        context = TriageContext(
            reference_day=local_date(self.now),
            calendar=CALENDAR,
            tables=_tables(),
            limits=ParseLimits(cpu_budget_s=30.0),
        )
        intake = Intake(
            self.store,
            context,
            redis=None,
            parse_workers=0,
            clock=lambda: self.now,
            responder=Acknowledger(desk or self.desk),
        )
        source = MaildirSource(self.maildir, batch_size=50)
        try:
            stats = await intake.run(source, watch=False)
        finally:
            await source.close()
            intake.close()
        return stats.outcomes

    async def deliver(self, *, now: datetime | None = None) -> DeliveryStats:
        """One delivery pass at ``now`` with a fresh deliverer."""
        return await self.delivery().deliver(now=now or self.now)

    async def outbox(self, *statuses: OutboxStatus) -> list[tuple[str, str, int]]:
        """(kind, status, attempts) of every outgoing mail, oldest first."""
        rows = await self.store.outbox(statuses=statuses)
        return [(r.kind, r.status, r.attempts) for r in reversed(rows)]

    async def close(self) -> None:
        """Close every sender."""
        for sender in self.senders:
            await sender.close()


_TABLES: list[TableSet] = []


def _tables() -> TableSet:
    if not _TABLES:
        _TABLES.append(TableSet.load())
    return _TABLES[0]


def store_url(tmp_path: Path) -> str:
    """The SQLite URL of the test's store."""
    return f"sqlite+aiosqlite:///{tmp_path / 'cases.sqlite3'}"


@pytest.fixture
async def rig(tmp_path: Path, smtp_server: RecordingSMTP) -> AsyncIterator[Rig]:
    """A migrated store, an empty Maildir and the recording relay."""
    url = store_url(tmp_path)
    await asyncio.to_thread(upgrade, url)
    store = CaseStore(connect(url), calendar=CALENDAR)
    rig = Rig(store=store, server=smtp_server, maildir=tmp_path / "maildir")
    try:
        yield rig
    finally:
        await rig.close()
        await store.close()


async def only_case_id(rig: Rig, coi: str = COI) -> int:
    """The id of the case holding ``coi``."""
    case = await rig.store.find_case(coi)
    assert case is not None
    return case.id


# -- acknowledgments ---------------------------------------------------------------------------


async def test_a_notification_missing_its_invoice_gets_one_acknowledgment(rig: Rig) -> None:
    """A notification without invoice gets one bilingual acknowledgment, to its Reply-To,
    naming the COI and the missing invoice, threaded and marked as an automatic reply."""
    raw = notification()
    assert await rig.take(raw) == Counter({"new_case": 1})
    assert await rig.outbox() == [("ack_notification", "pending", 0)]
    stats = await rig.deliver()
    assert (stats.sent, stats.retried, stats.failed) == (1, 0, 0)

    [received] = rig.server.messages
    assert received.mail_from == DESK_ADDRESS
    assert received.recipients == (LOGISTICS,)
    ack = parsed(received)
    assert ack["To"] == LOGISTICS
    assert ack["In-Reply-To"] == f"<notif-1-{COI}@vandammefruit.example.be>"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["X-Importbio-Outbound"] == "1"
    assert COI in str(ack["Subject"])
    text = plain_text(ack)
    assert COI in text
    assert "Nog niet ontvangen: factuur" in text
    assert "Not yet received: invoice" in text
    assert "BL HLCUGYE230512345.pdf" in text
    assert await rig.outbox() == [("ack_notification", "sent", 1)]
    events = [e.kind for e in await rig.store.timeline(await only_case_id(rig))]
    assert events == [EventKind.RECEIVED.value, EventKind.MAILED.value]


async def test_without_a_valid_reply_to_the_acknowledgment_goes_to_the_sender(rig: Rig) -> None:
    """A Reply-To that is not one plain valid address is ignored: the From address is answered."""
    await rig.take(notification(reply_to="Logistiek <a@b@vandammefruit.example.be>"))
    await rig.deliver()
    [received] = rig.server.messages
    assert received.recipients == (IMPORTER,)


async def test_the_same_notification_twice_and_repeated_passes_send_one_mail(rig: Rig) -> None:
    """The same notification taken in again and delivery run again still give one mail."""
    raw = notification()
    await rig.take(raw)
    await rig.deliver()
    assert await rig.take(raw) == Counter({"duplicate": 1})
    for minutes in (0, 1, 60):
        stats = await rig.deliver(now=NOW + timedelta(minutes=minutes))
        assert stats.sent == 0
    assert len(rig.server.messages) == 1
    assert len(await rig.store.outbox()) == 1


async def test_two_deliverers_at_once_send_every_mail_once(rig: Rig, tmp_path: Path) -> None:
    """Two deliverers on two connections to one store, racing over the same due mail, send
    each acknowledgment exactly once."""
    raws = [notification(f"COI.EC.2023.{n:07d}", number=n, reply_to=None) for n in range(1, 25)]
    desk = Desk(DESK.address, DESK.name, DESK.own_domains, max_auto_per_sender_per_day=100)
    await rig.take(*raws, desk=desk)
    other = CaseStore(connect(store_url(tmp_path)), calendar=CALENDAR)
    try:
        first = rig.delivery()
        second = rig.delivery(other)
        stats = await asyncio.gather(
            first.deliver(now=NOW, limit=5), second.deliver(now=NOW, limit=5)
        )
    finally:
        await other.close()
    assert sum(s.sent for s in stats) == 24
    assert all(s.sent > 0 for s in stats), "both deliverers should have taken a share"
    counts = message_ids(rig.server)
    assert len(counts) == 24
    assert set(counts.values()) == {1}
    assert {status for _, status, _ in await rig.outbox()} == {"sent"}


# -- decisions ---------------------------------------------------------------------------------


async def test_a_decision_sends_one_mail_and_closes_the_case(rig: Rig) -> None:
    """A release decision sends one mail with the decision and the next steps, and takes
    the case off the officer queues."""
    await rig.take(notification(attachments=(BL, INVOICE)))
    await rig.deliver()
    case_id = await only_case_id(rig)
    decided = await rig.store.decide(
        case_id,
        Decision.RELEASE_ORGANIC.value,
        final=True,
        by="officer",
        note=None,
        documents_requested=(),
        now=NOW + timedelta(hours=1),
        mailer=DecisionNotice(DESK),
    )
    assert decided is not None
    assert decided.outgoing is not None
    for _ in range(2):
        await rig.deliver(now=NOW + timedelta(hours=1))
    assert len(rig.server.messages) == 2
    mail = parsed(rig.server.messages[1])
    assert rig.server.messages[1].recipients == (LOGISTICS,)
    assert "released as organic" in str(mail["Subject"])
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["In-Reply-To"] == f"<notif-1-{COI}@vandammefruit.example.be>"
    text = plain_text(mail)
    assert "wordt vrijgegeven als biologisch product" in text
    assert "the consignment is released\nas organic" in text
    assert "Volgende stappen:" in text
    assert "Next steps:" in text
    assert "vak I.9" in text
    assert "box I.9" in text
    case = await rig.store.find_case(COI)
    assert case is not None
    assert (case.status, case.decision) == (CaseStatus.DECIDED.value, "release_organic")
    assert sum((await rig.store.queue_counts()).values()) == 0
    for queue in Queue:
        assert await rig.store.queue_cases(queue) == []
    assert await rig.outbox() == [("ack_notification", "sent", 1), ("decision", "sent", 1)]


async def test_documents_requested_keeps_the_case_waiting_and_lists_them(rig: Rig) -> None:
    """A request for documents keeps the case on its queue, waiting, and its mail lists them."""
    await rig.take(notification())
    case_id = await only_case_id(rig)
    wanted = ("Handelsfactuur / commercial invoice", "Paklijst / packing list")
    decided = await rig.store.decide(
        case_id,
        Decision.DOCUMENTS_REQUESTED.value,
        final=Decision.DOCUMENTS_REQUESTED.is_final,
        by="officer",
        note="De factuur ontbreekt nog.",
        documents_requested=wanted,
        now=NOW,
        mailer=DecisionNotice(DESK),
    )
    assert decided is not None
    assert decided.outgoing is not None
    await rig.deliver()
    decision_mails = [
        parsed(m) for m in rig.server.messages if "Beslissing" in str(parsed(m)["Subject"])
    ]
    assert len(decision_mails) == 1
    text = plain_text(decision_mails[0])
    for document in wanted:
        assert f"- {document}" in text
    assert "De factuur ontbreekt nog." in text
    case = await rig.store.find_case(COI)
    assert case is not None
    assert case.status == CaseStatus.WAITING.value
    assert [c.id for c in await rig.store.queue_cases(Queue(case.queue))] == [case_id]


# -- mail that must cause no mail --------------------------------------------------------------


async def test_an_out_of_office_reply_to_the_acknowledgment_causes_no_mail(rig: Rig) -> None:
    """An auto-reply to our acknowledgment joins the case's timeline through the outbox's
    Message-ID, and is answered with nothing."""
    await rig.take(notification())
    await rig.deliver()
    ack = parsed(rig.server.messages[0])
    reply = out_of_office(ack)
    assert await rig.take(reply) == Counter({"attached": 1})
    await rig.deliver(now=NOW + timedelta(minutes=10))
    assert len(rig.server.messages) == 1
    assert len(await rig.store.outbox()) == 1
    case_id = await only_case_id(rig)
    messages = await rig.store.case_messages(case_id)
    assert [(m.message_id, m.kind) for m in messages][1:] == [
        ("<ooo-1@vandammefruit.example.be>", Kind.AUTO_REPLY.value)
    ]
    events = await rig.store.timeline(case_id)
    assert events[-1].kind == EventKind.REPLY_ATTACHED.value
    assert events[-1].message_pk == messages[1].id


async def test_a_bounce_of_the_acknowledgment_marks_it_bounced(rig: Rig) -> None:
    """A delivery status notification about our acknowledgment marks that mail bounced,
    puts a bounced event on its case, and sends nothing."""
    await rig.take(notification())
    await rig.deliver()
    ack = parsed(rig.server.messages[0])
    assert await rig.take(delivery_status_bounce(ack, LOGISTICS)) == Counter({"attached": 1})
    await rig.deliver(now=NOW + timedelta(minutes=10))
    assert len(rig.server.messages) == 1
    [row] = await rig.store.outbox()
    assert row.status == OutboxStatus.BOUNCED.value
    assert LOGISTICS in row.last_result
    assert "5.1.1" in row.last_result
    events = await rig.store.timeline(row.case_id)
    bounced = [e for e in events if e.kind == EventKind.BOUNCED.value]
    assert len(bounced) == 1
    assert bounced[0].data["outgoing"] == row.id


async def test_the_daily_limit_per_sender_holds(rig: Rig) -> None:
    """N+1 notifications from one sender in one day get N acknowledgments."""
    limit = DESK.max_auto_per_sender_per_day
    raws = [
        notification(f"COI.EC.2023.{n:07d}", number=n, reply_to=None) for n in range(1, limit + 2)
    ]
    await rig.take(*raws)
    await rig.deliver()
    assert len(rig.server.messages) == limit
    assert {m.recipients for m in rig.server.messages} == {(IMPORTER,)}
    rig.now = NOW + timedelta(days=1)
    await rig.take(notification("COI.EC.2023.0999999", number=99, reply_to=None))
    await rig.deliver(now=rig.now)
    assert len(rig.server.messages) == limit + 1, "a new day starts a new count"


@pytest.mark.parametrize(
    ("sender", "reply_to", "headers"),
    [
        pytest.param(DESK_ADDRESS, None, {}, id="from-the-desk"),
        pytest.param("collega@landbouw.example.be", None, {}, id="from-the-desk-domain"),
        pytest.param(IMPORTER, DESK_ADDRESS, {"X-Importbio-Outbound": "1"}, id="outbound-marker"),
        pytest.param(IMPORTER, None, {"X-Loop": DESK_ADDRESS}, id="x-loop"),
    ],
)
async def test_the_desk_does_not_answer_itself(
    rig: Rig, sender: str, reply_to: str | None, headers: dict[str, str]
) -> None:
    """Mail from the desk's own address or domain, or marked as its own, is not answered."""
    await rig.take(notification(sender=sender, reply_to=reply_to, extra_headers=headers))
    await rig.deliver()
    assert rig.server.messages == []
    assert await rig.store.outbox() == []


async def test_our_own_acknowledgment_coming_back_is_not_answered(rig: Rig) -> None:
    """The acknowledgment itself delivered into the desk's mailbox causes no second mail."""
    await rig.take(notification())
    await rig.deliver()
    await rig.take(rig.server.messages[0].raw)
    await rig.deliver()
    assert len(rig.server.messages) == 1
    assert len(await rig.store.outbox()) == 1


# -- failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["MAIL", "DATA-end"])
async def test_a_temporary_failure_is_retried_after_a_backoff(rig: Rig, where: str) -> None:
    """A 451 leaves the mail pending until its backoff passes; the next pass sends it."""
    await rig.take(notification())
    if where == "MAIL":
        rig.server.fail_next(1, "451 4.3.0 try again later", command="MAIL")
    else:
        rig.server.fail_data("451 4.3.0 try again later")
    stats = await rig.deliver()
    assert (stats.sent, stats.retried) == (0, 1)
    [row] = await rig.store.outbox()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING.value, 1)
    assert row.next_attempt_at == NOW + timedelta(seconds=RetryPolicy().first_delay_s)
    assert "451" in row.last_result
    assert (await rig.deliver(now=NOW + timedelta(seconds=30))).sent == 0
    assert (await rig.deliver(now=NOW + timedelta(seconds=61))).sent == 1
    assert len(rig.server.messages) == 1
    assert await rig.outbox() == [("ack_notification", "sent", 2)]


async def test_a_permanent_failure_is_listed_and_sent_after_a_retry(rig: Rig) -> None:
    """A 550 marks the mail failed, listed for officers; retrying it sends it."""
    await rig.take(notification())
    rig.server.fail_next(1, "550 5.7.1 relaying denied", command="MAIL")
    stats = await rig.deliver()
    assert (stats.sent, stats.failed) == (0, 1)
    [failed] = await rig.store.outbox(statuses=(OutboxStatus.FAILED,))
    assert "550" in failed.last_result
    assert (await rig.deliver(now=NOW + timedelta(days=1))).sent == 0
    assert await rig.store.retry_outgoing(failed.id, now=NOW + timedelta(hours=2))
    assert not await rig.store.retry_outgoing(failed.id, now=NOW + timedelta(hours=2))
    assert (await rig.deliver(now=NOW + timedelta(hours=2))).sent == 1
    assert len(rig.server.messages) == 1
    assert await rig.store.outbox(statuses=(OutboxStatus.FAILED,)) == []
    assert await rig.outbox() == [("ack_notification", "sent", 1)]


# -- the crash window --------------------------------------------------------------------------


async def test_a_claim_left_by_a_dead_deliverer_is_sent_once_after_its_lease(rig: Rig) -> None:
    """A deliverer that claimed a mail and died before sending it: after the lease another
    deliverer sends it, and exactly one copy arrives."""
    await rig.take(notification())
    [claimed] = await rig.store.claim_outgoing(now=NOW, lease_s=900.0)
    survivor = rig.delivery(lease_s=30.0)
    assert (await survivor.deliver(now=NOW + timedelta(seconds=10))).sent == 0
    assert (await survivor.deliver(now=NOW + timedelta(seconds=31))).sent == 1
    assert (await survivor.deliver(now=NOW + timedelta(hours=1))).sent == 0
    assert len(rig.server.messages) == 1
    assert rig.server.messages[0].raw.replace(b"\r\n", b"\n") == claimed.raw.replace(b"\r\n", b"\n")
    assert await rig.outbox() == [("ack_notification", "sent", 2)]


async def test_a_deliverer_dead_after_sending_gives_exactly_one_duplicate(rig: Rig) -> None:
    """The window the outbox documents: a mail handed to the relay by a deliverer that died
    before recording it goes out once more after the lease, with the same Message-ID,
    and never a third time."""
    await rig.take(notification())
    [claimed] = await rig.store.claim_outgoing(now=NOW, lease_s=900.0)
    result = await rig.sender().send(
        claimed.raw, mail_from=claimed.mail_from, recipients=claimed.recipients
    )
    assert result.code == 250
    survivor = rig.delivery(lease_s=30.0)
    for seconds in (10, 31, 120, 3600):
        await survivor.deliver(now=NOW + timedelta(seconds=seconds))
    counts = message_ids(rig.server)
    assert list(counts.values()) == [2]
    assert await rig.outbox() == [("ack_notification", "sent", 2)]


# -- the outage drill --------------------------------------------------------------------------


async def _drain(rig: Rig, delivery: OutboxDelivery, now: datetime) -> DeliveryStats:
    """Delivery passes at ``now`` until nothing is due (bounded)."""
    total = DeliveryStats()
    for _ in range(50):
        stats = await delivery.deliver(now=now)
        if not (stats.sent or stats.retried or stats.failed):
            return total  # the pass found nothing due
        total.sent += stats.sent
        total.retried += stats.retried
        total.failed += stats.failed
    raise AssertionError("mail still due after 50 passes")


async def test_outage_drill(rig: Rig) -> None:
    """200 notifications taken in while the relay is down stay pending with a backoff, none
    lost; once it is back, every acknowledgment goes out exactly once."""
    count = 200
    rig.server.stop()
    raws = [corpus_message(n, size_bytes=4_000) for n in range(count)]
    desk = Desk(DESK.address, DESK.name, DESK.own_domains, max_auto_per_sender_per_day=100)
    outcomes = await rig.take(*raws, desk=desk)
    assert sum(outcomes.values()) == count
    rows = await rig.store.outbox()
    assert len(rows) == count
    expected_ids = {r.message_id for r in rows}

    delivery = rig.delivery()
    clock = NOW
    for _ in range(4):  # four minutes of outage, a pass after every retry time
        stats = await _drain(rig, delivery, clock)
        assert stats.sent == 0
        assert stats.failed == 0
        rows = await rig.store.outbox()
        assert len(rows) == count
        assert {r.status for r in rows} == {OutboxStatus.PENDING.value}
        assert all(r.next_attempt_at > clock for r in rows)
        clock = min(r.next_attempt_at for r in rows)
    assert rig.server.messages == []

    rig.server.start()
    clock += timedelta(hours=1)
    stats = await _drain(rig, delivery, clock)
    assert stats.sent == count

    counts = message_ids(rig.server)
    assert set(counts) == expected_ids
    assert set(counts.values()) == {1}
    rows = await rig.store.outbox()
    assert {r.status for r in rows} == {OutboxStatus.SENT.value}
    mailed: Counter[int] = Counter()
    for case_id in {r.case_id for r in rows}:
        for event in await rig.store.timeline(case_id):
            if event.kind == EventKind.MAILED.value:
                mailed[event.data["outgoing"]] += 1
    assert mailed == Counter({r.id: 1 for r in rows})


# -- through the commands ----------------------------------------------------------------------


@dataclass
class Install:
    """The ``importbio`` commands configured for one Dovecot, Redis, store and relay."""

    env: dict[str, str]

    def ok(self, *args: str) -> str:
        """Run ``importbio ARGS``, insist on exit 0 and no traceback; its stdout."""
        done = subprocess.run(
            [str(IMPORTBIO), *args], env=self.env, capture_output=True, timeout=90, check=False
        )
        stderr = done.stderr.decode(errors="replace")
        assert done.returncode == 0, f"importbio {' '.join(args)}: {done.returncode}\n{stderr}"
        assert "Traceback" not in stderr, stderr
        return done.stdout.decode()


@contextlib.contextmanager
def _installed(
    tmp_path: Path, dovecot: Dovecot, redis_server: RedisServer, smtp: RecordingSMTP
) -> Iterator[Install]:
    password = "s3cret-Imap-Pw"
    dovecot.add_user("intake", password)
    base = {k: v for k, v in os.environ.items() if not k.startswith("IMPORTBIO_")}
    yield Install(
        {
            **base,
            "IMPORTBIO_IMAP_URL": (
                f"imap://intake%40example.test:{password}@127.0.0.1:{dovecot.imap_port}/INBOX"
            ),
            "IMPORTBIO_REDIS_URL": redis_server.url,
            "IMPORTBIO_DATABASE_URL": store_url(tmp_path),
            "IMPORTBIO_VAR_DIR": str(tmp_path / "var"),
            "IMPORTBIO_SMTP_URL": smtp.url(),
            "IMPORTBIO_DESK_ADDRESS": DESK_ADDRESS,
            "IMPORTBIO_PARSE_WORKERS": "0",
            "IMPORTBIO_LOG_FORMAT": "json",
        }
    )


def test_mail_out_through_the_commands(
    tmp_path: Path, dovecot: Dovecot, redis_server: RedisServer, smtp_server: RecordingSMTP
) -> None:
    """intake and worker as processes acknowledge a notification over SMTP, ``decide`` sends
    the decision, ``outbox list`` shows both sent, and the acknowledgment is a message an
    IMAP server stores byte for byte."""
    with _installed(tmp_path, dovecot, redis_server, smtp_server) as install:
        install.ok("migrate")
        dovecot.append("intake", "INBOX", notification())
        install.ok("intake", "--burst")
        install.ok("worker", "--burst")
        assert len(smtp_server.messages) == 1
        ack = smtp_server.messages[0]
        assert ack.recipients == (LOGISTICS,)
        assert COI in plain_text(parsed(ack))

        decided = install.ok("decide", COI, "release_organic", "--by", "test")
        assert "release_organic recorded by test" in decided
        install.ok("worker", "--burst")
        assert len(smtp_server.messages) == 2
        decision = parsed(smtp_server.messages[1])
        assert "Beslissing / Decision" in str(decision["Subject"])

        install.ok("worker", "--burst")
        assert len(smtp_server.messages) == 2
        listed = json.loads(install.ok("outbox", "list", "--json"))
        assert sorted((row["kind"], row["status"]) for row in listed) == [
            ("ack_notification", "sent"),
            ("decision", "sent"),
        ]

    dovecot.add_user("importer", "Importer-Pw-1")
    dovecot.append("importer", "INBOX", ack.raw)
    assert dovecot.folder_messages("importer", "INBOX") == [ack.raw]
