"""The variables the mail templates are rendered with, built from a case's facts.

Every string that may come from received mail (file names, names, the COI as read, the
officer's note) is made safe here, once, before it reaches a template: the HTML templates
still autoescape it, and the text templates get it without line breaks or controls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from intake.codes import DocRole, Flag
from notify.codes import Decision
from notify.desk import Desk
from notify.facts import CaseFacts
from notify.safety import quote_safely, safe_header_text, safe_lines
from notify.wording import DECISION_LABELS, ROLE_NAMES, Bilingual, long_date

MAX_FILENAME_CHARS = 120
MAX_NAME_CHARS = 80
MAX_LISTED_DOCUMENTS = 30
MAX_REQUESTED_DOCUMENTS = 20
MAX_NOTE_LINES = 20
MAX_NOTE_LINE_CHARS = 200


@dataclass(frozen=True, slots=True)
class ListedDocument:
    """A document of the case as a mail lists it."""

    role: Bilingual
    filename: str


@dataclass(frozen=True, slots=True)
class ExtraControl:
    """A product under extra controls and the minimum share of consignments sampled."""

    product: str
    min_share_pct: int


def _joined(words: Sequence[str], conjunction: str) -> str:
    """The words as one phrase: "a", "a en b", "a, b en c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _documents(facts: CaseFacts) -> list[ListedDocument]:
    listed = [
        ListedDocument(ROLE_NAMES[role], safe_header_text(name, max_chars=MAX_FILENAME_CHARS))
        for role in DocRole
        for name in facts.case.documents.get(role, ())
    ]
    return listed[:MAX_LISTED_DOCUMENTS]


def _extra_controls(facts: CaseFacts) -> list[ExtraControl]:
    return [
        ExtraControl(safe_header_text(product, max_chars=MAX_NAME_CHARS), share)
        for product, share in facts.extra_controls
    ]


def _common(facts: CaseFacts, desk: Desk, subject: str) -> dict[str, object]:
    return {
        "title": subject,
        "desk_name": safe_header_text(desk.name, max_chars=MAX_NAME_CHARS),
        "desk_address": desk.address,
        "greeting_name": safe_header_text(facts.importer_name, max_chars=MAX_NAME_CHARS),
        "case_id": facts.case.case_id,
        "coi": safe_header_text(facts.case.coi, max_chars=MAX_NAME_CHARS)
        if facts.case.coi
        else None,
        "extra_controls": _extra_controls(facts),
    }


def ack_context(facts: CaseFacts, desk: Desk, *, subject: str) -> dict[str, object]:
    """The variables of the three acknowledgments (all are given to each of them)."""
    missing = [ROLE_NAMES[role] for role in facts.case.missing]
    flags = set(facts.case.flags)
    return _common(facts, desk, subject) | {
        "documents": _documents(facts),
        "missing": missing,
        "missing_names": Bilingual(
            _joined([m.nl for m in missing], "en"), _joined([m.en for m in missing], "and")
        ),
        "documents_in_traces": Flag.DOCUMENTS_IN_TRACES in flags,
        "coi_not_in_subject": Flag.COI_NOT_IN_SUBJECT in flags,
        "early": Flag.TOO_EARLY in flags,
        "late": Flag.LATE in flags,
        "eta_unknown": Flag.ETA_UNKNOWN in flags,
        "non_eu": Flag.NON_EU_PARTY in flags,
        "eta": long_date(facts.case.eta) if facts.case.eta else None,
        "window_opens": long_date(facts.case.window_opens) if facts.case.window_opens else None,
    }


def decision_context(
    facts: CaseFacts,
    decision: Decision,
    desk: Desk,
    *,
    subject: str,
    note: str | None,
    documents_requested: Sequence[str],
) -> dict[str, object]:
    """The variables of the decision mail."""
    requested = [safe_header_text(d, max_chars=200) for d in documents_requested]
    note_text = note or ""
    return _common(facts, desk, subject) | {
        "decision": decision.value,
        "outcome": DECISION_LABELS[decision],
        "is_final": decision.is_final,
        "documents_requested": [d for d in requested if d][:MAX_REQUESTED_DOCUMENTS],
        "note_lines": safe_lines(
            note_text, max_lines=MAX_NOTE_LINES, max_line_chars=MAX_NOTE_LINE_CHARS
        ),
        "note_quoted": quote_safely(
            note_text, max_lines=MAX_NOTE_LINES, max_line_chars=MAX_NOTE_LINE_CHARS
        ),
    }
