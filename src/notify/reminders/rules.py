"""When a reminder, a window notice or an escalation is due: pure rules over a case and a day.

Every rule answers for one Brussels calendar day and is false on a day the desk does not
work, so nothing goes out on a weekend, a public holiday or a closing day. The day is also
part of each effect's key: a rule that holds on two runs of the same day names one effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from intake.calendar import WorkCalendar
from intake.codes import CaseStatus, DocRole, Flag, Kind, Queue

OPEN_STATUSES: tuple[CaseStatus, ...] = (
    CaseStatus.NEW,
    CaseStatus.QUEUED,
    CaseStatus.UNDER_CHECK,
    CaseStatus.WAITING,
)
REQUEST_KINDS: tuple[Kind, ...] = (Kind.PRFC_REQUEST, Kind.ACCOUNT)


@dataclass(frozen=True, slots=True)
class DueCase:
    """The facts of an open case the schedule looks at (``created_on`` in Brussels)."""

    case_id: int
    coi: str | None
    kind: Kind
    status: CaseStatus
    queue: Queue
    eta: date | None
    window_opens: date | None
    missing: tuple[DocRole, ...]
    flags: tuple[Flag, ...]
    decision: str | None
    importer: str | None
    reply_to: str | None
    subject: str
    created_on: date

    @property
    def is_open(self) -> bool:
        """True until the case is decided or closed."""
        return self.status in OPEN_STATUSES


def effect_key(kind: str, case_id: int, day: date) -> str:
    """The key of one effect of ``kind`` on a case for a day: at most one such effect."""
    return f"{kind}:{case_id}:{day.isoformat()}"


def missing_eta_range(today: date, calendar: WorkCalendar, lead: int) -> tuple[date, date]:
    """ETAs whose consignment a missing-documents reminder may be about today: (after, up to)."""
    return today, calendar.add_working_days(today, lead)


def missing_reminder_due(case: DueCase, today: date, calendar: WorkCalendar, lead: int) -> bool:
    """Remind the importer today: documents missing, and today is one of the ``lead``
    working days before the ETA (never on the ETA itself or after it)."""
    if not (calendar.is_working_day(today) and case.is_open and case.kind is Kind.NOTIFICATION):
        return False
    if not case.missing or case.eta is None or case.eta <= today:
        return False
    # working days in [today, eta): today itself plus those in (today, eta - 1 day]
    before_eta = 1 + calendar.working_days_between(today, case.eta - timedelta(days=1))
    return before_eta <= lead


def window_notice_day(case: DueCase, today: date, calendar: WorkCalendar) -> date | None:
    """The day the check window of an early notification opened, when the importer is to
    be told today that the check has started (from that day until the ETA), else None."""
    if not (calendar.is_working_day(today) and case.is_open and case.kind is Kind.NOTIFICATION):
        return None
    opens, eta = case.window_opens, case.eta
    if opens is None or eta is None or not opens <= today <= eta:
        return None
    # only a case notified before its window opened waited on the early queue
    return opens if case.created_on < opens else None


def escalation_eta_range(today: date, calendar: WorkCalendar, lead: int) -> tuple[date, date]:
    """ETAs close enough to escalate an undecided case today: (from, up to), both included."""
    return today, calendar.add_working_days(today, lead)


def escalation_due(case: DueCase, today: date, calendar: WorkCalendar, lead: int) -> bool:
    """Escalate today: the goods arrive within ``lead`` working days and no officer decided."""
    if not (calendar.is_working_day(today) and case.is_open and case.kind is Kind.NOTIFICATION):
        return False
    if case.decision is not None or case.eta is None:
        return False
    first, last = escalation_eta_range(today, calendar, lead)
    return first <= case.eta <= last


def request_escalation_day(
    case: DueCase, today: date, calendar: WorkCalendar, after: int
) -> date | None:
    """The day a PRFC or account request became unanswered for ``after`` working days, when
    it is to be escalated today (once: the key names that day), else None."""
    if not (calendar.is_working_day(today) and case.is_open and case.kind in REQUEST_KINDS):
        return None
    if case.decision is not None:
        return None
    due = calendar.add_working_days(case.created_on, after)
    return due if due <= today else None


def requests_created_before(today: date, after: int) -> date:
    """Requests created on or after this day cannot be ``after`` working days old today."""
    return today - timedelta(days=after - 1)
