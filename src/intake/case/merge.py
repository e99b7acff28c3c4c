"""A case's state from the messages it has gathered: pure, so its rules are easy to test.

A case opens with its first message's triage. Every later message (a reply bringing the
missing invoice, a corrected ETA) is merged in: documents add up, the ETA is the latest
one given, timing is judged again for today, and the queue follows from the whole by the
same rule triage uses for one message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from intake.calendar import WorkCalendar
from intake.codes import DocRole, Flag, Kind, Queue
from intake.report import MailReport
from intake.triage.queueing import QueueFacts, choose_queue
from intake.triage.triage import REQUIRED_DOCUMENTS

# Flags that describe one message's timing or completeness are judged again for the case.
_RECOMPUTED = frozenset({Flag.TOO_EARLY, Flag.LATE, Flag.ETA_UNKNOWN, Flag.COI_MISSING})
# Machine mail attached to a case is kept on its timeline but changes nothing else.
_INERT_KINDS = frozenset({Kind.AUTO_REPLY, Kind.BOUNCE})
_CASE_KINDS_BY_STRENGTH = (Kind.NOTIFICATION, Kind.PRFC_REQUEST, Kind.ACCOUNT, Kind.REPLY)


@dataclass(frozen=True, slots=True)
class CaseState:
    """What the desk knows of a case at one moment."""

    kind: Kind
    coi: str | None
    queue: Queue
    why: str
    eta: date | None
    window_opens: date | None
    flags: tuple[Flag, ...]
    roles: frozenset[DocRole]
    missing: tuple[DocRole, ...]
    extra_controls: bool
    quarantined: bool


def open_case(report: MailReport, *, today: date, calendar: WorkCalendar) -> CaseState:
    """The state of a case its first message opens."""
    state = CaseState(
        kind=report.kind,
        coi=report.coi_references[0] if report.coi_references else None,
        queue=report.queue,
        why="",
        eta=report.eta,
        window_opens=report.window_opens,
        flags=tuple(report.flags),
        roles=_roles(report),
        missing=tuple(report.missing),
        extra_controls=bool(report.extra_controls),
        quarantined=Flag.QUARANTINE in report.flags,
    )
    return settle(state, today=today, calendar=calendar)


def merge(case: CaseState, report: MailReport, *, today: date, calendar: WorkCalendar) -> CaseState:
    """The state after ``report``'s message joins the case (unchanged for machine mail)."""
    if report.kind in _INERT_KINDS:
        return case
    kind = _stronger(case.kind, report.kind)
    eta = report.eta or case.eta
    flags = [f for f in case.flags if f not in _RECOMPUTED]
    flags += [f for f in report.flags if f not in _RECOMPUTED and f not in flags]
    merged = replace(
        case,
        kind=kind,
        coi=case.coi or (report.coi_references[0] if report.coi_references else None),
        eta=eta,
        window_opens=calendar.window_opens(eta) if eta else None,
        flags=tuple(flags),
        roles=case.roles | _roles(report),
        extra_controls=case.extra_controls or bool(report.extra_controls),
    )
    return settle(merged, today=today, calendar=calendar)


def settle(state: CaseState, *, today: date, calendar: WorkCalendar) -> CaseState:
    """Judge completeness and timing for today, then choose the queue (also as days pass)."""
    notification = state.kind is Kind.NOTIFICATION
    missing = tuple(r for r in REQUIRED_DOCUMENTS if r not in state.roles) if notification else ()
    flags = [f for f in state.flags if f not in _RECOMPUTED]
    if notification:
        if state.coi is None and Flag.COI_INVALID not in flags:
            flags.append(Flag.COI_MISSING)
        if state.eta is None:
            flags.append(Flag.ETA_UNKNOWN)
        elif state.eta < today:
            flags.append(Flag.LATE)
        elif today < calendar.window_opens(state.eta):
            flags.append(Flag.TOO_EARLY)
    queue, why = choose_queue(
        QueueFacts(
            kind=state.kind,
            quarantined=state.quarantined,
            has_coi=state.coi is not None,
            extra_controls=state.extra_controls,
            missing=missing,
            flags=flags,
        )
    )
    return replace(state, missing=missing, flags=tuple(flags), queue=queue, why=why)


def _roles(report: MailReport) -> frozenset[DocRole]:
    return frozenset(role for role, docs in report.documents.items() if docs)


def _stronger(current: Kind, incoming: Kind) -> Kind:
    """A case opened by a reply or stray mail becomes a notification when one arrives."""
    ranks = {kind: rank for rank, kind in enumerate(_CASE_KINDS_BY_STRENGTH)}
    if current not in ranks:
        return incoming if incoming in ranks else current
    if incoming in ranks and ranks[incoming] < ranks[current]:
        return incoming
    return current
