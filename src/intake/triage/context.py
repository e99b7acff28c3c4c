"""What triage needs besides the message: the time, the calendar and the yearly rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from intake.auth.verdict import SenderVerdict
from intake.calendar import WorkCalendar
from intake.parse.limits import DEFAULT_LIMITS, ParseLimits
from intake.triage.rules.extra_controls import TableSet


@dataclass(frozen=True, slots=True)
class TriageContext:
    """The values triage depends on, given from outside so triage itself stays pure.

    ``now`` enables the timing rules (too early, late); without it only the ETA is read.
    ``reference_day`` anchors dates written without a year and the COI year check.
    ``sender`` is the verdict on the sender's authentication, established by the intake
    before triage (it needs DNS); None when it was not checked.
    """

    reference_day: date
    calendar: WorkCalendar
    tables: TableSet
    now: datetime | None = None
    limits: ParseLimits = DEFAULT_LIMITS
    sender: SenderVerdict | None = None
