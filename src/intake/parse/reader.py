"""Raw bytes in, ``ParsedMail`` out: the one entry point of parsing.

The walk over the MIME tree is iterative (no recursion to exhaust), counts parts and
depth as it goes, opens the containers importers use (forwarded mails, zip archives,
winmail.dat) within limits, and never raises: whatever it cannot read becomes a
``Problem`` with a human reason, and a message that breaks a limit is read for its
headers only and marked for quarantine.

The tree is parsed with the ``compat32`` policy, which is several times faster than
``policy.default`` and keeps header values raw; ``headers`` decodes the few we need.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import Compat32

from intake.codes import FileType, Flag
from intake.parse import headers as h
from intake.parse.archives import Opened, open_tnef, open_zip
from intake.parse.dsn import read_delivery_status
from intake.parse.filetype import detect_file_type
from intake.parse.html import html_to_text
from intake.parse.limits import DEFAULT_LIMITS, ParseLimits
from intake.parse.mail import Address, Attachment, DeliveryReport, ParsedMail, Problem, TextPart
from intake.parse.prescan import prescan
from intake.parse.unfold import SetAside, set_aside_base64_bodies

_SET_ASIDE_FROM_BYTES = 64 * 1024

#: Raw header values kept for the rules (machine mail, lists, bounces, authentication).
KEPT_HEADERS: tuple[str, ...] = (
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "list-post",
    "x-failed-recipients",
    "return-path",
    "x-mailer",
    "user-agent",
    "x-loop",
    "feedback-id",
    "x-ms-exchange-generated-message-source",
    "authentication-results",
    "x-importbio-outbound",
)
_KEPT_HEADER_CHARS = 998
_BODY_TEXT = frozenset({"text/plain", "text/html"})
_NESTED_MESSAGES = frozenset({"message/rfc822", "message/global"})
_DSN_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
_RETURNED_HEADERS = frozenset({"text/rfc822-headers", "message/rfc822-headers"})


class _Compat32Text(Compat32):
    """``compat32`` that hands out 8-bit header bytes as text (UTF-8, else Windows-1252).

    Plain ``compat32`` wraps such values in a ``Header`` whose text has every 8-bit byte
    replaced by U+FFFD, so raw Latin-1 or UTF-8 subjects and file names were lost.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        return h.repair_8bit(value)


_POLICY = _Compat32Text()


