"""The answer to a request for a point of release for free circulation (PRFC): confirmed,
with the location as the desk listed it, or refused, with the officer's reason.

Pure like ``compose``: the same key gives the same mail with the same Message-ID.
"""

from __future__ import annotations

from datetime import datetime

from intake.case.effects import CaseSnapshot, PlannedMail
from notify.addresses import case_recipient
from notify.codes import MailKind
from notify.compose import OutgoingMail, compose_mail
from notify.context import MAX_NOTE_LINE_CHARS, MAX_NOTE_LINES
from notify.desk import Desk
from notify.safety import quote_safely, safe_header_text, safe_lines

MAX_COMPANY_CHARS = 200
MAX_ADDRESS_LINES = 6
_SUBJECTS = {
    True: (
        "Bevestigd / Confirmed: punt van vrijgave voor het vrije verkeer / "
        "point of release for free circulation"
    ),
    False: (
        "Niet bevestigd / Not confirmed: punt van vrijgave voor het vrije verkeer / "
        "point of release for free circulation"
    ),
}


def compose_prfc_answer(
    case: CaseSnapshot,
    *,
    confirmed: bool,
    company: str,
    address: str,
    note: str | None,
    desk: Desk,
    to: str,
    key: str,
) -> OutgoingMail:
    """The mail that confirms or refuses a PRFC request (``ValueError`` for a bad recipient,
    or a confirmation without company and address)."""
    company_text = safe_header_text(company, max_chars=MAX_COMPANY_CHARS)
    address_lines = safe_lines(address, max_lines=MAX_ADDRESS_LINES, max_line_chars=200)
    if confirmed and not (company_text and address_lines):
        raise ValueError("a confirmation names the company and the address")
    kind = MailKind.PRFC_CONFIRMED if confirmed else MailKind.PRFC_REFUSED
    subject = _SUBJECTS[confirmed]
    note_text = note or ""
    context: dict[str, object] = {
        "title": subject,
        "desk_name": safe_header_text(desk.name, max_chars=80),
        "desk_address": desk.address,
        "greeting_name": "",
        "case_id": case.case_id,
        "coi": safe_header_text(case.coi, max_chars=80) if case.coi else None,
        "company": company_text,
        "address_lines": address_lines,
        "note_lines": safe_lines(
            note_text, max_lines=MAX_NOTE_LINES, max_line_chars=MAX_NOTE_LINE_CHARS
        ),
        "note_quoted": quote_safely(
            note_text, max_lines=MAX_NOTE_LINES, max_line_chars=MAX_NOTE_LINE_CHARS
        ),
    }
    return compose_mail(
        kind, desk, to=(to,), subject=subject, context=context, key=key, thread=case.thread
    )


def prfc_recipient(case: CaseSnapshot, desk: Desk) -> str | None:
    """Where the answer goes: the requester's address as for any mail about its case."""
    return case_recipient(reply_to=case.reply_to, sender=case.importer, flags=case.flags, desk=desk)


def planned_prfc_answer(
    case: CaseSnapshot,
    *,
    confirmed: bool,
    company: str,
    address: str,
    note: str | None,
    desk: Desk,
    event_id: int,
    now: datetime,
) -> PlannedMail | None:
    """The answer as the outbox stores it, or None when the request gave no address to
    answer (the officer sees that)."""
    recipient = prfc_recipient(case, desk)
    if recipient is None:
        return None
    key = f"prfc:{event_id}"
    mail = compose_prfc_answer(
        case,
        confirmed=confirmed,
        company=company,
        address=address,
        note=note,
        desk=desk,
        to=recipient,
        key=key,
    )
    return mail.planned(desk, key=key, now=now)
