"""The mail a case event causes, as the store sees it: planned, then stored in the outbox.

What a mail says is notify's business; the store only needs the finished bytes and
where they go. notify plugs in through ``Responder`` (acknowledgments of incoming mail)
and ``DecisionMailer`` (decision mails), so intake never imports notify.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from intake.codes import DocRole, Flag, Kind
from intake.report import MailReport


@dataclass(frozen=True, slots=True)
class PlannedMail:
    """A finished outgoing mail. ``dedupe_key`` names its cause: one mail per cause."""

    kind: str
    dedupe_key: str
    message_id: str
    mail_from: str
    recipients: tuple[str, ...]
    subject: str
    raw: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class CaseSnapshot:
    """A case as a mail about it needs it."""

    case_id: int
    coi: str | None
    kind: Kind
    documents: dict[DocRole, tuple[str, ...]]
    missing: tuple[DocRole, ...]
    eta: date | None
    window_opens: date | None
    flags: tuple[Flag, ...]
    importer: str | None
    reply_to: str | None
    subject: str
    first_message_id: str | None
    thread: tuple[str, ...]  # Message-IDs of the case's messages, oldest first


class Responder(Protocol):
    """Decides the automatic answer to an incoming mail (or none)."""

    def may_answer(self, report: MailReport) -> bool:
        """False when ``report`` gets no answer whatever its case and today's count say:
        the store then skips reading them."""
        ...

    def __call__(
        self,
        report: MailReport,
        case: CaseSnapshot,
        *,
        sent_today_to_sender: int,
        now: datetime,
    ) -> PlannedMail | None: ...


class DecisionMailer(Protocol):
    """Writes the mail that tells the importer an officer's decision."""

    def __call__(
        self,
        case: CaseSnapshot,
        decision: str,
        *,
        note: str | None,
        documents_requested: tuple[str, ...],
        event_id: int,
        now: datetime,
    ) -> PlannedMail | None: ...