def parse_mail(raw: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> ParsedMail:
    """Read one message. Never raises; limits and failures become ``Problem`` values."""
    scan = prescan(raw, limits)
    walk = _Walk(limits)
    message: Message | None = None
    if scan.headers_only_reason is None:
        try:
            if len(raw) > _SET_ASIDE_FROM_BYTES:
                walk.aside = set_aside_base64_bodies(raw, scan.boundaries)
                walk.original = raw
            message = BytesParser(policy=_POLICY).parsebytes(walk.aside.data if walk.aside else raw)
        except (RecursionError, MemoryError, ValueError, LookupError, TypeError) as exc:
            walk.quarantine(f"The message could not be parsed ({type(exc).__name__}).")
    else:
        walk.quarantine(scan.headers_only_reason)
    if message is None:
        message = read_headers_only(raw, limits)
    else:
        walk.run(message)
    return walk.result(message, raw)


def parse_headers_only(raw: bytes, limits: ParseLimits, reason: str) -> ParsedMail:
    """The message read for its top-level headers only, marked for quarantine with ``reason``."""
    walk = _Walk(limits)
    walk.quarantine(reason)
    return walk.result(read_headers_only(raw, limits), raw)


def read_headers_only(raw: bytes, limits: ParseLimits) -> Message:
    """The top-level headers of a message that may not be parsed whole (bounded)."""
    cut = raw[: limits.max_header_block_bytes]
    try:
        return BytesHeaderParser(policy=_POLICY).parsebytes(cut)
    except (RecursionError, MemoryError, ValueError, LookupError, TypeError):
        return Message()


@dataclass
class _Frame:
    part: Message
    depth: int
    container: str  # "" at top level, else where this part was found
    prefer_plain: bool = False  # inside a multipart/alternative that has a text/plain part
    in_report: bool = False
    archive_depth: int = 0


@dataclass
class _Walk:
    limits: ParseLimits
    aside: SetAside | None = None  # large base64 bodies the parser did not see
    original: bytes = b""
    texts: dict[str, list[str]] = field(default_factory=dict)
    text_chars: int = 0
    attachments: list[Attachment] = field(default_factory=list)
    forwarded_subjects: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    defects: set[str] = field(default_factory=set)
    delivery_report: DeliveryReport | None = None
    returned_message_id: str | None = None
    part_count: int = 0
    depth: int = 0
    stopped: bool = False

    def quarantine(self, reason: str) -> None:
        self.problems.append(Problem(Flag.QUARANTINE, reason, quarantine=True))

    # -- the walk ---------------------------------------------------------------------

    def run(self, root: Message) -> None:
        stack = [_Frame(root, 0, "")]
        while stack and not self.stopped:
            frame = stack.pop()
            self.part_count += 1
            if self.part_count > self.limits.max_parts:
                self.quarantine(f"The message has more than {self.limits.max_parts} parts.")
                self.stopped = True
                break
            if frame.depth > self.limits.max_depth:
                self.quarantine(f"The message nests deeper than {self.limits.max_depth} levels.")
                self.stopped = True
                break
            self.depth = max(self.depth, frame.depth)
            self.defects.update(type(d).__name__ for d in frame.part.defects)
            stack.extend(reversed(self._visit(frame)))

    def _visit(self, frame: _Frame) -> list[_Frame]:
        part = frame.part
        ctype = part.get_content_type()
        if ctype in _NESTED_MESSAGES:
            return self._nested_message(frame)
        if ctype in _DSN_TYPES:  # before is_multipart(): compat32 parses it into blocks
            self._delivery_status(part)
            return []
        if part.is_multipart():
            return self._children(frame, ctype)
        if ctype in _RETURNED_HEADERS and frame.in_report:
            self._returned_headers(self._payload(part))
            return []
        filename = self._filename(part)
        disposition = part.get_content_disposition()
        if ctype in _BODY_TEXT and not filename and disposition != "attachment":
            if not (ctype == "text/html" and frame.prefer_plain):
                self._add_text(frame.container, part, ctype)
            return []
        return self._file(
            frame,
            name=filename,
            content_type=ctype,
            payload=self._payload(part),
            inline=disposition == "inline",
            content_id=part.get("content-id") is not None,
        )

    def _children(self, frame: _Frame, ctype: str) -> list[_Frame]:
        payload = frame.part.get_payload()
        children = (
            [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []
        )
        prefer_plain = frame.prefer_plain or (
            ctype == "multipart/alternative"
            and any(c.get_content_type() == "text/plain" for c in children)
        )
        in_report = frame.in_report or ctype == "multipart/report"
        return [
            _Frame(
                c, frame.depth + 1, frame.container, prefer_plain, in_report, frame.archive_depth
            )
            for c in children
        ]

    def _nested_message(self, frame: _Frame) -> list[_Frame]:
        payload = frame.part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, Message):
            return []
        if frame.in_report:
            self.returned_message_id = h.parse_message_id(inner.get("message-id"))
            return []  # the returned copy of a bounced mail is evidence, not content
        label = self._filename(frame.part) or "forwarded.eml"
        return [self._forwarded(inner, frame, label)]

    def _forwarded(self, inner: Message, frame: _Frame, label: str) -> _Frame:
        subject, _ = h.clean_header(
            inner.get("subject"),
            max_chars=self.limits.max_header_value_chars,
            max_words=self.limits.max_encoded_words,
        )
        self.forwarded_subjects.append(subject)
        self.attachments.append(
            Attachment(
                filename=label,
                content_type="message/rfc822",
                detected_type=FileType.MESSAGE,
                size_bytes=0,  # a container: what counts is listed inside it
                payload=b"",
                container=frame.container,
                opened=True,
            )
        )
        return _Frame(
            inner, frame.depth + 1, _join(frame.container, label), archive_depth=frame.archive_depth
        )

    # -- leaves -------------------------------------------------------------------------

    def _file(
        self,
        frame: _Frame,
        *,
        name: str,
        content_type: str,
        payload: bytes,
        inline: bool = False,
        content_id: bool = False,
        encrypted: bool = False,
    ) -> list[_Frame]:
        detected = FileType.UNKNOWN if encrypted else detect_file_type(payload)
        opened: Opened | None = None
        nested: Message | None = None
        if (
            detected in (FileType.ZIP, FileType.TNEF)
            and frame.archive_depth < self.limits.max_archive_depth
        ):
            label = _join(frame.container, name or "archive.zip")
            opener = open_zip if detected is FileType.ZIP else open_tnef
            opened = opener(payload, label=label, limits=self.limits)
        elif detected is FileType.MESSAGE and frame.depth < self.limits.max_depth:
            nested = self._attached_mail(payload, _join(frame.container, name or "forwarded.eml"))
        self.attachments.append(
            Attachment(
                filename=name,
                content_type=content_type,
                detected_type=detected,
                size_bytes=len(payload),
                payload=payload,
                container=frame.container,
                inline=inline,
                content_id=content_id,
                encrypted=encrypted,
                opened=bool(opened and opened.members) or nested is not None,
            )
        )
        if nested is not None:
            return [self._forwarded(nested, frame, name or "forwarded.eml")]
        if opened is None:
            return []
        self.problems.extend(opened.problems)
        if any(p.quarantine for p in opened.problems):
            return []
        inner = _Frame(
            frame.part,
            frame.depth + 1,
            _join(frame.container, name or "archive.zip"),
            archive_depth=frame.archive_depth + 1,
        )
        for member in opened.members:
            self.part_count += 1
            if self.part_count > self.limits.max_parts:
                self.quarantine(
                    f"The message and its archives hold more than {self.limits.max_parts} parts."
                )
                self.stopped = True
                return []
            self._file(
                inner,
                name=member.name,
                content_type="application/octet-stream",
                payload=member.data,
                encrypted=member.encrypted,
            )
        return []

    def _attached_mail(self, payload: bytes, label: str) -> Message | None:
        """A mail attached as a file, parsed only when its bytes pass the same prescan."""
        reason = prescan(payload, self.limits).headers_only_reason
        if reason is not None:
            self.quarantine(f"The attached mail {label} was not opened. {reason}")
            return None
        return BytesParser(policy=_POLICY).parsebytes(payload)

    def _add_text(self, container: str, part: Message, ctype: str) -> None:
        room = self.limits.max_text_chars - self.text_chars
        if room <= 0:
            return
        data = self._payload(part)
        if ctype == "text/html":
            html = h.decode_bytes(data[: self.limits.max_html_bytes], part.get_content_charset())
            text = html_to_text(html, max_chars=room)
        else:
            text = h.decode_bytes(data[: room * 4], part.get_content_charset())[:room]
        text = text.replace("\x00", "")
        self.text_chars += len(text)
        self.texts.setdefault(container, []).append(text)

    def _delivery_status(self, part: Message) -> None:
        payload = part.get_payload()
        if isinstance(payload, list):
            blocks = [
                "\n".join(f"{k}: {v}" for k, v in block.items())
                for block in payload
                if isinstance(block, Message)
            ]
            text = "\n\n".join(blocks)
        else:
            text = h.decode_bytes(self._payload(part), "utf-8")
        report = read_delivery_status(text)
        if report is not None and self.delivery_report is None:
            self.delivery_report = report

    def _returned_headers(self, data: bytes) -> None:
        headers = read_headers_only(data, self.limits)
        self.returned_message_id = h.parse_message_id(headers.get("message-id"))

    def _filename(self, part: Message) -> str:
        try:
            raw = part.get_filename()
        except (ValueError, LookupError, TypeError, IndexError):
            raw = None
        if raw is None:
            return ""
        name, _ = h.clean_header(str(raw), max_chars=255, max_words=self.limits.max_encoded_words)
        return name.replace("/", "_").replace("\\", "_").strip(" .") or ""

    def _payload(self, part: Message) -> bytes:
        return _payload_bytes(part, self.aside, self.original)

    # -- the result ---------------------------------------------------------------------

    def result(self, message: Message, raw: bytes) -> ParsedMail:
        lim = self.limits

        def header(name: str, max_chars: int = lim.max_header_value_chars) -> tuple[str, bool]:
            return h.clean_header(
                message.get(name), max_chars=max_chars, max_words=lim.max_encoded_words
            )

        def addresses(name: str) -> tuple[Address, ...]:
            return h.parse_addresses(
                message.get(name),
                max_chars=lim.max_header_value_chars,
                max_words=lim.max_encoded_words,
            )

        subject, subject_cut = header("subject")
        if subject_cut:
            self.problems.append(
                Problem(
                    Flag.HEADER_TRUNCATED,
                    "The subject was longer than "
                    f"{lim.max_header_value_chars} characters and was cut.",
                )
            )
        if self.defects:
            self.problems.append(
                Problem(
                    Flag.MIME_DEFECTS,
                    "The MIME structure has defects: " + ", ".join(sorted(self.defects)[:5]) + ".",
                )
            )
        kept = {}
        for name in KEPT_HEADERS:
            if name in message:
                kept[name] = header(name, _KEPT_HEADER_CHARS)[0]
        report = self.delivery_report
        if report is not None and self.returned_message_id:
            report = DeliveryReport(
                report.recipient,
                report.action,
                report.status,
                report.diagnostic,
                self.returned_message_id,
            )
        from_ = addresses("from")
        reply_to = addresses("reply-to")
        if not from_:
            self.problems.append(
                Problem(
                    Flag.NO_SENDER, "The message has no readable From address: nobody to answer."
                )
            )
        texts = tuple(
            TextPart(
                "body" if container == "" else f"forwarded mail {container}", "\n\n".join(chunks)
            )
            for container, chunks in self.texts.items()
        )
        return ParsedMail(
            size_bytes=len(raw),
            sha256=hashlib.sha256(raw).hexdigest(),
            message_id=h.parse_message_id(message.get("message-id")),
            from_=from_[0] if from_ else None,
            reply_to=reply_to[0] if reply_to else None,
            to=addresses("to"),
            cc=addresses("cc"),
            subject=subject,
            date=h.parse_date(message.get("date")),
            in_reply_to=h.parse_message_ids(message.get("in-reply-to")),
            references=h.parse_message_ids(message.get("references")),
            content_type=message.get_content_type(),
            headers=kept,
            texts=texts,
            attachments=tuple(self.attachments),
            forwarded_subjects=tuple(self.forwarded_subjects),
            delivery_report=report,
            problems=tuple(self.problems),
            part_count=self.part_count,
            depth=self.depth,
        )


def _payload_bytes(part: Message, aside: SetAside | None, original: bytes) -> bytes:
    if aside is not None:
        token = part.get_payload()
        if isinstance(token, str):
            body = aside.body_for(token, original)
            if body is not None:
                return body
    try:
        data = part.get_payload(decode=True)
    except (ValueError, LookupError, TypeError, AssertionError):
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("ascii", "surrogateescape")
    return b""


def _join(container: str, name: str) -> str:
    return f"{container}/{name}" if container else name
