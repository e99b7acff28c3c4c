"""One scheduled job run as of a moment: candidates, rules, mails, and the record (or not).

``ReminderRunner.run(job, now=…)`` is what the arq job, ``importbio remind`` and the tests
call. It reads the candidates of the job from the store, keeps the cases the rules say are
due on ``now``'s Brussels day, composes the mails and records every effect once. A dry run
does everything but the record and the window job's moving of cases: it changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

import structlog

from intake.calendar import BRUSSELS, WorkCalendar, local_date
from intake.case.store import CaseStore
from intake.codes import EventKind, Flag, Queue
from intake.metrics import REMINDERS_SENT
from intake.queue.checks import sweep
from notify.compose import OutgoingMail
from notify.desk import Desk
from notify.reminders import queries, rules
from notify.reminders.config import JobName, ReminderConfig
from notify.reminders.mails import (
    DigestFacts,
    compose_digest,
    compose_escalation,
    compose_missing_reminder,
    compose_window_open,
    importer_address,
)
from notify.reminders.record import Effect, record
from notify.reminders.rules import DueCase

log = structlog.get_logger(__name__)

_BATCH = 500


@dataclass(frozen=True, slots=True)
class Planned:
    """One effect of a pass: what mail (if any) goes to whom, under which key; or why not."""

    job: JobName
    key: str
    case_id: int | None
    kind: str | None
    to: tuple[str, ...]
    subject: str
    skipped: str = ""


@dataclass(frozen=True, slots=True)
class PassResult:
    """What one job did (or, in a dry run, would do) on one day."""

    job: JobName
    day: date
    working_day: bool
    planned: tuple[Planned, ...]
    outgoing: tuple[int, ...]
    moved: int
    dry_run: bool

    @property
    def mails(self) -> int:
        """How many mails the pass queued (or would queue)."""
        return sum(1 for p in self.planned if p.kind is not None and not p.skipped)


class ComposeForImporter(Protocol):
    """A composer of mail to an importer about one case."""

    def __call__(
        self, case: DueCase, desk: Desk, *, to: str, thread: Sequence[str], key: str
    ) -> OutgoingMail: ...


class ReminderRunner:
    """Runs the scheduled jobs against one store, for one desk and configuration."""

    def __init__(self, store: CaseStore, config: ReminderConfig, desk: Desk) -> None:
        self.store = store
        self.config = config
        self.desk = desk

    @property
    def calendar(self) -> WorkCalendar:
        """The desk's working days (the store's calendar)."""
        return self.store.calendar

    async def run_due(self, *, now: datetime, dry_run: bool = False) -> list[PassResult]:
        """Every enabled job whose time of day has come on ``now``'s day, in running order."""
        local = now.astimezone(BRUSSELS) if now.tzinfo else now
        results = []
        for job in self.config.enabled():
            at = self.config.times[job]
            if at is not None and at <= local.time().replace(tzinfo=None):
                results.append(await self.run(job, now=now, dry_run=dry_run))
        return results

    async def run(self, job: JobName, *, now: datetime, dry_run: bool = False) -> PassResult:
        """One job as of ``now``; nothing at all on a day the desk does not work."""
        today = local_date(now)
        if not self.calendar.is_working_day(today):
            return PassResult(job, today, False, (), (), 0, dry_run)
        moved = 0
        if job is JobName.WINDOW_OPEN and not dry_run:
            moved = len(await self.store.resettle_due(now=now))
            await sweep(self.store, now=now)
        effects, planned = await self._effects(job, today, now)
        done = await self._done([e.key for e in effects])
        fresh = [e for e in effects if e.key not in done]
        shown = tuple(p for p in planned if p.key not in done)
        outgoing: list[int] = []
        if not dry_run:
            for start in range(0, len(fresh), _BATCH):
                outgoing += await record(self.store, fresh[start : start + _BATCH], now=now)
            if outgoing:
                REMINDERS_SENT.labels(job.value).inc(len(outgoing))
        result = PassResult(job, today, True, shown, tuple(outgoing), moved, dry_run)
        log.info(
            "scheduled pass",
            job=job.value,
            day=today.isoformat(),
            dry_run=dry_run,
            effects=len(fresh),
            mails=result.mails,
            moved=moved,
        )
        return result

    async def _done(self, keys: Sequence[str]) -> set[str]:
        async with self.store.transaction() as session:
            return await queries.done_keys(session, keys)

    async def _effects(
        self, job: JobName, today: date, now: datetime
    ) -> tuple[list[Effect], list[Planned]]:
        if job is JobName.MISSING_DOCUMENTS:
            return await self._missing(today, now)
        if job is JobName.WINDOW_OPEN:
            return await self._window(today, now)
        if job is JobName.ESCALATION:
            return await self._escalation(today, now)
        if job is JobName.REQUESTS:
            return await self._requests(today, now)
        return await self._digest(today, now)

    # -- to the importer -------------------------------------------------------------

    async def _to_importers(
        self,
        job: JobName,
        due: list[tuple[DueCase, str]],
        now: datetime,
        compose: ComposeForImporter,
    ) -> tuple[list[Effect], list[Planned]]:
        """Effects for mails to importers: a valid person's address, the daily limit kept."""
        addresses = {case.case_id: importer_address(case, self.desk) for case, _ in due}
        async with self.store.transaction() as session:
            thread = await queries.threads(session, [c.case_id for c, _ in due])
            sent = await queries.mailed_today(
                session,
                [a for a in addresses.values() if a],
                since=queries.day_start(local_date(now)),
            )
            done = await queries.done_keys(session, [key for _, key in due])
        effects: list[Effect] = []
        planned: list[Planned] = []
        for case, key in due:
            to = addresses[case.case_id]
            if key in done:
                continue
            if to is None:
                planned.append(Planned(job, key, case.case_id, None, (), "", "no valid address"))
                continue
            if sent.get(to.lower(), 0) >= self.desk.max_auto_per_sender_per_day:
                planned.append(Planned(job, key, case.case_id, None, (to,), "", "daily limit"))
                continue
            sent[to.lower()] = sent.get(to.lower(), 0) + 1
            mail = compose(case, self.desk, to=to, thread=thread.get(case.case_id, []), key=key)
            effects.append(
                Effect(
                    key,
                    case.case_id,
                    EventKind.REMINDED,
                    {"mail": mail.kind.value, "to": to},
                    mail.planned(self.desk, key=key, now=now),
                )
            )
            planned.append(Planned(job, key, case.case_id, mail.kind.value, (to,), mail.subject))
        return effects, planned

    async def _missing(self, today: date, now: datetime) -> tuple[list[Effect], list[Planned]]:
        lead = self.config.missing_lead_working_days
        after, up_to = rules.missing_eta_range(today, self.calendar, lead)
        async with self.store.transaction() as session:
            found = await queries.cases(session, queries.missing_documents(after, up_to))
        due = [
            (case, rules.effect_key("reminder_missing", case.case_id, today))
            for case in found
            if rules.missing_reminder_due(case, today, self.calendar, lead)
        ]
        return await self._to_importers(
            JobName.MISSING_DOCUMENTS, due, now, compose_missing_reminder
        )

    async def _window(self, today: date, now: datetime) -> tuple[list[Effect], list[Planned]]:
        async with self.store.transaction() as session:
            found = await queries.cases(session, queries.window_opened(today))
        due = [
            (case, rules.effect_key("window_open", case.case_id, opened))
            for case in found
            if (opened := rules.window_notice_day(case, today, self.calendar)) is not None
        ]
        return await self._to_importers(JobName.WINDOW_OPEN, due, now, compose_window_open)

    # -- to the officers -------------------------------------------------------------

    def _escalate(
        self,
        job: JobName,
        case: DueCase,
        key: str,
        today: date,
        now: datetime,
        waiting: int | None,
    ) -> tuple[Effect, Planned]:
        groups = self.config.groups_for(case.queue)
        to = tuple(dict.fromkeys(a for g in groups for a in g.addresses))
        data: dict[str, object] = {
            "why": "request unanswered" if waiting is not None else "arrival without decision",
            "groups": [g.name for g in groups],
        }
        if not to:
            return (
                Effect(key, case.case_id, EventKind.ESCALATED, data, None, Flag.ESCALATED),
                Planned(job, key, case.case_id, None, (), "", "no officer group owns the queue"),
            )
        mail = compose_escalation(
            case,
            self.desk,
            to=to,
            groups=[g.name for g in groups],
            today=today,
            waiting_working_days=waiting,
            key=key,
        )
        return (
            Effect(
                key,
                case.case_id,
                EventKind.ESCALATED,
                data | {"to": list(to)},
                mail.planned(self.desk, key=key, now=now),
                Flag.ESCALATED,
            ),
            Planned(job, key, case.case_id, mail.kind.value, to, mail.subject),
        )

    async def _escalation(self, today: date, now: datetime) -> tuple[list[Effect], list[Planned]]:
        lead = self.config.escalation_lead_working_days
        first, last = rules.escalation_eta_range(today, self.calendar, lead)
        async with self.store.transaction() as session:
            found = await queries.cases(session, queries.arriving(first, last))
        pairs = [
            self._escalate(
                JobName.ESCALATION,
                case,
                rules.effect_key("escalation", case.case_id, today),
                today,
                now,
                None,
            )
            for case in found
            if rules.escalation_due(case, today, self.calendar, lead)
        ]
        return [e for e, _ in pairs], [p for _, p in pairs]

    async def _requests(self, today: date, now: datetime) -> tuple[list[Effect], list[Planned]]:
        after = self.config.requests_after_working_days
        before = rules.requests_created_before(today, after)
        async with self.store.transaction() as session:
            found = await queries.cases(session, queries.unanswered_requests(before))
        pairs = []
        for case in found:
            due = rules.request_escalation_day(case, today, self.calendar, after)
            if due is None:
                continue
            waiting = self.calendar.working_days_between(case.created_on, today)
            key = rules.effect_key("escalation", case.case_id, due)
            pairs.append(self._escalate(JobName.REQUESTS, case, key, today, now, waiting))
        return [e for e, _ in pairs], [p for _, p in pairs]

    async def _digest(self, today: date, now: datetime) -> tuple[list[Effect], list[Planned]]:
        if not self.config.groups:
            return [], []
        next_day = self.calendar.add_working_days(today, 1)
        async with self.store.transaction() as session:
            per_queue = await queries.counts(session)
            coming = await queries.cases(session, queries.arriving(today, next_day))
            late = await queries.cases(session, queries.overdue(today))
        effects: list[Effect] = []
        planned: list[Planned] = []
        for group in self.config.groups:
            owned = [q for q in Queue if q in group.queues]
            mine_coming = [c for c in coming if c.queue in group.queues]
            mine_late = [c for c in late if c.queue in group.queues]
            facts = DigestFacts(
                group=group.name,
                day=today,
                next_working_day=next_day,
                counts=tuple((q, per_queue[q]) for q in owned),
                arriving=tuple(mine_coming),
                arriving_total=len(mine_coming),
                overdue=tuple(mine_late),
                overdue_total=len(mine_late),
            )
            key = f"digest:{group.name}:{today.isoformat()}"
            mail = compose_digest(facts, self.desk, to=group.addresses, key=key)
            effects.append(Effect(key, None, None, {}, mail.planned(self.desk, key=key, now=now)))
            planned.append(
                Planned(JobName.DIGEST, key, None, mail.kind.value, mail.to, mail.subject)
            )
        return effects, planned
