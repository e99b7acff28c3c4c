"""The wire form of a desk mail: RFC 5322 bytes, multipart/alternative, text and HTML.

Written out directly instead of through ``email.message.EmailMessage``: every value that
reaches here was checked when the mail was composed (one plain address each, safe header
text, well-formed Message-IDs), so nothing needs the header registry's parsing, which costs
several milliseconds a mail and dominated sending reminders and acknowledgments in bulk.
The pieces that need encoding use the standard library's own encoders (RFC 2047 words,
quoted-printable), so the result reads back the same through any parser.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.utils import format_datetime, formataddr

_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP
_UTF8_QP.header_encoding = QP
# RFC 5322's hard limit; folding at 78 would split 70-77 character subjects needlessly.
_MAX_LINE_CHARS = 998


@dataclass(frozen=True, slots=True)
class WireMail:
    """What a desk mail holds, every value already checked."""

    from_name: str
    from_address: str
    to: Sequence[str]
    subject: str
    date: datetime
    message_id: str
    in_reply_to: str | None
    references: Sequence[str]
    auto_submitted: str
    precedence: str | None
    text: str
    html: str


def to_bytes(mail: WireMail) -> bytes:
    """The mail as RFC 5322 bytes with CRLF line ends."""
    boundary = "=_" + hashlib.sha256(mail.message_id.encode("ascii")).hexdigest()[:32]
    headers = [
        ("From", formataddr((mail.from_name, mail.from_address), charset="utf-8")),
        ("To", ", ".join(mail.to)),
        ("Subject", _header_text(mail.subject)),
        ("Date", format_datetime(mail.date)),
        ("Message-ID", mail.message_id),
    ]
    if mail.in_reply_to is not None:
        headers.append(("In-Reply-To", mail.in_reply_to))
    if mail.references:
        headers.append(("References", _fold_words(" ".join(mail.references))))
    headers.append(("Auto-Submitted", mail.auto_submitted))
    if mail.precedence is not None:
        headers.append(("Precedence", mail.precedence))
    headers += [
        ("X-Auto-Response-Suppress", "All"),
        ("X-Importbio-Outbound", "1"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
        ("Content-Language", "nl, en"),
    ]
    lines = [f"{name}: {value}" for name, value in headers]
    lines += ["", f"--{boundary}", *_part("plain", mail.text)]
    lines += [f"--{boundary}", *_part("html", mail.html), f"--{boundary}--", ""]
    return "\r\n".join(lines).encode("ascii")


def _part(subtype: str, content: str) -> list[str]:
    body = _UTF8_QP.body_encode(content)
    assert body is not None  # a str in gives a str out
    # split, not splitlines: a final line break stays part of the content, since the one
    # before the next boundary belongs to the boundary (RFC 2046 5.1.1)
    return [
        f'Content-Type: text/{subtype}; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        *body.split("\n"),
    ]


def _header_text(value: str) -> str:
    """Unstructured header text: plain ASCII words as they are, each run of other words as
    RFC 2047 encoded words, so a reference in a subject stays readable as it is."""
    if value.isascii() and "=?" not in value:
        return _fold_words(value)
    parts: list[str] = []
    run: list[str] = []
    for word in value.split(" "):
        if word.isascii() and "=?" not in word:
            if run:
                parts.append(_encoded(" ".join(run)))
                run = []
            parts.append(word)
        else:
            run.append(word)
    if run:
        parts.append(_encoded(" ".join(run)))
    return " ".join(parts)


def _encoded(text: str) -> str:
    return Header(text, _UTF8_QP, maxlinelen=76, header_name="Subject").encode(linesep="\r\n")


def _fold_words(value: str) -> str:
    """Fold an ASCII value at spaces so no line passes the hard limit."""
    if len(value) + 40 <= _MAX_LINE_CHARS:
        return value
    lines: list[str] = []
    current = ""
    for word in value.split(" "):
        if current and len(current) + 1 + len(word) > _MAX_LINE_CHARS - 40:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "\r\n ".join(lines)
