"""Composing the desk's outgoing mail: acknowledgments and decisions, as ``OutgoingMail`` values.

Composition is pure: the same effect (named by its ``key``) always gives the same mail with
the same Message-ID, so an outbox that retries, or a job that runs twice, cannot send two
different mails for one event, and the receiving side can tell the duplicate.
Building the wire message (``OutgoingMail.to_message``) takes the date as a parameter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from intake.case.effects import PlannedMail
from intake.report import MailReport
from intake.triage.kinds import strip_subject_prefixes
from notify.addresses import recipient_for, valid_address
from notify.codes import Decision, MailKind
from notify.context import ack_context, decision_context
from notify.desk import Desk
from notify.facts import CaseFacts
from notify.policy import ack_kind_for, auto_reply_allowed
from notify.render import render_pair
from notify.safety import safe_header_text, safe_message_id
from notify.wire import WireMail, to_bytes
from notify.wording import DECISION_LABELS

__all__ = [
    "MAX_REFERENCES",
    "CaseFacts",
    "OutgoingMail",
    "compose_ack",
    "compose_decision",
    "compose_mail",
    "message_id_for",
]

MAX_REFERENCES = 10
_MAX_SUBJECT_CHARS = 200
_MAX_QUOTED_SUBJECT_CHARS = 100
_ACK_SUBJECTS: dict[MailKind, str] = {
    MailKind.ACK_PRFC: (
        "Ontvangen / Received: aanvraag punt van vrijgave / point of release request"
    ),
    MailKind.ACK_ACCOUNT: (
        "Ontvangen / Received: vraag over TRACES-account / TRACES account question"
    ),
}


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """A composed mail, ready to be stored in the outbox and sent.

    Every header value is checked on construction, so no value that reaches ``to_message``
    can carry a line break or a second address.
    """

    kind: MailKind
    to: tuple[str, ...]
    subject: str
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    text: str
    html: str

    def __post_init__(self) -> None:
        if not self.to or any(valid_address(a) != a for a in self.to):
            raise ValueError("every recipient must be one plain, valid address")
        if safe_header_text(self.subject, max_chars=_MAX_SUBJECT_CHARS) != self.subject:
            raise ValueError("the subject must be safe header text")
        ids = (self.message_id, self.in_reply_to or self.message_id, *self.references)
        if any(safe_message_id(i) != i for i in ids):
            raise ValueError("every Message-ID must be one well-formed <left@right>")

    def planned(self, desk: Desk, *, key: str, now: datetime) -> PlannedMail:
        """This mail as the outbox row the effect named ``key`` stores, written at ``now``."""
        return PlannedMail(
            kind=self.kind.value,
            dedupe_key=key,
            message_id=self.message_id,
            mail_from=desk.address,
            recipients=self.to,
            subject=self.subject,
            raw=self.to_message(desk, date=now),
        )

    def to_message(self, desk: Desk, *, date: datetime) -> bytes:
        """The mail as RFC 5322 bytes (CRLF line ends): multipart/alternative, text and HTML."""
        if date.tzinfo is None or date.utcoffset() is None:
            raise ValueError("the date of a mail must be timezone-aware")
        acknowledgment = self.kind.is_acknowledgment
        return to_bytes(
            WireMail(
                from_name=safe_header_text(desk.name, max_chars=_MAX_QUOTED_SUBJECT_CHARS),
                from_address=desk.address,
                to=self.to,
                subject=self.subject,
                date=date,
                message_id=self.message_id,
                in_reply_to=self.in_reply_to,
                references=self.references[-MAX_REFERENCES:],
                auto_submitted="auto-replied" if acknowledgment else "auto-generated",
                precedence="auto_reply" if acknowledgment else None,
                text=self.text,
                html=self.html,
            )
        )


def compose_mail(
    kind: MailKind,
    desk: Desk,
    *,
    to: Iterable[str],
    subject: str,
    context: dict[str, object],
    key: str,
    thread: Sequence[str] = (),
) -> OutgoingMail:
    """A desk mail of ``kind``: its template pair rendered with ``context``, answering the
    last valid Message-ID of ``thread`` (oldest first), its Message-ID from ``key``."""
    ids = [i for raw in thread if (i := safe_message_id(raw)) is not None]
    answered = ids[-1] if ids else None
    return _rendered(kind, desk, tuple(to), subject, context, key, ids[:-1], answered)


def _rendered(
    kind: MailKind,
    desk: Desk,
    to: tuple[str, ...],
    subject: str,
    context: dict[str, object],
    key: str,
    earlier: Iterable[str],
    answered: str | None,
) -> OutgoingMail:
    text, html = render_pair(kind, context, override_dir=desk.template_dir)
    return OutgoingMail(
        kind=kind,
        to=to,
        subject=subject,
        message_id=message_id_for(key, desk),
        in_reply_to=answered,
        references=_references(earlier, answered),
        text=text,
        html=html,
    )


def message_id_for(key: str, desk: Desk) -> str:
    """The Message-ID of the effect named ``key``: the same key always gives the same one."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"<{digest[:32]}@{desk.domain}>"


