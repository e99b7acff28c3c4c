"""The value a raw message is parsed into: ``ParsedMail``.

Everything here is immutable and plain: strings already decoded and bounded, bytes of
attachments already decoded from their transfer encoding. Triage works on this value
only, never on the ``email`` package's objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from intake.codes import FileType, Flag


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox of an address header: ``display_name <addr_spec>``."""

    display_name: str
    addr_spec: str

    @property
    def domain(self) -> str:
        """The part after the last ``@``, lower-cased; empty when there is none."""
        _, at, domain = self.addr_spec.rpartition("@")
        return domain.lower() if at else ""

    def __str__(self) -> str:
        return f"{self.display_name} <{self.addr_spec}>" if self.display_name else self.addr_spec


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file carried by the mail, or found inside a zip, winmail.dat or forwarded mail.

    ``container`` names where it was found ("" at the top level, else e.g.
    ``docs.zip`` or ``Fwd: COI.CN.2023.0001234.eml``); ``location`` joins both for
    human reasons.
    """

    filename: str
    content_type: str
    detected_type: FileType
    size_bytes: int
    payload: bytes = field(repr=False)
    container: str = ""
    inline: bool = False
    content_id: bool = False
    encrypted: bool = False
    opened: bool = False  # a container (zip, winmail.dat, mail) whose files are listed apart

    @property
    def location(self) -> str:
        """Where it was found, for a person: ``docs.zip/BL.pdf``."""
        name = self.filename or f"(unnamed {self.content_type})"
        return f"{self.container}/{name}" if self.container else name


@dataclass(frozen=True, slots=True)
class TextPart:
    """A piece of readable text of the mail and where it came from (for reasons)."""

    where: str  # "body", "forwarded mail 'Fwd: …' body", …
    text: str


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What a delivery status notification (RFC 3464) says about the failed recipient."""

    recipient: str
    action: str
    status: str
    diagnostic: str
    original_message_id: str | None


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the message itself; ``quarantine`` ones stop normal triage."""

    flag: Flag
    reason: str
    quarantine: bool = False


@dataclass(frozen=True, slots=True)
class ParsedMail:
    """A message as triage sees it. ``headers`` keeps the raw values of the few
    machine-mail headers triage needs (lower-case names), already bounded."""

    size_bytes: int
    sha256: str
    message_id: str | None
    from_: Address | None
    reply_to: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    subject: str
    date: datetime | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    content_type: str
    headers: dict[str, str]
    texts: tuple[TextPart, ...]
    attachments: tuple[Attachment, ...]
    forwarded_subjects: tuple[str, ...]
    delivery_report: DeliveryReport | None
    problems: tuple[Problem, ...]
    part_count: int
    depth: int

    @property
    def quarantined(self) -> bool:
        """True when a limit or a failure kept the message from being read whole."""
        return any(p.quarantine for p in self.problems)

    @property
    def body_text(self) -> str:
        """The main body text (the first text part), or ""."""
        for part in self.texts:
            if part.where == "body":
                return part.text
        return ""
