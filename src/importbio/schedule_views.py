"""The schedule as officers read it: what a pass did or would do, and the next runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from intake.calendar import BRUSSELS, WorkCalendar, local_date
from notify.reminders.passes import PassResult, Planned
from notify.reminders.scheduler import NextRun


def _line(item: Planned) -> str:
    case = f"case #{item.case_id}" if item.case_id is not None else "-"
    if item.skipped:
        return f"  {case:<12} not sent: {item.skipped}  ({item.key})"
    what = item.kind or "no mail"
    to = ", ".join(item.to) or "-"
    return f"  {case:<12} {what:<17} to {to}  [{item.subject}]  ({item.key})"


def render_result(result: PassResult) -> list[str]:
    """One pass: a heading line, then one line per effect."""
    verb = "would send" if result.dry_run else "queued"
    if not result.working_day:
        return [f"{result.job.value}: {result.day.isoformat()} is not a working day: nothing"]
    moved = f", {result.moved} cases moved off the early queue" if result.moved else ""
    head = (
        f"{result.job.value}: {result.day.isoformat()}: {verb} {result.mails} mails, "
        f"{len(result.planned)} effects{moved}"
    )
    return [head, *(_line(p) for p in result.planned)]


def render_results(results: Sequence[PassResult], *, calendar: WorkCalendar, now: datetime) -> str:
    """What ``importbio remind`` did (or would do)."""
    day = local_date(now)
    if not calendar.is_working_day(day):
        return (
            f"{day.isoformat()} is not a working day ({calendar.why_closed(day)}): nothing is due"
        )
    if not results:
        return f"nothing is due yet at {now.astimezone(BRUSSELS).strftime('%H:%M')} Brussels time"
    return "\n".join(line for r in results for line in render_result(r))


def render_schedule(runs: Sequence[NextRun], results: Sequence[PassResult]) -> str:
    """``importbio schedule``: each job's next run and what it would send."""
    if not runs:
        return "every scheduled job is off"
    lines: list[str] = []
    for run, result in zip(runs, results, strict=True):
        at = run.at.astimezone(BRUSSELS).strftime("%a %Y-%m-%d %H:%M")
        lines.append(f"{run.job.value:<18} next {at} Brussels")
        lines.extend("  " + line for line in render_result(result))
    return "\n".join(lines)
