"""Which officer queue a message or a case belongs on: the most urgent that applies.

One rule for both a single message (triage) and a case that has gathered several
messages (the case store), so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from intake.codes import DocRole, Flag, Kind, Queue

ROLE_NAMES = {
    DocRole.TRANSPORT: "transport document",
    DocRole.INVOICE: "invoice",
    DocRole.OTHER: "other document",
}
_KIND_QUEUES = {
    Kind.AUTO_REPLY: Queue.DISCARD,
    Kind.BOUNCE: Queue.DISCARD,
    Kind.PRFC_REQUEST: Queue.PRFC,
    Kind.ACCOUNT: Queue.ACCOUNT,
    Kind.REPLY: Queue.REPLIES,
    Kind.OTHER: Queue.REVIEW,
}


@dataclass(frozen=True, slots=True)
class QueueFacts:
    """What the queue depends on."""

    kind: Kind
    quarantined: bool
    has_coi: bool
    extra_controls: bool
    missing: tuple[DocRole, ...]
    flags: Collection[Flag]


def choose_queue(facts: QueueFacts) -> tuple[Queue, str]:
    """The queue, and why (a clause that completes "Queue X: …")."""
    candidates: list[tuple[Queue, str]] = []
    if facts.quarantined:
        candidates.append((Queue.REVIEW, "the message could not be read whole and is quarantined"))
    if facts.kind is Kind.NOTIFICATION:
        if not facts.has_coi:
            candidates.append((Queue.REVIEW, "no valid COI reference was found"))
        if facts.extra_controls:
            candidates.append(
                (Queue.EXTRA_CONTROLS, "the consignment falls under the extra controls")
            )
        if facts.missing and Flag.DOCUMENTS_IN_TRACES not in facts.flags:
            names = " and the ".join(ROLE_NAMES[r] for r in facts.missing)
            verb = "is" if len(facts.missing) == 1 else "are"
            candidates.append((Queue.INCOMPLETE, f"the {names} {verb} missing"))
        if Flag.TOO_EARLY in facts.flags:
            candidates.append((Queue.EARLY, "it came more than 5 working days before the ETA"))
        if Flag.LATE in facts.flags:
            candidates.append((Queue.LATE, "the ETA has passed"))
        candidates.append((Queue.CHECK, "it is ready for the documentary check"))
    else:
        candidates.append(
            (_KIND_QUEUES[facts.kind], f"it is {article(facts.kind.value.replace('_', ' '))}")
        )
    return min(candidates, key=lambda c: c[0].rank)


def article(noun: str) -> str:
    """``a noun`` or ``an noun``."""
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"
