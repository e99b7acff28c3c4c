"""The schedule's four mail kinds, composed from a case's facts: pure, like ``notify.compose``.

Reminders and window notices go to the importer (its Reply-To when valid), in the case's
thread; escalations and digests go to officer groups. Each mail's Message-ID comes from
its effect key, so the same effect always gives the same mail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from intake.codes import DocRole, Flag, Kind, Queue
from notify.addresses import case_recipient
from notify.codes import MailKind
from notify.compose import OutgoingMail, compose_mail
from notify.desk import Desk
from notify.policy import unverified_sender_refusal
from notify.reminders.rules import DueCase
from notify.safety import safe_header_text
from notify.wording import ROLE_NAMES, Bilingual, long_date

MAX_DIGEST_LINES = 50
_MAX_NAME_CHARS = 80
_REQUEST_NAMES: dict[Kind, Bilingual] = {
    Kind.PRFC_REQUEST: Bilingual("aanvraag punt van vrijgave", "point of release request"),
    Kind.ACCOUNT: Bilingual("vraag over TRACES-account", "TRACES account question"),
}


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One case as a digest lists it."""

    case_id: int
    coi: str
    eta: Bilingual
    queue: str
    missing: Bilingual | None
    escalated: bool


@dataclass(frozen=True, slots=True)
class DigestFacts:
    """What one officer group's digest states for a day."""

    group: str
    day: date
    next_working_day: date
    counts: tuple[tuple[Queue, int], ...]
    arriving: tuple[DueCase, ...]
    arriving_total: int
    overdue: tuple[DueCase, ...]
    overdue_total: int


def importer_address(case: DueCase, desk: Desk) -> str | None:
    """Where automatic mail about the case goes, or None when none may go: no person's
    valid address, or a sender that failed authentication."""
    if unverified_sender_refusal(case.flags) is not None:
        return None
    return case_recipient(reply_to=case.reply_to, sender=case.importer, flags=case.flags, desk=desk)


def _missing_names(missing: Sequence[DocRole]) -> Bilingual:
    names = [ROLE_NAMES[role] for role in missing]
    return Bilingual(" en ".join(n.nl for n in names), " and ".join(n.en for n in names))


def _ref(case: DueCase) -> str:
    return safe_header_text(case.coi, max_chars=_MAX_NAME_CHARS) if case.coi else ""


def _common(case: DueCase | None, desk: Desk, subject: str, greeting: str) -> dict[str, object]:
    return {
        "title": subject,
        "desk_name": safe_header_text(desk.name, max_chars=_MAX_NAME_CHARS),
        "desk_address": desk.address,
        "greeting_name": safe_header_text(greeting, max_chars=_MAX_NAME_CHARS),
        "case_id": case.case_id if case else 0,
        "coi": (_ref(case) or None) if case else None,
    }


def _subject_ref(case: DueCase) -> str:
    return _ref(case) or f"dossier {case.case_id}"


def compose_missing_reminder(
    case: DueCase, desk: Desk, *, to: str, thread: Sequence[str], key: str
) -> OutgoingMail:
    """The reminder that documents are still missing before the goods arrive."""
    assert case.eta is not None
    subject = (
        f"Herinnering / Reminder: {_subject_ref(case)} \u2013 "
        "ontbrekende documenten / missing documents"
    )
    context = _common(case, desk, subject, "") | {
        "eta": long_date(case.eta),
        "missing_names": _missing_names(case.missing),
    }
    return compose_mail(
        MailKind.REMINDER_MISSING,
        desk,
        to=(to,),
        subject=subject,
        context=context,
        key=key,
        thread=thread,
    )


def compose_window_open(
    case: DueCase, desk: Desk, *, to: str, thread: Sequence[str], key: str
) -> OutgoingMail:
    """The notice that the check window opened and the documentary check has started."""
    assert case.eta is not None
    subject = f"Controle gestart / Check started: {_subject_ref(case)}"
    context = _common(case, desk, subject, "") | {
        "eta": long_date(case.eta),
        "missing": bool(case.missing),
        "missing_names": _missing_names(case.missing),
    }
    return compose_mail(
        MailKind.WINDOW_OPEN,
        desk,
        to=(to,),
        subject=subject,
        context=context,
        key=key,
        thread=thread,
    )


def compose_escalation(
    case: DueCase,
    desk: Desk,
    *,
    to: Sequence[str],
    groups: Sequence[str],
    today: date,
    waiting_working_days: int | None,
    key: str,
) -> OutgoingMail:
    """The escalation of a case to its officer groups: goods arriving undecided, or a
    request unanswered for ``waiting_working_days``."""
    request = case.kind in _REQUEST_NAMES
    about = (
        f"{_REQUEST_NAMES[case.kind].nl} / {_REQUEST_NAMES[case.kind].en} dossier {case.case_id}"
        if request
        else _subject_ref(case)
    )
    subject = f"Escalatie / Escalation: {about}"
    context = _common(case, desk, subject, ", ".join(groups)) | {
        "request": request,
        "request_name": _REQUEST_NAMES.get(case.kind, Bilingual("", "")),
        "importer": safe_header_text(case.importer or "", max_chars=_MAX_NAME_CHARS),
        "queue": case.queue.value,
        "eta": long_date(case.eta) if case.eta else None,
        "arrives_today": case.eta == today,
        "created": long_date(case.created_on),
        "waiting_days": waiting_working_days or 0,
        "missing": bool(case.missing),
        "missing_names": _missing_names(case.missing),
        "decision": case.decision or "",
    }
    return compose_mail(MailKind.ESCALATION, desk, to=to, subject=subject, context=context, key=key)


def _line(case: DueCase) -> DigestLine:
    return DigestLine(
        case_id=case.case_id,
        coi=_ref(case) or "\u2013",
        eta=long_date(case.eta) if case.eta else Bilingual("onbekend", "unknown"),
        queue=case.queue.value,
        missing=_missing_names(case.missing) if case.missing else None,
        escalated=Flag.ESCALATED in case.flags,
    )


def compose_digest(facts: DigestFacts, desk: Desk, *, to: Sequence[str], key: str) -> OutgoingMail:
    """One officer group's morning digest: queue counts, arrivals without a decision, overdue."""
    group = safe_header_text(facts.group, max_chars=_MAX_NAME_CHARS)
    subject = f"Overzicht / Digest {group} {facts.day.isoformat()}"
    context = _common(None, desk, subject, group) | {
        "group": group,
        "day": long_date(facts.day),
        "next_day": long_date(facts.next_working_day),
        "counts": [{"queue": q.value, "count": n} for q, n in facts.counts],
        "open_total": sum(n for _, n in facts.counts),
        "arriving": [_line(c) for c in facts.arriving[:MAX_DIGEST_LINES]],
        "arriving_total": facts.arriving_total,
        "overdue": [_line(c) for c in facts.overdue[:MAX_DIGEST_LINES]],
        "overdue_total": facts.overdue_total,
    }
    return compose_mail(MailKind.DIGEST, desk, to=to, subject=subject, context=context, key=key)
