"""Delivery failure reports (bounces): what they say about the recipient that failed.

Two sources. A ``message/delivery-status`` part (RFC 3464) is a block of per-message
fields followed by one block per recipient, read by ``read_delivery_status``. Mail servers
that send no such part write the same facts in prose (qmail, Exim, older Exchange,
Postfix without DSN, Gmail, and their translations); ``guess_bounce_from_text`` finds the
failed address and the status code in that prose.

Both functions are pure, never raise, and look at no more than the first 64 KiB.
"""

from __future__ import annotations

import re

from intake.parse.mail import DeliveryReport
from intake.text import fold as _fold

MAX_SCAN_CHARS = 64 * 1024
MAX_DIAGNOSTIC_CHARS = 300
_MAX_SUBJECT_CHARS = 2048
_MAX_FIELD_CHARS = 320
_MAX_ADDRESSES_TRIED = 50

# One ``Name: value`` line of a DSN block, matched whole in linear time.
_FIELD_RE = re.compile(r"([A-Za-z][A-Za-z0-9-]{0,75})[ \t]*:[ \t]*(.*)")
# The address-type or diagnostic-type token in front of a value: "rfc822;", "smtp;".
_TYPE_PREFIX_RE = re.compile(r"[ \t]*[A-Za-z][A-Za-z0-9._-]{0,30}[ \t]*;[ \t]*")
# An enhanced status code (RFC 3463) that is not part of an IP address or version number.
_STATUS_RE = re.compile(r"(?<![\w.])([245])\.\d{1,3}\.\d{1,3}(?!\.?\d)")
# A basic SMTP reply code as servers print it: "550 5.1.1", "550-…", "550 User unknown".
_SMTP_CODE_RE = re.compile(r"(?<![\w.-])[45]\d\d(?=[ -](?:[245]\.\d|[^\W\d_]|[<#\[(]))")
_ADDRESS_RE = re.compile(
    r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@[^\W_][\w-]{0,62}(?:\.[^\W_][\w-]{0,62}){1,8}"
)
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")

# Fields that begin a new recipient block when a sender forgot the blank line.
_RECIPIENT_START = frozenset({"original-recipient", "final-recipient", "action"})
_RECIPIENT_FIELDS = frozenset({"original-recipient", "final-recipient", "action", "status"})
_ACTION_PREFERENCE = ("failed", "delayed")
_ACTION_BY_STATUS_CLASS = {"5": "failed", "4": "delayed", "2": "delivered"}

# Mailboxes of the reporting system itself, never the recipient that failed.
_SYSTEM_LOCAL_PARTS = frozenset(
    {"mailer-daemon", "mailerdaemon", "postmaster", "noreply", "no-reply", "mail-daemon"}
)

# Phrases of bounce prose, folded (lower case, no accents, straight apostrophes).
FAILURE_PHRASES: tuple[str, ...] = (
    "this is the qmail-send program",
    "this message was created automatically by mail delivery software",
    "the following address(es) failed",
    "delivery has failed to these recipients or groups",
    "i'm sorry to have to inform you",
    "address not found",
    "your message wasn't delivered",
    "message wasn't delivered",
    "couldn't be delivered",
    "could not be delivered",
    "message not delivered",
    "undelivered mail returned to sender",
    "undeliverable",
    "mail delivery failed",
    "delivery status notification (failure)",
    "returned mail:",
    "failure notice",
    "delivery failure",
    "permanent error",
    "onbestelbaar",
    "de bezorging is mislukt",
    "kan niet worden bezorgd",
    "niet afgeleverd",
    "non remis",
    "la remise a echoue",
    "impossible de remettre",
    "unzustellbar",
    "nicht zustellbar",
    "fehler bei der zustellung",
    "zustellung fehlgeschlagen",
    "no se puede entregar",
    "non recapitabile",
    "mancato recapito",
)
DELAY_PHRASES: tuple[str, ...] = (
    "delivery status notification (delay)",
    "this is a warning message only",
    "delivery delayed",
    "delayed mail (still being retried)",
    "this is a warning only",
    "has not yet been delivered",
    "bezorging vertraagd",
    "remise differee",
    "remise retardee",
    "zustellung verzogert",
)
# Where the copy of the returned message starts; addresses after it are not the recipient.
RETURNED_COPY_PHRASES: tuple[str, ...] = (
    "below this line is a copy of the message",
    "this is a copy of the message",
    "original message follows",
    "original message details",
    "----- original message -----",
    "-----original message-----",
    "content-type: message/rfc822",
)


def _alternation(phrases: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(phrases, key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in ordered))


_FAILURE_RE = _alternation(FAILURE_PHRASES)
_DELAY_RE = _alternation(DELAY_PHRASES)
_RETURNED_COPY_RE = _alternation(RETURNED_COPY_PHRASES)


def read_delivery_status(text: str) -> DeliveryReport | None:
    """The most telling recipient of an RFC 3464 delivery-status text, or None."""
    recipients = [r for r in _records(text[:MAX_SCAN_CHARS]) if _RECIPIENT_FIELDS & r.keys()]
    if not recipients:
        return None
    reports = [_report(fields) for fields in recipients]
    for wanted in _ACTION_PREFERENCE:
        for report in reports:
            if report.action == wanted:
                return report
    return reports[0]


