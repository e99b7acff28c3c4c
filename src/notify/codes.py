"""The codes of the desk's outgoing mail: which kind of mail, and which decision it reports.

Their string values appear in the case store, the outbox and template names, so they never
change once released; new codes are only ever added.
"""

from __future__ import annotations

from enum import StrEnum


class MailKind(StrEnum):
    """What an outgoing mail is; the value is also the name of its template pair."""

    ACK_NOTIFICATION = "ack_notification"
    ACK_PRFC = "ack_prfc"
    ACK_ACCOUNT = "ack_account"
    DECISION = "decision"
    # reserved for the reminder and digest mail
    REMINDER_MISSING = "reminder_missing"
    WINDOW_OPEN = "window_open"
    DIGEST = "digest"
    ESCALATION = "escalation"
    # the answer to a request for a point of release for free circulation
    PRFC_CONFIRMED = "prfc_confirmed"
    PRFC_REFUSED = "prfc_refused"

    @property
    def is_acknowledgment(self) -> bool:
        """True for the automatic answers to a received mail (RFC 3834 auto-replies)."""
        return self in _ACKNOWLEDGMENTS


_ACKNOWLEDGMENTS = frozenset({MailKind.ACK_NOTIFICATION, MailKind.ACK_PRFC, MailKind.ACK_ACCOUNT})


class Decision(StrEnum):
    """What the desk decided about a consignment, or the step it waits on."""

    RELEASE_ORGANIC = "release_organic"
    RELEASE_IN_CONVERSION = "release_in_conversion"
    RELEASE_NON_ORGANIC = "release_non_organic"
    REJECTED = "rejected"
    PHYSICAL_CHECK = "physical_check"
    SAMPLING = "sampling"
    DOCUMENTS_REQUESTED = "documents_requested"

    @property
    def is_final(self) -> bool:
        """True when the decision closes the case (box 30 signed or the COI rejected)."""
        return self in _FINAL

    @property
    def is_waiting(self) -> bool:
        """True when the case waits on a check, a sample or documents before the decision."""
        return self not in _FINAL


_RELEASES = frozenset(
    {Decision.RELEASE_ORGANIC, Decision.RELEASE_IN_CONVERSION, Decision.RELEASE_NON_ORGANIC}
)
_FINAL = _RELEASES | {Decision.REJECTED}
