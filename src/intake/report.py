"""Reading one message end to end, under its CPU budget, into a ``MailReport``.

``MailReport`` is the boundary value: what ``importbio parse`` prints (one JSON object
per line), and what the case store keeps as the triage of a message.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from pydantic import BaseModel, ConfigDict, Field

from intake.auth.verdict import AuthResult, VerdictSource
from intake.codes import DocRole, FileType, Flag, Kind, Queue
from intake.parse.budget import BudgetExceeded, cpu_budget
from intake.parse.mail import ParsedMail, Problem
from intake.parse.reader import parse_headers_only, parse_mail
from intake.triage.context import TriageContext
from intake.triage.result import Triage
from intake.triage.triage import triage


class DocumentOut(BaseModel):
    """An attached document in the report."""

    model_config = ConfigDict(frozen=True)

    filename: str
    content_type: str
    detected_type: FileType
    size_bytes: int
    evidence: str


class BounceOut(BaseModel):
    """The failed delivery a bounce reports."""

    model_config = ConfigDict(frozen=True)

    recipient: str
    action: str
    status: str
    diagnostic: str
    original_message_id: str | None


class SenderAuthOut(BaseModel):
    """The verdict on the sender's authentication (DKIM, SPF, DMARC)."""

    model_config = ConfigDict(frozen=True)

    dkim: AuthResult
    spf: AuthResult
    dmarc: AuthResult
    source: VerdictSource
    from_domain: str
    dkim_domains: list[str]
    spf_domain: str
    verified: bool  # False when the sender demonstrably failed
    detail: str


class ExtraControlsOut(BaseModel):
    """A row of the extra-controls table that applies."""

    model_config = ConfigDict(frozen=True)

    year: int
    origin: str
    product: str
    cn_codes: list[str]
    min_share_pct: int
    evidence: str


#: Raw headers that say whether a message may be answered automatically (RFC 3834).
MACHINE_HEADERS: tuple[str, ...] = (
    "auto-submitted",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "list-post",
    "return-path",
    "x-auto-response-suppress",
    "x-autoreply",
    "x-autorespond",
    "x-loop",
    "x-importbio-outbound",
)


