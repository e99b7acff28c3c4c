"""Reminder benchmark: one pass of every scheduled job over 100,000 open cases.

A SQLite store (migrated, WAL, as the product runs it) is filled with N open cases in
bulk: notifications whose goods arrive from ten days ago to eighty days ahead (a third
missing the invoice; a tenth of those whose window opens today notified early), and 2 %
PRFC and account requests received this week, from 20,000 importers; each notified
within its window unless early. Then, as of 10:00 on Tuesday 22 April 2025, every job
runs once exactly as the worker runs it (``ReminderRunner.run``: queries, rules, composed
mails, events and outbox rows recorded). Printed: the time of each job and in all, the
mails queued, the process's peak memory, and the plan SQLite chose for each query (each
must use an index).

    python -m benchmarks reminders [--count 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import resource
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, create_engine, insert, text

from intake.calendar import BRUSSELS, WorkCalendar
from intake.case import tables as t
from intake.case.migrate import upgrade
from intake.case.store import CaseStore, connect
from intake.codes import CaseStatus, Kind, Queue
from notify.desk import Desk
from notify.reminders import queries, rules
from notify.reminders.config import JobName, ReminderConfig, parse_officer_groups
from notify.reminders.passes import ReminderRunner

NOW = datetime(2025, 4, 22, 10, 0, tzinfo=BRUSSELS)
GOAL_S = 10.0
DESK = Desk(
    address="importbio@landbouw.example.be",
    name="Departement Landbouw en Visserij - import bio",
    own_domains=frozenset({"landbouw.example.be"}),
)
GROUPS = parse_officer_groups(
    "documenten=review,extra_controls,incomplete,early,late,check:controle@landbouw.example.be;"
    "aanvragen=prfc,account:aanvragen@landbouw.example.be",
    desk_address=DESK.address,
)
_OPEN = [CaseStatus.NEW.value, CaseStatus.QUEUED.value, CaseStatus.UNDER_CHECK.value]


def _rows(count: int, calendar: WorkCalendar, rng: random.Random) -> list[dict[str, Any]]:
    today = NOW.date()
    rows = []
    for n in range(count):
        importer = f"import{n % 20_000}@handel{n % 20_000}.example.be"
        created = NOW - timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600))
        common = {
            "coi": f"COI.EC.2025.{n:07d}",
            "status": rng.choice(_OPEN),
            "priority": 0,
            "risk": 0,
            "subject": f"COI.EC.2025.{n:07d} bananen",
            "importer": importer,
            "reply_to": None,
            "flags": [],
            "roles": ["transport"],
            "why": "",
            "decision": None,
            "version": 1,
            "placed_version": 1,
            "created_at": created,
            "updated_at": created,
        }
        if n % 50 == 0:  # requests are answered within days: received this week
            common["created_at"] = NOW - timedelta(days=rng.randint(1, 6))
            kind = Kind.PRFC_REQUEST if n % 100 == 0 else Kind.ACCOUNT
            queue = Queue.PRFC if kind is Kind.PRFC_REQUEST else Queue.ACCOUNT
            rows.append(
                common
                | {"coi": None, "kind": kind.value, "queue": queue.value, "eta": None}
                | {"window_opens": None, "missing": []}
            )
            continue
        eta = today + timedelta(days=rng.randint(-10, 80))
        missing = ["invoice"] if rng.random() < 0.33 else []
        opens = calendar.window_opens(eta)
        queue = Queue.EARLY if opens > today else (Queue.INCOMPLETE if missing else Queue.CHECK)
        # notified within the window (early when the window is still to open, and a tenth of
        # those whose window opens today), so one day's pass sends what a day brings
        if opens <= today and not (opens == today and rng.random() < 0.1):
            span = max(0, (today - max(opens, today - timedelta(days=30))).days)
            common["created_at"] = NOW - timedelta(days=rng.randint(0, span), hours=1)
        else:
            common["created_at"] = NOW - timedelta(days=max(1, (opens - today).days + 3))
        rows.append(
            common
            | {"kind": Kind.NOTIFICATION.value, "queue": queue.value, "eta": eta}
            | {"window_opens": opens, "missing": missing}
        )
    return rows


def _plans(db: Path, calendar: WorkCalendar, config: ReminderConfig) -> list[tuple[str, str]]:
    """EXPLAIN QUERY PLAN of each query of the pass, with today's bounds bound in."""
    today = NOW.date()
    after, up_to = rules.missing_eta_range(today, calendar, config.missing_lead_working_days)
    first, last = rules.escalation_eta_range(today, calendar, config.escalation_lead_working_days)
    named: list[tuple[str, Select[Any]]] = [
        ("missing documents", queries.missing_documents(after, up_to)),
        ("window opened", queries.window_opened(today)),
        ("escalation (arriving)", queries.arriving(first, last)),
        (
            "unanswered requests",
            queries.unanswered_requests(
                rules.requests_created_before(today, config.requests_after_working_days)
            ),
        ),
        ("digest: queue counts", queries.queue_counts()),
        ("digest: overdue", queries.overdue(today)),
    ]
    engine = create_engine(f"sqlite:///{db}")
    plans = []
    with engine.connect() as conn:
        for name, query in named:
            sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            rows = conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
            plans.append((name, "; ".join(str(r[-1]) for r in rows)))
    engine.dispose()
    return plans


async def _run(db: Path, count: int, seed: int) -> None:
    url = f"sqlite+aiosqlite:///{db}"
    await asyncio.to_thread(upgrade, url)
    calendar = WorkCalendar()
    config = ReminderConfig(groups=GROUPS)
    started = time.perf_counter()
    rows = _rows(count, calendar, random.Random(seed))  # noqa: S311 - test data, not secrets
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(t.Case), rows[start : start + 10_000])
    engine.dispose()
    del rows
    print(f"store: {count} open cases written in {time.perf_counter() - started:.1f} s")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    store = CaseStore(connect(url), calendar=calendar)
    runner = ReminderRunner(store, config, DESK)
    total = 0.0
    mails = 0
    try:
        for job in JobName:
            began = time.perf_counter()
            result = await runner.run(job, now=NOW)
            took = time.perf_counter() - began
            total += took
            mails += result.mails
            print(
                f"  {job.value:<18} {took:6.2f} s  {result.mails:6d} mails  "
                f"{len(result.planned):6d} effects  {result.moved} moved"
            )
    finally:
        await store.close()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "met" if total < GOAL_S else "MISSED"
    print(f"one pass: {total:.2f} s, {mails} mails queued (goal < {GOAL_S:.0f} s: {verdict})")
    print(f"peak RSS: {rss_after:.0f} MiB (before the pass {rss_before:.0f} MiB)")
    print("query plans (EXPLAIN QUERY PLAN):")
    for name, plan in _plans(db, calendar, config):
        print(f"  {name:<22} {plan}")


def main(argv: list[str]) -> int:
    """Run the reminder benchmark."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks reminders")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print("reminder benchmark: python -m benchmarks reminders")
    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; as of {NOW.isoformat()} ({UTC.tzname(None)} "
        "offsets stored)"
    )
    with tempfile.TemporaryDirectory(prefix="importbio-reminders-") as folder:
        asyncio.run(_run(Path(folder) / "cases.db", args.count, args.seed))
    return 0
