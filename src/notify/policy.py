"""Whether a received mail may be answered automatically (RFC 3834, and loop prevention).

An acknowledgment is only ever sent to a person who wrote to the desk: never to a mail
system, a list, another auto-responder or the desk itself, and never more than a few times
a day to the same address, so that two auto-responders cannot feed each other.
"""

from __future__ import annotations

from collections.abc import Iterable

from intake.codes import Flag, Kind
from intake.report import MailReport
from notify.addresses import is_machine_address, recipient_for
from notify.codes import MailKind
from notify.desk import Desk

OK = "ok"
_ACK_KINDS: dict[Kind, MailKind] = {
    Kind.NOTIFICATION: MailKind.ACK_NOTIFICATION,
    Kind.PRFC_REQUEST: MailKind.ACK_PRFC,
    Kind.ACCOUNT: MailKind.ACK_ACCOUNT,
}
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post")
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})
# Microsoft's X-Auto-Response-Suppress values that ask for no automatic answer.
_SUPPRESS_VALUES = frozenset({"all", "autoreply", "oof"})
_MAX_HEADER_CHARS = 998


def ack_kind_for(report: MailReport) -> MailKind | None:
    """The acknowledgment a mail of this kind gets, or None when it gets none."""
    return _ACK_KINDS.get(report.kind)


def _header(report: MailReport, name: str) -> str | None:
    value = report.machine_headers.get(name)
    return None if value is None else value[:_MAX_HEADER_CHARS]


def _token(value: str) -> str:
    """The first token of a header value, lower case, parameters and comments dropped."""
    words = value.partition(";")[0].partition("(")[0].split()
    return words[0].lower() if words else ""


def _domain_of(value: str) -> str:
    return value.strip().strip("<>").rpartition("@")[2].lower()


def _kind_refusal(report: MailReport) -> str | None:
    if report.kind is Kind.BOUNCE:
        return "The mail is a delivery failure report (bounce)."
    if report.kind is Kind.AUTO_REPLY:
        return "The mail is an automatic reply or other machine mail."
    if report.kind not in _ACK_KINDS:
        return f"Mail of kind '{report.kind}' gets no acknowledgment."
    if Flag.QUARANTINE in report.flags:
        return "The mail could not be read whole; an officer answers it."
    return None


def _header_refusal(report: MailReport) -> str | None:
    listed = [name for name in _LIST_HEADERS if _header(report, name) is not None]
    if Flag.MAILING_LIST in report.flags or listed:
        return "The mail came through a mailing list or bulk sender."
    precedence = _header(report, "precedence")
    if precedence is not None and _token(precedence) in _BULK_PRECEDENCE:
        return f"The mail has the header Precedence: {_token(precedence)}."
    submitted = _header(report, "auto-submitted")
    if submitted is not None and _token(submitted) != "no":
        return "The mail has the header Auto-Submitted and is not from a person."
    suppress = _header(report, "x-auto-response-suppress")
    if suppress is not None:
        values = {v.strip().lower() for v in suppress.split(",")}
        if values & _SUPPRESS_VALUES:
            return "The mail asks for no automatic answer (X-Auto-Response-Suppress)."
    return None


def _loop_refusal(report: MailReport, desk: Desk) -> str | None:
    if _header(report, "x-importbio-outbound") is not None:
        return "The mail is the desk's own outgoing mail come back."
    if report.message_id and desk.is_own_domain(_domain_of(report.message_id)):
        return "The Message-ID is on the desk's domain: the desk's own mail come back."
    loop = _header(report, "x-loop")
    if loop is not None and any(desk.is_own_address(w) for w in loop.replace(",", " ").split()):
        return "The mail names the desk in X-Loop: it already went through the desk."
    return None


def _sender_refusal(report: MailReport, desk: Desk) -> str | None:
    return_path = _header(report, "return-path")
    if return_path is not None:
        bare = return_path.strip(" \t<>")
        if not bare:
            return "The mail has an empty Return-Path (null sender)."
        if is_machine_address(bare) or desk.is_own_address(bare):
            return "The Return-Path is a mail system's or the desk's own address."
    sender = report.from_
    if not sender or Flag.NO_SENDER in report.flags:
        return "The mail has no sender."
    if is_machine_address(sender):
        return "The sender is a mailbox nobody reads (no-reply, mailer-daemon, postmaster)."
    if desk.is_own_address(sender):
        return "The mail comes from the desk's own address or domain."
    return None


def unverified_sender_refusal(flags: Iterable[Flag]) -> str | None:
    """Why no automatic mail may go to the sender of a mail (or case) with these flags.

    An unverified sender may be forged, and its Reply-To is the forger's to choose: an
    automatic mail (even one without case details) would be backscatter to whoever's
    address was used, or would tell a stranger that the desk holds the case. The officer
    sees why and answers by hand, after checking who wrote. Acknowledgments, reminders and
    window notices all ask here.
    """
    if Flag.SENDER_UNVERIFIED in flags:
        return (
            "The sender failed authentication (DKIM, SPF or DMARC): "
            "no automatic answer with case details; an officer answers."
        )
    return None


def auto_reply_allowed(
    report: MailReport, desk: Desk, *, sent_today_to_sender: int
) -> tuple[bool, str]:
    """Whether the desk may acknowledge ``report`` automatically, with the reason when not.

    ``sent_today_to_sender`` counts the automatic mails already sent today to the address
    ``recipient_for`` chooses.
    """
    refusal = (
        _kind_refusal(report)
        or _header_refusal(report)
        or _loop_refusal(report, desk)
        or _sender_refusal(report, desk)
        or unverified_sender_refusal(report.flags)
    )
    if refusal is None and recipient_for(report, desk) is None:
        refusal = "The mail has no valid address to answer."
    if refusal is None and sent_today_to_sender >= desk.max_auto_per_sender_per_day:
        refusal = (
            f"The daily limit of {desk.max_auto_per_sender_per_day} automatic mails "
            "to this address is reached."
        )
    return (False, refusal) if refusal is not None else (True, OK)
