"""A simulated first quarter of 2023 at the desk, for the report pages' tests.

Notifications (complete, without invoice, too early, late) and other mails go through the
real triage and ``CaseStore.take`` at simulated moments; officers decide through
``CaseStore.decide``; reminders and bounces are added as the scheduler and the intake
record them (events). Points of release are confirmed through ``DeskActions``, one with
a hostile company name. The test's own expectations are computed from the reports and
moments kept in ``Simulated``, never from the store.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from desk.actions import DeskActions
from intake.calendar import BRUSSELS
from intake.case import tables as t
from intake.case.outcomes import TakeStatus
from intake.case.store import CaseStore, connect
from intake.codes import EventKind, Kind
from intake.report import MailReport, read_mail
from notify.codes import Decision
from tests.support.desk import CALENDAR, DESK, SAMPLES, Template, build_template, context
from tests.support.desk import notification as notification_mail

START = datetime(2023, 1, 2, 9, 0, tzinfo=BRUSSELS)
NOTIFICATIONS = 36
HOSTILE_COMPANY = "=HYPERLINK(\"http://x\")<script>alert('prfc')</script> BV"
OTHER_SAMPLES = (
    "26_outlook_nl_extra_controls_cn_code.eml",
    "27_outlook_nl_extra_controls_kurkuma.eml",
    "35_gmail_nl_account_question.eml",
    "45_gmail_nl_unrelated.eml",
    "34_outlook_nl_prfc_request.eml",
)


@dataclass
class Simulated:
    """What the simulation did, as the tests' independent record."""

    arrivals: list[tuple[datetime, MailReport]] = field(default_factory=list)
    decisions: list[tuple[datetime, str, float | None]] = field(default_factory=list)
    reminders: list[datetime] = field(default_factory=list)
    bounces: list[datetime] = field(default_factory=list)
    points: dict[str, int] = field(default_factory=dict)  # company → release_points id


@dataclass(frozen=True, slots=True)
class ReportsTemplate:
    """The desk template with a simulated quarter added, and its record."""

    template: Template
    simulated: Simulated


def moment(i: int) -> datetime:
    """When the simulation's ``i``-th notification arrives (every 2-3 days, varied hours)."""
    return START + timedelta(days=(i * 5) // 2, hours=i % 6)


async def simulate(store: CaseStore) -> Simulated:
    """Take, decide, remind and bounce a quarter's worth of mail."""
    done = Simulated()
    for i in range(NOTIFICATIONS):
        now = moment(i)
        eta = {0: now + timedelta(days=3), 1: now + timedelta(days=3)}.get(i % 4)
        if eta is None:
            eta = now + timedelta(days=16) if i % 4 == 2 else now - timedelta(days=2)
        raw = notification_mail(
            f"COI.EC.2023.{7000000 + i:07d}", eta=eta, number=900 + i, invoice=i % 4 != 1
        )
        report = read_mail(raw, source=f"sim:{i}", context=context(now))
        outcome = await store.take(raw, report, source_ref=f"sim:{i}", now=now)
        assert outcome.case_id is not None
        done.arrivals.append((now, report))
        if i % 3 == 2:
            continue  # still undecided
        decision = (Decision.RELEASE_ORGANIC, Decision.REJECTED, Decision.DOCUMENTS_REQUESTED)[
            i % 3 if i % 5 else 2
        ]
        decided_at = now + timedelta(hours=5 + (i * 37) % 120)
        await store.decide(
            outcome.case_id,
            decision.value,
            final=decision.is_final,
            by="anna",
            note=None,
            documents_requested=("invoice",) if not decision.is_final else (),
            now=decided_at,
            mailer=None,
        )
        # real elapsed time: aware datetimes of one zone subtract by the wall clock (DST)
        elapsed = decided_at.astimezone(UTC) - now.astimezone(UTC)
        hours = elapsed.total_seconds() / 3600 if decision.is_final else None
        done.decisions.append((decided_at, decision.value, hours))
    for n, name in enumerate(OTHER_SAMPLES):
        now = START + timedelta(days=20 * n + 3, hours=2)
        # a Message-ID of its own: the template already took sample 34 as it is
        sample = (SAMPLES / name).read_bytes()
        raw = re.sub(rb"(?im)^(message-id:\s*<)", rb"\1sim-", sample, count=1)
        report = read_mail(raw, source=f"sim:{name}", context=context(now))
        outcome = await store.take(raw, report, source_ref=f"sim:{name}", now=now)
        assert outcome.status is TakeStatus.NEW_CASE, (name, outcome)
        done.arrivals.append((now, report))
    await _remind_and_bounce(store, done)
    await _confirm_points(store, done)
    return done


async def _remind_and_bounce(store: CaseStore, done: Simulated) -> None:
    async with store.transaction() as session:
        cases = (await session.scalars(select(t.Case.id).where(t.Case.coi.like("%.700%")))).all()
        for n, case_id in enumerate(sorted(cases)[:14]):
            at = moment(n * 2) + timedelta(days=1)
            kind = EventKind.REMINDED if n % 3 else EventKind.BOUNCED
            session.add(
                t.Event(case_id=case_id, kind=kind.value, at=at, dedupe_key=f"sim:{kind}:{case_id}")
            )
            (done.reminders if n % 3 else done.bounces).append(at)


async def _confirm_points(store: CaseStore, done: Simulated) -> None:
    actions = DeskActions(store, desk=DESK, calendar=CALENDAR)
    async with store.transaction() as session:
        requests = (
            await session.scalars(
                select(t.Case.id).where(t.Case.kind == Kind.PRFC_REQUEST.value).order_by(t.Case.id)
            )
        ).all()
    companies = (
        ("Fruitimport Antwerpen NV", "Haven 1234\n2030 Antwerpen", datetime(2023, 1, 20, 10)),
        (HOSTILE_COMPANY, "Kaai <b>7</b>\n9000 Gent", datetime(2023, 2, 14, 11)),
    )
    for case_id, (company, address, at) in zip(requests, companies, strict=False):
        await actions.answer_prfc(
            case_id,
            confirmed=True,
            company=company,
            address=address,
            note=None,
            by="anna",
            now=at.replace(tzinfo=BRUSSELS),
        )
    async with store.transaction() as session:
        rows = (await session.scalars(select(t.ReleasePoint))).all()
        done.points = {row.company: row.id for row in rows}


async def build_reports_template(path: Path) -> ReportsTemplate:
    """The desk template at ``path`` with the simulated quarter added."""
    template = await build_template(path)
    store = CaseStore(connect(f"sqlite+aiosqlite:///{path}"), calendar=CALENDAR)
    try:
        simulated = await simulate(store)
    finally:
        await store.close()
    return ReportsTemplate(template, simulated)


def build_in_thread(path: Path) -> ReportsTemplate:
    """``build_reports_template`` in a thread of its own (the caller may run a loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, build_reports_template(path)).result()
