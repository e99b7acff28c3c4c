"""Tests for choosing the recipient of an automatic answer from Reply-To and From."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

import notify.addresses
from intake.codes import CaseStatus, DocRole, Flag, Kind, Queue
from notify.addresses import case_recipient, is_machine_address, recipient_for, valid_address
from notify.reminders.mails import importer_address
from notify.reminders.rules import DueCase
from tests.support.notify import DESK, make_report

JAN = "jan@importer.example"
HOSTILE = [
    "a@b.example\r\nBcc: x@y.example",
    "a@b.example\nBcc: x@y.example",
    "a@b.example\rBcc: x@y.example",
    "a@b.example\r\n",
    "a@b.example, c@d.example",
    "a@b.example;c@d.example",
    "a@b.example c@d.example",
    "Jan <a@b.example>",
    "<a@b.example>",
    '"a b"@b.example',
    '"a@b.example"@evil.example',
    "a@b.example@evil.example",
    "=?utf-8?q?a?=@b.example",
    "a@=?utf-8?q?b?=.example",
    "a@[192.0.2.1]",
    "a(comment)@b.example",
    "a@localhost",
    "a\x00@b.example",
    "a\u2028@b.example",
    "j\u00e4n@b.example",
    "not an address",
    "",
    "@b.example",
    "a@",
    "x" * 250 + "@b.example",
]


@pytest.mark.parametrize(
    ("reply_to", "from_", "expected"),
    [
        ("orders@importer.example", JAN, "orders@importer.example"),
        (None, JAN, JAN),
        ("", JAN, JAN),
        ("not an address", JAN, JAN),
        ("importbio@desk.example", JAN, JAN),
        ("someone@landbouw.example", JAN, JAN),
        ("noreply@importer.example", JAN, JAN),
        ("a@b.example\r\nBcc: x@y.example", JAN, JAN),
        ("a@b.example, c@d.example", JAN, JAN),
        (None, None, None),
        ("not an address", "also not", None),
        ("importbio@desk.example", "importbio@desk.example", None),
        (None, "Jan@Importer.EXAMPLE", "Jan@importer.example"),
        (None, "jan@b\u00fccher.example", "jan@xn--bcher-kva.example"),
    ],
)
def test_recipient_choice(reply_to: str | None, from_: str | None, expected: str | None) -> None:
    """A usable Reply-To wins; else From; never the desk, a no-reply box or a broken address."""
    report = make_report(reply_to=reply_to, from_=from_)
    assert recipient_for(report, DESK) == expected


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_addresses_are_refused(value: str) -> None:
    """Injection attempts, several addresses, quoting and display names are never an address."""
    assert valid_address(value) is None
    assert recipient_for(make_report(reply_to=None, from_=value), DESK) is None


def test_test_domains_follow_the_module_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """Special-use .test domains are refused unless ALLOW_TEST_DOMAINS is set."""
    monkeypatch.setattr(notify.addresses, "ALLOW_TEST_DOMAINS", False)
    assert valid_address("jan@importer.test") is None
    monkeypatch.setattr(notify.addresses, "ALLOW_TEST_DOMAINS", True)
    assert valid_address("jan@importer.test") == "jan@importer.test"


@pytest.mark.parametrize(
    ("address", "machine"),
    [
        ("mailer-daemon@x.example", True),
        ("Mailer_Daemon@x.example", True),
        ("postmaster@x.example", True),
        ("no.reply@x.example", True),
        ("NoReply+abc@x.example", True),
        ("ne-pas-repondre@x.example", True),
        ("bounces@x.example", True),
        ("jan@x.example", False),
        ("noreen@x.example", False),
        ("replies@x.example", False),
    ],
)
def test_machine_addresses(address: str, machine: bool) -> None:
    """Mailboxes nobody reads are told by their local part, whatever the separators and tags."""
    assert is_machine_address(address) is machine


@given(st.text(max_size=300), st.one_of(st.none(), st.text(max_size=300)))
def test_any_recipient_is_one_plain_address(from_: str, reply_to: str | None) -> None:
    """Whatever the headers say, the recipient is None or one address without any separator."""
    recipient = recipient_for(make_report(from_=from_, reply_to=reply_to), DESK)
    if recipient is not None:
        assert recipient.count("@") == 1
        assert recipient.isascii()
        assert recipient.isprintable()
        assert not any(c in recipient for c in ' \t\r\n,;<>"()')
        assert "=?" not in recipient
        assert not DESK.is_own_address(recipient)


@pytest.mark.parametrize(
    ("reply_to", "sender", "flags", "expected"),
    [
        ("an@importer.example", JAN, (), "an@importer.example"),
        ("noreply@importer.example", JAN, (), JAN),
        (None, "importbio@desk.example", (), None),
        ("an@importer.example", JAN, (Flag.SENDER_UNVERIFIED,), JAN),
        ("an@importer.example", None, (Flag.SENDER_UNVERIFIED,), None),
    ],
)
def test_case_recipient(
    reply_to: str | None, sender: str | None, flags: tuple[Flag, ...], expected: str | None
) -> None:
    """Case mail goes to a person's Reply-To, else the sender; never to a forgeable Reply-To."""
    found = case_recipient(reply_to=reply_to, sender=sender, flags=flags, desk=DESK)
    assert found == expected


def test_no_automatic_case_mail_to_an_unverified_sender() -> None:
    """Reminders and window notices find no address for a case an unverified sender opened."""
    case = DueCase(
        case_id=1,
        coi="COI.EC.2023.0031337",
        kind=Kind.NOTIFICATION,
        status=CaseStatus.QUEUED,
        queue=Queue.INCOMPLETE,
        eta=date(2025, 4, 22),
        window_opens=date(2025, 4, 15),
        missing=(DocRole.INVOICE,),
        flags=(),
        decision=None,
        importer=JAN,
        reply_to=None,
        subject="COI.EC.2023.0031337",
        created_on=date(2025, 4, 14),
    )
    assert importer_address(case, DESK) == JAN
    assert importer_address(replace(case, flags=(Flag.SENDER_UNVERIFIED,)), DESK) is None
