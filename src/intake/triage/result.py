"""The value triage returns for one message: ``Triage``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from intake.auth.verdict import SenderVerdict
from intake.codes import DocRole, FileType, Flag, Kind, Queue
from intake.parse.mail import DeliveryReport


@dataclass(frozen=True, slots=True)
class Document:
    """One attached document as the desk sees it, with why it was put in its role."""

    filename: str
    content_type: str
    detected_type: FileType
    size_bytes: int
    evidence: str


@dataclass(frozen=True, slots=True)
class ExtraControlMatch:
    """A row of the extra-controls table that the consignment seems to fall under."""

    year: int
    origin: str  # ISO 3166-1 alpha-2
    origin_name: str
    product: str
    cn_codes: tuple[str, ...]
    min_share_pct: int
    evidence: str


@dataclass(frozen=True, slots=True)
class Triage:
    """What the desk needs to know about one message, and why."""

    kind: Kind
    coi_references: tuple[str, ...]
    documents: dict[DocRole, tuple[Document, ...]]
    missing: tuple[DocRole, ...]
    eta: date | None
    window_opens: date | None
    flags: tuple[Flag, ...]
    queue: Queue
    reasons: tuple[str, ...]
    bounce: DeliveryReport | None = None
    extra_controls: tuple[ExtraControlMatch, ...] = field(default=())
    sender: SenderVerdict | None = None