def guess_bounce_from_text(
    subject: str, body: str, failed_recipients_header: str
) -> DeliveryReport | None:
    """A bounce written as prose: the failed address and status code, or None if not one."""
    subject_folded = _fold(subject[:_MAX_SUBJECT_CHARS])
    body = body[:MAX_SCAN_CHARS]
    body_folded = _fold(body)
    header = failed_recipients_header[:_MAX_FIELD_CHARS]
    # Only the report itself counts, not the copy of the returned message below it.
    copy = _RETURNED_COPY_RE.search(body_folded)
    end = copy.start() if copy is not None else len(body)
    body_marker = _FAILURE_RE.search(body_folded, 0, end) or _DELAY_RE.search(body_folded, 0, end)
    marked = body_marker is not None or _FAILURE_RE.search(subject_folded) is not None
    delayed = _DELAY_RE.search(subject_folded) or _DELAY_RE.search(body_folded, 0, end)
    if not marked and delayed is None and not header.strip():
        return None
    # The address may come before the phrase on its line ("Your message to x couldn't be …").
    start = body.rfind("\n", 0, body_marker.start()) + 1 if body_marker is not None else 0
    found = _first_recipient(body, start, end)
    recipient = _header_recipient(header) or (found.group(0).lstrip("'`.") if found else "")
    status, diagnostic = _status_and_diagnostic(body, start, end, found)
    return DeliveryReport(
        recipient=recipient,
        action="delayed" if delayed is not None else "failed",
        status=status,
        diagnostic=diagnostic,
        original_message_id=None,
    )


def _records(text: str) -> list[dict[str, str]]:
    """The blocks of ``Name: value`` fields, unfolded; the first value of a name wins."""
    records: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last: str | None = None
    for line in text.splitlines():
        if not line.strip():
            if current:
                records.append(current)
            current, last = {}, None
        elif line[0] in " \t":
            if last is not None and len(current[last]) < MAX_SCAN_CHARS:
                current[last] += " " + line.strip()
        elif (match := _FIELD_RE.fullmatch(line.rstrip())) is None:
            last = None
        else:
            name = match.group(1).lower()
            if name in _RECIPIENT_START and name in current:
                records.append(current)
                current = {}
            last = None if name in current else name
            current.setdefault(name, match.group(2).strip())
    if current:
        records.append(current)
    return records


def _report(fields: dict[str, str]) -> DeliveryReport:
    recipient = _address_value(fields.get("final-recipient", ""))
    if not recipient:
        recipient = _address_value(fields.get("original-recipient", ""))
    diagnostic = _collapse(_strip_type(fields.get("diagnostic-code", "")))
    raw_status = fields.get("status", "")
    found = _STATUS_RE.search(raw_status) or _STATUS_RE.search(diagnostic)
    status = found.group(0) if found else " ".join(raw_status.split()[:1])[:32]
    words = fields.get("action", "").split()
    action = words[0].strip("();,.").lower()[:32] if words else ""
    if not action and status:
        action = _ACTION_BY_STATUS_CLASS.get(status[0], "")
    return DeliveryReport(recipient, action, status, diagnostic, None)


def _strip_type(value: str) -> str:
    match = _TYPE_PREFIX_RE.match(value)
    return value[match.end() :] if match else value


def _address_value(value: str) -> str:
    value = _strip_type(value).strip()
    if value.startswith("<") and ">" in value:
        value = value[1 : value.index(">")]
    words = value.split()
    return words[0].strip("<>\"'")[:_MAX_FIELD_CHARS] if words else ""


def _collapse(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_DIAGNOSTIC_CHARS:
        return text[: MAX_DIAGNOSTIC_CHARS - 1].rstrip() + "\u2026"
    return text


def _header_recipient(header: str) -> str:
    found = _ADDRESS_RE.search(header)
    if found is not None:
        return found.group(0).lstrip("'`.")
    words = header.replace(",", " ").split()
    return words[0][:_MAX_FIELD_CHARS] if words else ""


def _first_recipient(body: str, start: int, end: int) -> re.Match[str] | None:
    """The first address after the bounce marker that is not the reporting system's own."""
    for tried, found in enumerate(_ADDRESS_RE.finditer(body, start, end)):
        if tried >= _MAX_ADDRESSES_TRIED:
            break
        local = found.group(0).lstrip("'`.").partition("@")[0].lower()
        if local not in _SYSTEM_LOCAL_PARTS:
            return found
    return None


def _status_and_diagnostic(
    body: str, start: int, end: int, address: re.Match[str] | None
) -> tuple[str, str]:
    """The first failure code after the marker, and the paragraph that carries it."""
    codes = list(_STATUS_RE.finditer(body, start, end))
    failure = next((c for c in codes if c.group(1) in "45"), codes[0] if codes else None)
    smtp = _SMTP_CODE_RE.search(body, start, end)
    status = failure.group(0) if failure else (smtp.group(0) if smtp else "")
    anchors = [m.start() for m in (failure, smtp) if m is not None]
    if anchors:
        return status, _paragraph(body, min(anchors), end)
    if address is not None:
        return status, _paragraph(body, address.start(), end)
    return status, ""


def _paragraph(body: str, position: int, end: int) -> str:
    """From the start of the line at ``position`` to the next blank line, collapsed."""
    line_start = body.rfind("\n", 0, position) + 1
    window = body[line_start : min(end, line_start + 4 * MAX_DIAGNOSTIC_CHARS)]
    blank = _BLANK_LINE_RE.search(window)
    return _collapse(window[: blank.start()] if blank else window)