def _references(earlier: Iterable[str], answered: str | None) -> tuple[str, ...]:
    """The References of an answer: the valid earlier ones, then the answered mail, bounded."""
    ids = [i for raw in earlier if (i := safe_message_id(raw)) is not None]
    if answered is not None:
        ids.append(answered)
    # Keep each id once, at its last place, so the chain still ends with the answered mail.
    last = {value: index for index, value in enumerate(ids)}
    unique = [value for index, value in enumerate(ids) if last[value] == index]
    return tuple(unique[-MAX_REFERENCES:])


def _case_reference(facts: CaseFacts) -> str | None:
    return (
        safe_header_text(facts.case.coi, max_chars=_MAX_QUOTED_SUBJECT_CHARS)
        if facts.case.coi
        else None
    )


def _ack_subject(kind: MailKind, facts: CaseFacts) -> str:
    if kind in _ACK_SUBJECTS:
        return _ACK_SUBJECTS[kind]
    coi = _case_reference(facts)
    if coi is not None:
        return f"Ontvangen / Received: {coi}"
    subject = "Ontvangen, COI-referentie ontbreekt / Received, COI reference missing"
    quoted = safe_header_text(
        strip_subject_prefixes(facts.case.subject), max_chars=_MAX_QUOTED_SUBJECT_CHARS
    )
    return f"{subject}: {quoted}" if quoted else subject


def _decision_subject(facts: CaseFacts, decision: Decision) -> str:
    reference = _case_reference(facts) or f"dossier {facts.case.case_id}"
    label = DECISION_LABELS[decision]
    return f"Beslissing / Decision: {reference} \u2013 {label.nl} / {label.en}"


def compose_ack(
    report: MailReport, case_facts: CaseFacts, desk: Desk, *, key: str
) -> OutgoingMail | None:
    """The acknowledgment of ``report``, or None when the mail gets none or may not get one.

    The per-sender daily limit is the caller's to check with ``auto_reply_allowed``; every
    other rule of the policy is applied here as well.
    """
    kind = ack_kind_for(report)
    recipient = recipient_for(report, desk)
    allowed, _ = auto_reply_allowed(report, desk, sent_today_to_sender=0)
    if kind is None or recipient is None or not allowed:
        return None
    subject = _ack_subject(kind, case_facts)
    context = ack_context(case_facts, desk, subject=subject)
    answered = safe_message_id(report.message_id)
    return _rendered(kind, desk, (recipient,), subject, context, key, report.references, answered)


def _recipients(to: Iterable[str], desk: Desk) -> tuple[str, ...]:
    checked: list[str] = []
    for value in to:
        address = valid_address(value)
        if address is None or desk.is_own_address(address):
            raise ValueError(f"not a recipient for a decision: {safe_header_text(repr(value))}")
        if address not in checked:
            checked.append(address)
    if not checked:
        raise ValueError("a decision needs at least one recipient")
    return tuple(checked)


def compose_decision(
    case_facts: CaseFacts,
    decision: Decision,
    *,
    note: str | None,
    documents_requested: tuple[str, ...],
    desk: Desk,
    to: tuple[str, ...],
    in_reply_to: str | None,
    references: tuple[str, ...],
    key: str,
) -> OutgoingMail:
    """The mail that tells the importer the decision (or the step the case waits on).

    Raises ``ValueError`` for a recipient that is not one valid outside address, and for a
    request for documents that names none and has no note.
    """
    recipients = _recipients(to, desk)
    has_note = bool(note and note.strip())
    if decision is Decision.DOCUMENTS_REQUESTED and not (
        any(d.strip() for d in documents_requested) or has_note
    ):
        raise ValueError("a request for documents must name the documents or carry a note")
    subject = _decision_subject(case_facts, decision)
    context = decision_context(
        case_facts,
        decision,
        desk,
        subject=subject,
        note=note,
        documents_requested=documents_requested,
    )
    answered = safe_message_id(in_reply_to)
    return _rendered(
        MailKind.DECISION, desk, recipients, subject, context, key, references, answered
    )
