"""A stored mail as the desk shows it: headers, text body, HTML body made safe, attachments.

Everything here comes from the sender and is hostile. The page escapes every string
(Jinja2 autoescape); an HTML body is passed through nh3 (a maintained sanitiser, the
Rust ammonia library) keeping only text markup: no scripts, styles, images, forms or
frames, and links that cannot run code. Attachments are only listed here; the desk
serves them as downloads, never inline.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage, Message

import nh3

from intake.codes import FileType
from intake.parse.filetype import detect_file_type

MAX_TEXT_CHARS = 200_000
MAX_HTML_CHARS = 500_000
MAX_PARTS = 200
SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Date", "Subject", "Message-ID")
_SAFE_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt",
        "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "q",
        "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "u", "ul",
    }
)  # fmt: skip
_SAFE_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan"}}


@dataclass(frozen=True, slots=True)
class Attachment:
    """A part of the mail with a file name or a non-text body, as listed on the case page."""

    index: int
    filename: str
    declared_type: str
    detected_type: FileType
    size_bytes: int


@dataclass(frozen=True, slots=True)
class MailView:
    """What the case page shows of one stored mail."""

    headers: tuple[tuple[str, str], ...]
    text: str
    safe_html: str
    attachments: tuple[Attachment, ...]
    problem: str = ""


def sanitise_html(html: str) -> str:
    """An HTML body reduced to harmless text markup."""
    return nh3.clean(
        html[:MAX_HTML_CHARS],
        tags=set(_SAFE_TAGS),
        attributes={tag: set(names) for tag, names in _SAFE_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a malformed header is shown raw, not fatal
        value = message.get_all(name, failobj=[""])[0] if message.keys() else ""
    return str(value or "")[:2000]


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # undecodable transfer encoding: nothing to show
        return b""
    return data if isinstance(data, bytes) else b""


def _text(part: Message) -> str:
    data = _payload(part)
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _leaves(message: Message) -> list[Message]:
    leaves: list[Message] = []
    for part in message.walk():
        if len(leaves) >= MAX_PARTS:
            break
        if not part.is_multipart():
            leaves.append(part)
    return leaves


def view_mail(raw: bytes) -> MailView:
    """The mail's headers, first text body, first HTML body (sanitised) and attachments."""
    try:
        message = _parse(raw)
        leaves = _leaves(message)
    except Exception as exc:  # the page shows the problem, not an error
        return MailView((), "", "", (), problem=f"the mail could not be read: {type(exc).__name__}")
    headers = tuple((name, _header(message, name)) for name in SHOWN_HEADERS)
    text = html = ""
    attachments: list[Attachment] = []
    for index, part in enumerate(leaves):
        filename = part.get_filename()
        content_type = part.get_content_type()
        inline_text = filename is None and content_type in ("text/plain", "text/html")
        if inline_text and content_type == "text/plain" and not text:
            text = _text(part)[:MAX_TEXT_CHARS]
        elif inline_text and content_type == "text/html" and not html:
            html = sanitise_html(_text(part))
        elif not inline_text:
            data = _payload(part)
            attachments.append(
                Attachment(
                    index=index,
                    filename=str(filename or f"part-{index}")[:300],
                    declared_type=content_type[:200],
                    detected_type=detect_file_type(data),
                    size_bytes=len(data),
                )
            )
    return MailView(headers, text, html, tuple(attachments))


def attachment_bytes(raw: bytes, index: int) -> tuple[str, bytes] | None:
    """The file name and bytes of the attachment at ``index`` (as ``view_mail`` lists it)."""
    try:
        leaves = _leaves(_parse(raw))
    except Exception:  # an unreadable mail has no attachments to give
        return None
    if not 0 <= index < len(leaves):
        return None
    part = leaves[index]
    filename = part.get_filename()
    if filename is None and part.get_content_type() in ("text/plain", "text/html"):
        return None
    return str(filename or f"part-{index}")[:300], _payload(part)
