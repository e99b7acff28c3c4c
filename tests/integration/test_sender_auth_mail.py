"""A sender that fails authentication gets no case details back by mail: the intake checks
each sender (DNS from a table), triage flags the failing one, and the acknowledgment that a
verified sender gets through the real SMTP server is never written for it."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from intake.auth.verify import SenderAuthenticator
from intake.calendar import WorkCalendar, local_date
from intake.case.migrate import upgrade
from intake.case.store import CaseStore, connect
from intake.codes import Flag
from intake.parse.limits import ParseLimits
from intake.pipeline import Intake
from intake.sources.maildir import MaildirSource, deliver
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet
from notify import addresses
from notify.desk import Desk
from notify.outbox import OutboxDelivery
from notify.responders import Acknowledger
from notify.sender import SmtpSender
from notify.smtp_url import SmtpConfig
from tests.support.dkim_keys import Dns, message, sign
from tests.support.smtpd import RecordingSMTP

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat("2023-06-13T11:00:00+02:00")
DESK = Desk(address="importbio@desk.example", name="Import bio", own_domains=frozenset())


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[CaseStore]:
    """A migrated SQLite case store."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cases.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    opened = CaseStore(connect(url), calendar=WorkCalendar())
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_failing_sender_gets_no_acknowledgment_a_verified_one_does(
    store: CaseStore, tmp_path: Path, smtp_server: RecordingSMTP, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Of two signed notifications, the tampered one is flagged with its reason and gets no
    mail; the intact one is acknowledged with its COI, delivered to the SMTP server."""
    monkeypatch.setattr(addresses, "ALLOW_TEST_DOMAINS", True)
    good = sign(
        message(sender="jan@importer.test", subject="COI.CN.2023.0012345 gember"),
        domain="importer.test",
    )
    forged = sign(
        message(
            sender="jan@importer.test",
            subject="COI.CN.2023.0054321 gember",
            headers={"Reply-To": "curious@elsewhere.test"},
        ),
        domain="importer.test",
    ).replace(b"ETA 16-06-2023", b"ETA 19-06-2023")
    maildir = tmp_path / "maildir"
    for raw in (good, forged):
        deliver(maildir, raw)
    dns = Dns().key("importer.test").dmarc("importer.test")
    intake = Intake(
        store,
        TriageContext(
            reference_day=local_date(NOW),
            calendar=WorkCalendar(),
            tables=TableSet.load(),
            limits=ParseLimits(cpu_budget_s=30.0),
        ),
        redis=None,
        parse_workers=0,
        clock=lambda: NOW,
        responder=Acknowledger(DESK),
        authenticator=SenderAuthenticator(dns.resolver()),
    )
    source = MaildirSource(maildir, batch_size=10)
    try:
        await intake.run(source, watch=False)
    finally:
        await source.close()
        intake.close()

    flagged = await store.find_case("COI.CN.2023.0054321")
    verified = await store.find_case("COI.CN.2023.0012345")
    assert flagged is not None
    assert verified is not None
    assert Flag.SENDER_UNVERIFIED.value in flagged.flags
    assert Flag.SENDER_UNVERIFIED.value not in verified.flags
    [flagged_message] = await store.case_messages(flagged.id)
    reasons = flagged_message.report["reasons"]
    assert any("could not be verified" in r and "dkim=fail" in r for r in reasons)
    assert flagged_message.report["sender_auth"]["verified"] is False

    outbox = await store.outbox()
    assert [row.case_id for row in outbox] == [verified.id]
    sender = SmtpSender(
        SmtpConfig(
            host=smtp_server.host,
            port=smtp_server.port,
            username=None,
            password=None,
            security="plain",
            timeout_s=5.0,
            local_hostname="intake.desk.example",
        )
    )
    try:
        stats = await OutboxDelivery(store, sender).deliver(now=NOW)
    finally:
        await sender.close()
    assert stats.sent == 1
    [received] = smtp_server.messages
    assert received.recipients == ("jan@importer.test",)
    ack = email.message_from_bytes(received.raw, policy=email.policy.default)
    assert "COI.CN.2023.0012345" in str(ack["Subject"])
    assert all(b"0054321" not in m.raw for m in smtp_server.messages)
    assert all("curious@elsewhere.test" not in m.recipients for m in smtp_server.messages)
