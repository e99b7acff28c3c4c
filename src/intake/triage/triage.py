"""Triage: from a ``ParsedMail`` to what the desk must do with it, and why.

The steps run in the order below; each reads the message (and what earlier steps
found) and adds flags and one human reason per decision. The queue is chosen last,
from everything found::

    problems → sender → COI references → documents → kind → ETA and timing → rules → queue
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from intake.auth.verdict import AuthResult
from intake.calendar import local_date
from intake.codes import DocRole, FileType, Flag, Kind, Queue
from intake.parse.mail import Attachment, ParsedMail
from intake.triage import kinds
from intake.triage.coi import CoiRef, scan_coi
from intake.triage.context import TriageContext
from intake.triage.documents import classify_attachment
from intake.triage.eta import find_eta
from intake.triage.organic import organic_claim
from intake.triage.queueing import ROLE_NAMES, QueueFacts, article, choose_queue
from intake.triage.result import Document, ExtraControlMatch, Triage
from intake.triage.rules.extra_controls import match_extra_controls
from intake.triage.rules.parties import find_non_eu_party
from intake.triage.traces_docs import documents_in_traces

REQUIRED_DOCUMENTS: tuple[DocRole, ...] = (DocRole.TRANSPORT, DocRole.INVOICE)
_CONTAINER_FLAGS = {
    FileType.ZIP: (Flag.ARCHIVE_ATTACHMENT, "zip archive"),
    FileType.TNEF: (Flag.TNEF_ATTACHMENT, "Outlook winmail.dat file"),
    FileType.MESSAGE: (Flag.FORWARDED_MESSAGE, "attached mail"),
}
_COI_KINDS = frozenset({Kind.NOTIFICATION, Kind.REPLY})


@dataclass
class _Notes:
    """Flags and reasons as they are found, each flag once, in order."""

    flags: list[Flag] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add(self, reason: str, flag: Flag | None = None) -> None:
        if flag is not None and flag not in self.flags:
            self.flags.append(flag)
        if reason not in self.reasons:
            self.reasons.append(reason)


@dataclass(frozen=True, slots=True)
class _Coi:
    references: tuple[CoiRef, ...]
    in_subject: bool


def triage(mail: ParsedMail, context: TriageContext) -> Triage:
    """Decide kind, references, documents, timing, flags and queue for one message."""
    notes = _Notes()
    for problem in mail.problems:
        notes.add(problem.reason, problem.flag)
    _sender(context, notes)
    coi = _find_coi(mail, context, notes)
    documents, in_traces = _classify_documents(mail, context, notes)
    kind = _decide_kind(mail, coi, documents, notes)
    missing: tuple[DocRole, ...] = ()
    if kind is Kind.NOTIFICATION:
        missing = tuple(role for role in REQUIRED_DOCUMENTS if not documents[role])
        _note_missing(missing, in_traces, notes)
    if kind in _COI_KINDS and not coi.references and Flag.COI_INVALID not in notes.flags:
        notes.add(
            "No valid COI reference was found in the subject, body or file names.", Flag.COI_MISSING
        )
    eta, window_opens = _timing(mail, kind, context, notes)
    matches = _rules(mail, kind, coi, eta, context, notes)
    queue = _choose_queue(mail, kind, coi, missing, matches, notes)
    return Triage(
        kind=kind,
        coi_references=tuple(ref.canonical for ref in coi.references),
        documents={role: tuple(docs) for role, docs in documents.items()},
        missing=missing,
        eta=eta,
        window_opens=window_opens,
        flags=tuple(notes.flags),
        queue=queue,
        reasons=tuple(notes.reasons),
        bounce=kinds.bounce_report(mail) if kind is Kind.BOUNCE else None,
        extra_controls=matches,
        sender=context.sender,
    )


# -- the sender's authentication --------------------------------------------------------


def _sender(context: TriageContext, notes: _Notes) -> None:
    verdict = context.sender
    if verdict is None:
        return
    if verdict.failed:
        notes.add(verdict.reason(), Flag.SENDER_UNVERIFIED)
    elif (verdict.dkim, verdict.spf, verdict.dmarc) != (AuthResult.NONE,) * 3:
        notes.add(verdict.reason())


# -- COI references ---------------------------------------------------------------------


def _find_coi(mail: ParsedMail, context: TriageContext, notes: _Notes) -> _Coi:
    year = context.reference_day.year
    subject = scan_coi(mail.subject, reference_year=year)
    elsewhere: list[tuple[str, str]] = [
        (f"the attached mail's subject '{s}'", s) for s in mail.forwarded_subjects
    ]
    elsewhere += [(f"the {part.where}", part.text) for part in mail.texts]
    elsewhere += [
        (f"the file name '{a.location}'", a.location) for a in mail.attachments if a.filename
    ]
    found: list[CoiRef] = list(subject.references)
    seen = {ref.canonical for ref in found}
    first_where: dict[str, str] = {ref.canonical: "the subject" for ref in found}
    invalid = list(subject.invalid)
    for where, text in elsewhere:
        scan = scan_coi(text, reference_year=year)
        for ref in scan.references:
            if ref.canonical not in seen:
                seen.add(ref.canonical)
                found.append(ref)
                first_where[ref.canonical] = where
        if not found:
            invalid.extend(scan.invalid)
    in_subject = bool(subject.references)
    if len(subject.references) > 1:
        listed = ", ".join(r.canonical for r in subject.references)
        notes.add(
            f"The subject names {len(subject.references)} COI references ({listed}).",
            Flag.MULTIPLE_COI,
        )
    elif in_subject:
        ref = subject.references[0]
        notes.add(f"COI reference {ref.canonical} found in the subject ('{ref.written}').")
    if found and not in_subject:
        ref = found[0]
        notes.add(
            f"No COI reference in the subject; {ref.canonical} "
            f"was found in {first_where[ref.canonical]}.",
            Flag.COI_NOT_IN_SUBJECT,
        )
    for extra in found[len(subject.references) :] if in_subject else found[1:]:
        notes.add(
            f"Another COI reference, {extra.canonical}, appears in {first_where[extra.canonical]}."
        )
    for candidate in invalid[:3]:
        notes.add(
            f"'{candidate.written}' looks like a COI "
            f"reference but is not valid: {candidate.reason}.",
            Flag.COI_INVALID,
        )
    return _Coi(tuple(found), in_subject)


# -- documents --------------------------------------------------------------------------


def _classify_documents(
    mail: ParsedMail, context: TriageContext, notes: _Notes
) -> tuple[dict[DocRole, list[Document]], bool]:
    documents: dict[DocRole, list[Document]] = {role: [] for role in DocRole}
    for attachment in mail.attachments:
        if attachment.opened:
            _note_container(attachment, notes)
            continue
        verdict = classify_attachment(attachment, context.limits)
        for flag, reason in verdict.notes:
            notes.add(reason, flag)
        if verdict.ignored:
            continue
        for role in sorted(verdict.roles, key=list(DocRole).index):
            documents[role].append(_document(attachment, verdict.evidence))
            if role is not DocRole.OTHER or verdict.evidence != "not recognised":
                notes.add(
                    f"'{attachment.location}' is {article(ROLE_NAMES[role])}: {verdict.evidence}."
                )
    in_traces = _documents_in_traces(mail, notes)
    return documents, in_traces


def _note_container(attachment: Attachment, notes: _Notes) -> None:
    flag, what = _CONTAINER_FLAGS.get(
        attachment.detected_type, (Flag.ARCHIVE_ATTACHMENT, "container")
    )
    notes.add(f"'{attachment.location}' is {article(what)}; the files inside it were read.", flag)


def _document(attachment: Attachment, evidence: str) -> Document:
    return Document(
        filename=attachment.location,
        content_type=attachment.content_type,
        detected_type=attachment.detected_type,
        size_bytes=attachment.size_bytes,
        evidence=evidence,
    )


def _documents_in_traces(mail: ParsedMail, notes: _Notes) -> bool:
    for part in mail.texts:
        sentence = documents_in_traces(part.text)
        if sentence is not None:
            notes.add(
                f"The {part.where} says the documents are in TRACES ('{sentence}').",
                Flag.DOCUMENTS_IN_TRACES,
            )
            return True
    return False


def _note_missing(missing: Sequence[DocRole], in_traces: bool, notes: _Notes) -> None:
    for role in missing:
        name = ROLE_NAMES[role]
        if in_traces:
            notes.add(f"No {name} is attached to the mail; the officer checks it in TRACES.")
        else:
            notes.add(f"No {name} is attached to the mail.")


# -- kind -------------------------------------------------------------------------------


def _decide_kind(
    mail: ParsedMail, coi: _Coi, documents: dict[DocRole, list[Document]], notes: _Notes
) -> Kind:
    signal = kinds.bounce_signal(mail)
    if signal is None:
        strength = kinds.machine_signal_strength(mail)
        carries_documents = bool(documents[DocRole.TRANSPORT] or documents[DocRole.INVOICE])
        if strength == "strong" or (
            strength == "weak" and not (coi.in_subject and carries_documents)
        ):
            signal = kinds.machine_signal(mail)
        elif strength == "weak":
            notes.add(
                "The mail carries mailing-list or bulk headers, but also a COI reference and "
                "documents: it is read as a notification and is never answered automatically.",
                Flag.MAILING_LIST,
            )
    if signal is None:
        signal = kinds.reply_signal(mail)
    if signal is None and not coi.in_subject:
        signal = kinds.topic_signal(mail)
    if signal is not None:
        for flag in signal.flags:
            notes.add(signal.reason, flag)
        notes.add(signal.reason)
        return signal.kind
    if coi.references or documents[DocRole.TRANSPORT] or documents[DocRole.INVOICE]:
        notes.add("The mail is a notification of an organic consignment.")
        return Kind.NOTIFICATION
    notes.add("The mail is neither a notification nor a known kind of request.")
    return Kind.OTHER


# -- ETA and timing ---------------------------------------------------------------------


def _timing(
    mail: ParsedMail, kind: Kind, context: TriageContext, notes: _Notes
) -> tuple[date | None, date | None]:
    if kind not in _COI_KINDS:
        return None, None
    finding = find_eta(mail.subject, mail.texts, reference=context.reference_day)
    if finding is None:
        if kind is Kind.NOTIFICATION:
            notes.add(
                "No expected arrival date (ETA) was found in the subject or body.", Flag.ETA_UNKNOWN
            )
        return None, None
    calendar = context.calendar
    opens = calendar.window_opens(finding.eta)
    notes.add(f"ETA {finding.eta.isoformat()} found in the {finding.where} ('{finding.evidence}').")
    if context.now is not None and kind is Kind.NOTIFICATION:
        today = local_date(context.now)
        if finding.eta < today:
            notes.add(
                f"The ETA {finding.eta.isoformat()} has passed (today is {today.isoformat()}): "
                "a notification after arrival is late.",
                Flag.LATE,
            )
        elif today < opens:
            days = calendar.working_days_between(today, finding.eta)
            notes.add(
                f"The ETA is {days} working days away, more than 5: the check can start on "
                f"{opens.isoformat()}.",
                Flag.TOO_EARLY,
            )
    return finding.eta, opens


# -- yearly and party rules -------------------------------------------------------------


def _rules(
    mail: ParsedMail,
    kind: Kind,
    coi: _Coi,
    eta: date | None,
    context: TriageContext,
    notes: _Notes,
) -> tuple[ExtraControlMatch, ...]:
    texts: list[tuple[str, str]] = [("subject", mail.subject)]
    texts += [(part.where, part.text) for part in mail.texts]
    texts += [(f"file name '{a.location}'", a.location) for a in mail.attachments if a.filename]
    sender_domain = mail.from_.domain if mail.from_ else ""
    if kind in _COI_KINDS:
        party = find_non_eu_party(sender_domain=sender_domain, texts=texts)
        if party is not None:
            notes.add(f"A party outside the EU may not use a COI: {party}.", Flag.NON_EU_PARTY)
    if kind not in (Kind.NOTIFICATION, Kind.OTHER):
        return ()
    if kind is Kind.OTHER or not coi.references:
        claim = organic_claim(texts)
        if claim is not None and not coi.references:
            notes.add(
                f"The mail speaks of organic goods ({claim}) but names no COI.",
                Flag.ORGANIC_CLAIM_WITHOUT_COI,
            )
    if kind is not Kind.NOTIFICATION:
        return ()
    table = context.tables.for_day(eta or context.reference_day)
    if table is None:
        return ()
    country = coi.references[0].country if coi.references else None
    matches = match_extra_controls(table, texts=texts, coi_country=country)
    stale = table.stale_note(eta or context.reference_day)
    if matches and stale:
        notes.add(f"Extra controls: {stale}.")
    for match in matches:
        notes.add(
            f"Extra controls {match.year}: {match.product} "
            f"from {match.origin_name} must be sampled in "
            f"more than {match.min_share_pct} % of consignments ({match.evidence}).",
            Flag.EXTRA_CONTROLS,
        )
    return matches


# -- queue ------------------------------------------------------------------------------


def _choose_queue(
    mail: ParsedMail,
    kind: Kind,
    coi: _Coi,
    missing: Sequence[DocRole],
    matches: Sequence[ExtraControlMatch],
    notes: _Notes,
) -> Queue:
    facts = QueueFacts(
        kind=kind,
        quarantined=mail.quarantined,
        has_coi=bool(coi.references),
        extra_controls=bool(matches),
        missing=tuple(missing),
        flags=notes.flags,
    )
    queue, why = choose_queue(facts)
    notes.add(f"Queue {queue.value}: {why}.")
    return queue
