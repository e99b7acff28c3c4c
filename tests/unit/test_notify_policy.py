"""Tests for the auto-reply policy: who gets an acknowledgment and who never does."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from intake.calendar import WorkCalendar
from intake.codes import Flag, Kind
from intake.report import MailReport, read_mail
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet
from notify.codes import MailKind
from notify.compose import compose_ack
from notify.policy import OK, ack_kind_for, auto_reply_allowed
from tests.support.notify import DESK, make_facts, make_report

SAMPLES = Path(__file__).parent.parent / "data" / "samples"
LIMIT = DESK.max_auto_per_sender_per_day

REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("bounce", {"kind": Kind.BOUNCE}, "bounce"),
    ("auto-reply kind", {"kind": Kind.AUTO_REPLY}, "automatic reply"),
    ("reply kind", {"kind": Kind.REPLY}, "no acknowledgment"),
    ("other kind", {"kind": Kind.OTHER}, "no acknowledgment"),
    ("quarantined", {"flags": [Flag.QUARANTINE]}, "could not be read"),
    ("mailing-list flag", {"flags": [Flag.MAILING_LIST]}, "mailing list"),
    ("List-Id", {"machine_headers": {"list-id": "<news.example>"}}, "mailing list"),
    ("List-Unsubscribe", {"machine_headers": {"list-unsubscribe": "<mailto:u@x.example>"}}, "list"),
    ("List-Post", {"machine_headers": {"list-post": "<mailto:l@x.example>"}}, "mailing list"),
    ("Precedence bulk", {"machine_headers": {"precedence": "bulk"}}, "Precedence"),
    ("Precedence junk", {"machine_headers": {"precedence": "Junk"}}, "Precedence"),
    ("Precedence list", {"machine_headers": {"precedence": "list"}}, "Precedence"),
    ("Auto-Submitted replied", {"machine_headers": {"auto-submitted": "auto-replied"}}, "Auto"),
    (
        "Auto-Submitted generated with comment",
        {"machine_headers": {"auto-submitted": "auto-generated (by a robot)"}},
        "Auto-Submitted",
    ),
    (
        "X-Auto-Response-Suppress",
        {"machine_headers": {"x-auto-response-suppress": "OOF, AutoReply"}},
        "X-Auto-Response-Suppress",
    ),
    (
        "X-Auto-Response-Suppress All",
        {"machine_headers": {"x-auto-response-suppress": "All"}},
        "X-Auto-Response-Suppress",
    ),
    ("our outbound header", {"machine_headers": {"x-importbio-outbound": "1"}}, "own outgoing"),
    ("our Message-ID", {"message_id": "<abc@desk.example>"}, "Message-ID"),
    ("our Message-ID, subdomain", {"message_id": "<abc@mail.desk.example>"}, "Message-ID"),
    ("our Message-ID, other own domain", {"message_id": "<abc@landbouw.example>"}, "Message-ID"),
    (
        "X-Loop names the desk",
        {"machine_headers": {"x-loop": "importbio@desk.example"}},
        "X-Loop",
    ),
    ("null Return-Path", {"machine_headers": {"return-path": "<>"}}, "null sender"),
    ("spaced null Return-Path", {"machine_headers": {"return-path": " < > "}}, "null sender"),
    (
        "daemon Return-Path",
        {"machine_headers": {"return-path": "<MAILER-DAEMON@mx.example>"}},
        "Return-Path",
    ),
    ("own Return-Path", {"machine_headers": {"return-path": "<x@desk.example>"}}, "Return-Path"),
    ("no sender", {"from_": None}, "no sender"),
    ("no-sender flag", {"flags": [Flag.NO_SENDER]}, "no sender"),
    ("mailer-daemon", {"from_": "MAILER-DAEMON@mx.example"}, "nobody reads"),
    ("postmaster", {"from_": "postmaster@importer.example"}, "nobody reads"),
    ("noreply", {"from_": "noreply@importer.example"}, "nobody reads"),
    ("no-reply", {"from_": "no-reply@importer.example"}, "nobody reads"),
    ("no_reply with tag", {"from_": "No_Reply+orders@importer.example"}, "nobody reads"),
    ("do-not-reply", {"from_": "do-not-reply@importer.example"}, "nobody reads"),
    ("donotreply", {"from_": "DoNotReply@importer.example"}, "nobody reads"),
    ("noreply inside", {"from_": "notifications-noreply@importer.example"}, "nobody reads"),
    ("the desk itself", {"from_": "importbio@desk.example"}, "desk's own"),
    ("a colleague", {"from_": "collega@landbouw.example"}, "desk's own"),
    ("desk subdomain", {"from_": "x@sub.desk.example"}, "desk's own"),
    ("unusable sender", {"from_": "not an address"}, "no valid address"),
    (
        "injected sender",
        {"from_": "a@importer.example\r\nBcc: x@y.example"},
        "no valid address",
    ),
]

ALLOWED: list[tuple[str, dict[str, Any]]] = [
    ("a complete notification", {}),
    ("a PRFC request", {"kind": Kind.PRFC_REQUEST}),
    ("an account question", {"kind": Kind.ACCOUNT}),
    ("Auto-Submitted: no", {"machine_headers": {"auto-submitted": "no"}}),
    ("Precedence first-class", {"machine_headers": {"precedence": "first-class"}}),
    ("suppress delivery reports only", {"machine_headers": {"x-auto-response-suppress": "DR"}}),
    ("a normal Return-Path", {"machine_headers": {"return-path": "<jan@importer.example>"}}),
    ("X-Loop of another system", {"machine_headers": {"x-loop": "helpdesk@importer.example"}}),
    ("a name like noreen", {"from_": "noreen@importer.example"}),
    ("a look-alike domain", {"from_": "jan@desk.example.importer.example"}),
    ("a domain ending like ours", {"from_": "jan@notdesk.example"}),
    ("a Message-ID on a look-alike domain", {"message_id": "<abc@notdesk.example>"}),
    ("no Message-ID", {"message_id": None}),
    (
        "unusable From but a good Reply-To",
        {"from_": "not an address", "reply_to": "jan@importer.example"},
    ),
]


@pytest.mark.parametrize(
    ("changes", "reason"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_refused(changes: dict[str, Any], reason: str) -> None:
    """Each rule of the policy alone refuses an automatic answer and says which rule it was."""
    allowed, why = auto_reply_allowed(make_report(**changes), DESK, sent_today_to_sender=0)
    assert not allowed
    assert reason.lower() in why.lower()


@pytest.mark.parametrize("changes", [c[1] for c in ALLOWED], ids=[c[0] for c in ALLOWED])
def test_allowed(changes: dict[str, Any]) -> None:
    """Mail from a person to the desk, of a kind that is acknowledged, gets an answer."""
    assert auto_reply_allowed(make_report(**changes), DESK, sent_today_to_sender=0) == (True, OK)


@pytest.mark.parametrize(
    ("sent_today", "allowed"),
    [(0, True), (LIMIT - 1, True), (LIMIT, False), (LIMIT + 3, False)],
)
def test_daily_limit_per_sender(sent_today: int, allowed: bool) -> None:
    """Once the daily number of automatic mails to an address is reached, no more are sent."""
    result, why = auto_reply_allowed(make_report(), DESK, sent_today_to_sender=sent_today)
    assert result is allowed
    assert ("daily limit" in why) is not allowed


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (Kind.NOTIFICATION, MailKind.ACK_NOTIFICATION),
        (Kind.PRFC_REQUEST, MailKind.ACK_PRFC),
        (Kind.ACCOUNT, MailKind.ACK_ACCOUNT),
        (Kind.REPLY, None),
        (Kind.AUTO_REPLY, None),
        (Kind.BOUNCE, None),
        (Kind.OTHER, None),
    ],
)
def test_ack_kind_for(kind: Kind, expected: MailKind | None) -> None:
    """Only notifications, PRFC requests and account questions get an acknowledgment."""
    assert ack_kind_for(make_report(kind=kind)) is expected


@cache
def _tables() -> TableSet:
    return TableSet.load()


def _read(raw: bytes) -> MailReport:
    now = datetime.fromisoformat("2023-05-10T09:00:00+02:00")
    context = TriageContext(
        reference_day=now.date(), calendar=WorkCalendar(), tables=_tables(), now=now
    )
    return read_mail(raw, source="test", context=context)


@pytest.mark.parametrize(
    ("stem", "allowed"),
    [
        ("01_outlook_nl_complete", True),
        ("34_outlook_nl_prfc_request", True),
        ("35_gmail_nl_account_question", True),
        ("37_outlook_nl_reply_with_missing_invoice", False),
        ("38_outlook_nl_out_of_office", False),
        ("39_gmail_en_out_of_office", False),
        ("42_postfix_dsn_bounce", False),
        ("43_exchange_ndr_bounce", False),
        ("44_newsletter_list_id", False),
    ],
)
def test_policy_on_sample_mail(stem: str, allowed: bool) -> None:
    """On real sample mail, people are answered and machines, lists and replies are not."""
    report = _read((SAMPLES / f"{stem}.eml").read_bytes())
    assert auto_reply_allowed(report, DESK, sent_today_to_sender=0)[0] is allowed


def test_own_acknowledgment_read_back_is_never_answered() -> None:
    """The desk's own acknowledgment, received again (a loop), is refused an answer."""
    mail = compose_ack(make_report(), make_facts(), DESK, key="ack:loop")
    assert mail is not None
    raw = mail.to_message(DESK, date=datetime.fromisoformat("2023-05-10T09:00:00+02:00"))
    echoed = _read(raw)
    assert echoed.machine_headers.get("x-importbio-outbound") == "1"
    allowed, why = auto_reply_allowed(echoed, DESK, sent_today_to_sender=0)
    assert not allowed, why
