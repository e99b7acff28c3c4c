"""The stable codes the product speaks in: kinds of mail, officer queues, flags.

Their string values appear in JSON output, in the case store and in templates, so they
never change once released; new codes are only ever added.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What a received mail is."""

    NOTIFICATION = "notification"
    PRFC_REQUEST = "prfc_request"
    ACCOUNT = "account"
    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    OTHER = "other"


class Queue(StrEnum):
    """The officer queue a mail goes to, declared from most to least urgent.

    When several apply to one message, the first in this order wins.
    """

    REVIEW = "review"
    EXTRA_CONTROLS = "extra_controls"
    INCOMPLETE = "incomplete"
    EARLY = "early"
    LATE = "late"
    CHECK = "check"
    PRFC = "prfc"
    ACCOUNT = "account"
    REPLIES = "replies"
    DISCARD = "discard"

    @property
    def rank(self) -> int:
        """Position in the urgency order: 0 is the most urgent."""
        return _QUEUE_ORDER.index(self)


_QUEUE_ORDER: tuple[Queue, ...] = tuple(Queue)


class DocRole(StrEnum):
    """What an attached document is to the desk."""

    TRANSPORT = "transport"
    INVOICE = "invoice"
    OTHER = "other"


class FileType(StrEnum):
    """The true type of an attachment, told by its first bytes (not by its name)."""

    PDF = "pdf"
    ZIP = "zip"
    DOCX = "docx"
    XLSX = "xlsx"
    PPTX = "pptx"
    ODF = "odf"
    OLE2 = "ole2"  # legacy Office (.doc/.xls) and Outlook .msg
    RTF = "rtf"
    TNEF = "tnef"  # winmail.dat
    PNG = "png"
    JPEG = "jpeg"
    GIF = "gif"
    TIFF = "tiff"
    BMP = "bmp"
    WEBP = "webp"
    HEIC = "heic"
    GZIP = "gzip"
    SEVEN_ZIP = "7z"
    RAR = "rar"
    HTML = "html"
    XML = "xml"
    MESSAGE = "message"  # an e-mail (message/rfc822)
    TEXT = "text"
    EMPTY = "empty"
    UNKNOWN = "unknown"


class Flag(StrEnum):
    """Stable snake_case codes for what triage noticed. Each one comes with a reason."""

    # the COI reference
    COI_MISSING = "coi_missing"
    COI_INVALID = "coi_invalid"
    COI_NOT_IN_SUBJECT = "coi_not_in_subject"
    MULTIPLE_COI = "multiple_coi"
    # documents
    DOCUMENTS_IN_TRACES = "documents_in_traces"
    PROFORMA_INVOICE = "proforma_invoice"
    ATTACHMENT_TYPE_MISMATCH = "attachment_type_mismatch"
    ENCRYPTED_ATTACHMENT = "encrypted_attachment"
    UNREADABLE_ATTACHMENT = "unreadable_attachment"
    FORWARDED_MESSAGE = "forwarded_message"
    ARCHIVE_ATTACHMENT = "archive_attachment"
    TNEF_ATTACHMENT = "tnef_attachment"
    # rules
    EXTRA_CONTROLS = "extra_controls"
    NON_EU_PARTY = "non_eu_party"
    ORGANIC_CLAIM_WITHOUT_COI = "organic_claim_without_coi"
    # timing
    ETA_UNKNOWN = "eta_unknown"
    TOO_EARLY = "too_early"
    LATE = "late"
    # the message itself
    QUARANTINE = "quarantine"
    MIME_DEFECTS = "mime_defects"
    HEADER_TRUNCATED = "header_truncated"
    NO_SENDER = "no_sender"
    MAILING_LIST = "mailing_list"
    # the sender's authentication (DKIM, SPF, DMARC)
    SENDER_UNVERIFIED = "sender_unverified"
    # the case store's yearly sampling shares
    SAMPLING_RECOMMENDED = "sampling_recommended"
    # the schedule
    ESCALATED = "escalated"  # goods arrive within a working day, or a request waits, undecided


class CaseStatus(StrEnum):
    """Where a case is in its life (its queue says which officers look at it)."""

    NEW = "new"  # stored, its documentary check not yet placed on a queue
    QUEUED = "queued"  # on an officer queue
    UNDER_CHECK = "under_check"
    WAITING = "waiting"  # physical check, sampling or documents requested
    DECIDED = "decided"
    CLOSED = "closed"


class EventKind(StrEnum):
    """What happened to a case. Every event has a time and, where a person acted, who."""

    RECEIVED = "received"  # the message that opened the case
    REPLY_ATTACHED = "reply_attached"  # a later message of the same case
    DOCUMENTS_ADDED = "documents_added"
    QUEUED = "queued"
    ETA_CHANGED = "eta_changed"
    DECIDED = "decided"
    MAILED = "mailed"
    REMINDED = "reminded"
    ESCALATED = "escalated"
    NOTE = "note"
    BOUNCED = "bounced"  # a mail we sent came back undelivered
    MAIL_RETRIED = "mail_retried"  # an officer sent a failed or bounced mail again
    REPLAYED = "replayed"  # an officer read a quarantined message again
    PRFC_EDITED = "prfc_edited"  # an admin corrected a listed point of release
    PRFC_WITHDRAWN = "prfc_withdrawn"  # an admin took a point of release off the list


class OutboxStatus(StrEnum):
    """Where an outgoing mail is."""

    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by a sender; back to pending when its lease expires
    SENT = "sent"
    FAILED = "failed"  # refused for good, or retried past the window: an officer looks
    BOUNCED = "bounced"  # accepted, then returned by a delivery status notification