class MailReport(BaseModel):
    """Everything the desk learns from one message. Field names are a stable interface."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    source: str
    message_id: str | None
    from_: str | None = Field(alias="from")
    from_name: str
    reply_to: str | None
    to: list[str]
    subject: str
    date: dt.datetime | None
    size_bytes: int
    sha256: str
    kind: Kind
    coi_references: list[str]
    documents: dict[DocRole, list[DocumentOut]]
    missing: list[DocRole]
    eta: dt.date | None
    window_opens: dt.date | None
    flags: list[Flag]
    queue: Queue
    reasons: list[str]
    bounce: BounceOut | None
    extra_controls: list[ExtraControlsOut]
    in_reply_to: list[str]
    references: list[str]
    # lower-case names; absent from reports stored before the field existed
    machine_headers: dict[str, str] = Field(default_factory=dict)
    # absent when the sender was not checked (and from reports stored before)
    sender_auth: SenderAuthOut | None = None

    def to_json(self) -> str:
        """One line of JSON, with the public field names."""
        return self.model_dump_json(by_alias=True)


def read_mail(raw: bytes, *, source: str, context: TriageContext) -> MailReport:
    """Parse and triage one message within its CPU budget; never raises for bad input."""
    try:
        with cpu_budget(context.limits.cpu_budget_s):
            mail = parse_mail(raw, context.limits)
            result = triage(mail, context)
    except (BudgetExceeded, RecursionError) as exc:
        reason = f"Reading the message was stopped: {exc or type(exc).__name__}."
        mail, result = _read_headers_only(raw, context, reason)
    except Exception as exc:  # a bug met on this input: the message still reaches a person
        reason = f"An internal error stopped reading the message ({type(exc).__name__})."
        mail, result = _read_headers_only(raw, context, reason)
    return build_report(source, mail, result)


def _read_headers_only(
    raw: bytes, context: TriageContext, reason: str
) -> tuple[ParsedMail, Triage]:
    """The top-level headers triaged, quarantined with ``reason``, under a budget of their own.

    The slow or failing step may be in triage, which meets the same subject again here;
    when it fails a second time the message goes to review untriaged.
    """
    mail: ParsedMail | None = None
    try:
        with cpu_budget(context.limits.cpu_budget_s):
            mail = parse_headers_only(raw, context.limits, reason)
            return mail, triage(mail, context)
    except (BudgetExceeded, Exception) as exc:
        mail = mail or _bare_mail(raw, reason)
        note = f"Triage of the headers alone failed too ({type(exc).__name__})."
        return mail, _untriaged(mail, note)


def _bare_mail(raw: bytes, reason: str) -> ParsedMail:
    """Nothing of the message but its size, hash and the reason it could not be read."""
    return ParsedMail(
        size_bytes=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        message_id=None,
        from_=None,
        reply_to=None,
        to=(),
        cc=(),
        subject="",
        date=None,
        in_reply_to=(),
        references=(),
        content_type="",
        headers={},
        texts=(),
        attachments=(),
        forwarded_subjects=(),
        delivery_report=None,
        problems=(Problem(Flag.QUARANTINE, reason, quarantine=True),),
        part_count=0,
        depth=0,
    )


def _untriaged(mail: ParsedMail, note: str) -> Triage:
    """A message sent to review with its problems and ``note`` as the only reasons."""
    reasons = [p.reason for p in mail.problems]
    reasons += [note, "Queue review: the message could not be read and is quarantined."]
    return Triage(
        kind=Kind.OTHER,
        coi_references=(),
        documents=dict.fromkeys(DocRole, ()),
        missing=(),
        eta=None,
        window_opens=None,
        flags=(Flag.QUARANTINE,),
        queue=Queue.REVIEW,
        reasons=tuple(reasons),
    )


def build_report(source: str, mail: ParsedMail, result: Triage) -> MailReport:
    """Join what was parsed and what triage decided into the report."""
    return MailReport(
        source=source,
        message_id=mail.message_id,
        from_=mail.from_.addr_spec if mail.from_ else None,
        from_name=mail.from_.display_name if mail.from_ else "",
        reply_to=mail.reply_to.addr_spec if mail.reply_to else None,
        to=[a.addr_spec for a in mail.to],
        subject=mail.subject,
        date=mail.date,
        size_bytes=mail.size_bytes,
        sha256=mail.sha256,
        kind=result.kind,
        coi_references=list(result.coi_references),
        documents={
            role: [
                DocumentOut(
                    filename=d.filename,
                    content_type=d.content_type,
                    detected_type=d.detected_type,
                    size_bytes=d.size_bytes,
                    evidence=d.evidence,
                )
                for d in result.documents.get(role, ())
            ]
            for role in DocRole
        },
        missing=list(result.missing),
        eta=result.eta,
        window_opens=result.window_opens,
        flags=list(result.flags),
        queue=result.queue,
        reasons=list(result.reasons),
        bounce=(
            BounceOut(
                recipient=result.bounce.recipient,
                action=result.bounce.action,
                status=result.bounce.status,
                diagnostic=result.bounce.diagnostic,
                original_message_id=result.bounce.original_message_id,
            )
            if result.bounce
            else None
        ),
        extra_controls=[
            ExtraControlsOut(
                year=m.year,
                origin=m.origin,
                product=m.product,
                cn_codes=list(m.cn_codes),
                min_share_pct=m.min_share_pct,
                evidence=m.evidence,
            )
            for m in result.extra_controls
        ],
        in_reply_to=list(mail.in_reply_to),
        references=list(mail.references),
        machine_headers={k: mail.headers[k] for k in MACHINE_HEADERS if k in mail.headers},
        sender_auth=(
            SenderAuthOut(
                dkim=result.sender.dkim,
                spf=result.sender.spf,
                dmarc=result.sender.dmarc,
                source=result.sender.source,
                from_domain=result.sender.from_domain,
                dkim_domains=list(result.sender.dkim_domains),
                spf_domain=result.sender.spf_domain,
                verified=not result.sender.failed,
                detail=result.sender.detail,
            )
            if result.sender is not None
            else None
        ),
    )
