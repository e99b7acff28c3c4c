"""Whom the desk answers: one valid, plain mailbox taken from Reply-To or From.

Addresses come from received mail, so they are checked before anything is built from them:
one mailbox, no display name, no quoted local part, no line break, no IP literal, nothing
on the desk's own domains, and valid by ``email-validator`` (syntax only, no DNS look-up).
Internationalised local parts are refused because they need SMTPUTF8 all the way; an
internationalised domain is answered in its ASCII (punycode) form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email

from intake.codes import Flag
from intake.report import MailReport
from notify.desk import Desk

#: Accept the special-use ``.test`` domains (RFC 2606); only test suites turn this on.
ALLOW_TEST_DOMAINS = False

_MAX_ADDRESS_CHARS = 254
# Anything that could smuggle a second mailbox, a header or a display name.
_FORBIDDEN_RE = re.compile(r"[\s\"<>(),;:\\\[\]]|=\?")
_SEPARATORS_RE = re.compile(r"[-_.]")
_MACHINE_LOCAL_PARTS = frozenset(
    {
        "mailerdaemon",
        "maildaemon",
        "postmaster",
        "bounce",
        "bounces",
        "autoreply",
        "autoresponder",
        "mailer",
        "daemon",
    }
)
# A local part holding one of these is a mailbox nobody reads.
_MACHINE_WORDS: tuple[str, ...] = (
    "noreply", "donotreply", "dontreply", "noresponse", "noresponder", "nepasrepondre",
    "nietbeantwoorden", "nichtantworten",
)  # fmt: skip


def valid_address(value: str | None) -> str | None:
    """``value`` as a normalised deliverable-looking mailbox (ASCII form), or None."""
    if not value:
        return None
    # Only blanks are trimmed: a line break anywhere means the header was tampered with.
    candidate = value.strip(" \t")
    if not candidate or len(candidate) > _MAX_ADDRESS_CHARS or candidate.count("@") != 1:
        return None
    if _FORBIDDEN_RE.search(candidate) or not candidate.isprintable():
        return None
    try:
        checked = validate_email(
            candidate,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            test_environment=ALLOW_TEST_DOMAINS,
        )
    except EmailNotValidError:
        return None
    return checked.ascii_email or None


def is_machine_address(address: str) -> bool:
    """True for mailer-daemon, postmaster, no-reply and similar mailboxes nobody reads."""
    local = address.strip().rpartition("@")[0].lower()
    local = local.partition("+")[0]
    squeezed = _SEPARATORS_RE.sub("", local)
    if squeezed in _MACHINE_LOCAL_PARTS:
        return True
    return any(word in squeezed for word in _MACHINE_WORDS)


def _answerable(value: str | None, desk: Desk) -> str | None:
    address = valid_address(value)
    if address is None or desk.is_own_address(address) or is_machine_address(address):
        return None
    return address


def case_recipient(
    *, reply_to: str | None, sender: str | None, flags: Iterable[Flag], desk: Desk
) -> str | None:
    """Where mail about a case goes: a person's valid Reply-To, else its sender, outside the
    desk. For a case a mail of an unverified sender joined, the sender only: a Reply-To
    is the easiest thing to forge."""
    if Flag.SENDER_UNVERIFIED in flags:
        return _answerable(sender, desk)
    return _answerable(reply_to, desk) or _answerable(sender, desk)


def recipient_for(report: MailReport, desk: Desk) -> str | None:
    """The address an automatic answer goes to: a usable Reply-To, else From, else None."""
    return _answerable(report.reply_to, desk) or _answerable(report.from_, desk)
