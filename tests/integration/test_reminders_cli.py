"""``importbio remind`` and ``importbio schedule`` as an officer runs them (the console script)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from intake.case.migrate import upgrade
from intake.case.store import CaseStore, connect
from tests.integration.test_reminders import CALENDAR, Rig, at, notification

pytestmark = pytest.mark.integration

IMPORTBIO = Path(sys.executable).parent / "importbio"


async def _seed(url: str) -> None:
    store = CaseStore(connect(url), calendar=CALENDAR)
    try:
        sent = at(date(2025, 4, 16), 9)
        await Rig(store).receive("c1", notification(1, date(2025, 4, 23), sent), sent)
    finally:
        await store.close()


def _run(args: list[str], url: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPORTBIO_")}
    env |= {"IMPORTBIO_DATABASE_URL": url, "IMPORTBIO_LOG_LEVEL": "warning"} | settings
    return subprocess.run(
        [str(IMPORTBIO), *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_remind_dry_run_then_for_real_then_nothing_left(tmp_path: Path) -> None:
    """A dry run prints the reminder and stores nothing; the real run queues it; again: none."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}"
    upgrade(url)
    asyncio.run(_seed(url))
    args = ["remind", "--now", "2025-04-22T09:30", "--job", "missing_documents"]
    dry = _run([*args, "--dry-run"], url)
    assert dry.returncode == 0, dry.stderr
    assert "would send 1 mails" in dry.stdout
    assert "reminder_missing:1:2025-04-22" in dry.stdout
    assert "(the outbox is empty)" in _run(["outbox", "list"], url).stdout
    real = _run(args, url)
    assert "queued 1 mails" in real.stdout
    assert "reminder_missing" in _run(["outbox", "list"], url).stdout
    assert "queued 0 mails" in _run(args, url).stdout
    closed = _run(["remind", "--now", "2025-04-21T10:00"], url)
    assert "not a working day (Easter Monday (public holiday))" in closed.stdout


def test_schedule_lists_next_working_day_runs(tmp_path: Path) -> None:
    """From Friday evening before Easter the next runs are on Tuesday; an off job is absent."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}"
    upgrade(url)
    done = _run(["schedule", "--now", "2025-04-18T18:00"], url, IMPORTBIO_SCHEDULE_DIGEST="off")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if " next " in line]
    assert [line.split()[0] for line in lines] == [
        "window_open",
        "escalation",
        "requests",
        "missing_documents",
    ]
    assert all("Tue 2025-04-22" in line for line in lines)


def test_wrong_officer_groups_stop_at_start(tmp_path: Path) -> None:
    """A group naming an unknown queue stops the command with one line naming the setting."""
    done = _run(
        ["schedule"], f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        IMPORTBIO_OFFICER_GROUPS="docs=nope:controle@landbouw.example.be",
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "importbio: IMPORTBIO_OFFICER_GROUPS: Value error, group 'docs': 'nope' is not a queue"
    ]
