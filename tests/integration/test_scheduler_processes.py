"""Two ``importbio scheduler`` processes against one Redis and one store: each mail once.

Both processes start together under a shifted clock (``faketime``, a real library
preloaded into the real console script) that reaches 10:00 on Tuesday 22 April 2025 (in
Brussels) half a minute later, so they are up by then even on a busy machine; every job is
set to 10:00. One takes the leadership lock and fires; the other
stands by. A real ``importbio worker --burst`` then runs the passes and delivers the mail
to the recording SMTP server.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import redis

from intake.case.migrate import upgrade
from intake.case.store import CaseStore, connect
from tests.integration.test_reminders import CALENDAR, Rig, at, notification
from tests.services.common import unavailable
from tests.services.redis import RedisServer
from tests.support.smtpd import RecordingSMTP

pytestmark = pytest.mark.integration

IMPORTBIO = Path(sys.executable).parent / "importbio"
# 08:00 UTC is 10:00 in Brussels (summer time)
FIRE_AT = datetime(2025, 4, 22, 8, 0, tzinfo=UTC)
STARTUP_MARGIN_S = 30
GROUPS = (
    "documenten=review,extra_controls,incomplete,early,late,check:controle@landbouw.example.be;"
    "aanvragen=prfc,account:aanvragen@landbouw.example.be"
)


def _env(db_url: str, redis_url: str, smtp_url: str, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPORTBIO_")}
    env.update(
        {
            "TZ": "UTC",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "IMPORTBIO_DATABASE_URL": db_url,
            "IMPORTBIO_REDIS_URL": redis_url,
            "IMPORTBIO_SMTP_URL": smtp_url,
            "IMPORTBIO_VAR_DIR": str(var),
            "IMPORTBIO_DESK_ADDRESS": "importbio@landbouw.example.be",
            "IMPORTBIO_OFFICER_GROUPS": GROUPS,
            "IMPORTBIO_LOG_FORMAT": "json",
            "IMPORTBIO_SCHEDULER_LOCK_TTL_S": "5",
        }
    )
    for job in ("WINDOW_OPEN", "ESCALATION", "REQUESTS", "DIGEST", "MISSING_DOCUMENTS"):
        env[f"IMPORTBIO_SCHEDULE_{job}"] = "10:00"
    return env


def _events(log: str) -> list[str]:
    found = []
    for line in log.splitlines():
        try:
            found.append(json.loads(line)["event"])
        except (ValueError, KeyError, TypeError):
            continue
    return found


async def _seed(url: str) -> None:
    store = CaseStore(connect(url), calendar=CALENDAR)
    try:
        desk = Rig(store)
        for n in (1, 2, 3):
            sent = at(date(2025, 4, 16), 9)
            await desk.receive(f"c{n}", notification(n, date(2025, 4, 23), sent), sent)
    finally:
        await store.close()


def test_two_schedulers_send_each_mail_once(
    tmp_path: Path, redis_server: RedisServer, smtp_server: RecordingSMTP
) -> None:
    """Two schedulers fire the same jobs at the same moment; every mail is sent once."""
    faketime = shutil.which("faketime")
    if faketime is None:
        unavailable("faketime is not installed (Debian package faketime)")
    url = f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}"
    upgrade(url)
    asyncio.run(_seed(url))
    env = _env(url, redis_server.url, smtp_server.url(), tmp_path / "var")
    offset_s = int(FIRE_AT.timestamp() - (time.time() + STARTUP_MARGIN_S))
    logs = [tmp_path / "scheduler-1.log", tmp_path / "scheduler-2.log"]
    handles = [path.open("wb") for path in logs]
    procs = [
        subprocess.Popen(
            [faketime, "-f", f"{offset_s:+d}", str(IMPORTBIO), "scheduler"],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        for handle in handles
    ]
    client = redis.Redis.from_url(redis_server.url)
    try:
        deadline = time.monotonic() + STARTUP_MARGIN_S + 20
        while time.monotonic() < deadline and client.zcard("arq:queue") < 5:
            time.sleep(0.2)
        time.sleep(1.5)  # the follower's timers fire too; give them time to (not) enqueue
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=20)
        for handle in handles:
            handle.close()
    assert client.zcard("arq:queue") == 5, "one pass per job, from one process"
    events = [_events(path.read_text()) for path in logs]
    assert sorted(e.count("scheduler leadership taken") for e in events) == [0, 1]
    assert sorted(e.count("scheduled job fired") for e in events) == [0, 5]
    assert sorted(e.count("scheduled job left to the leader") for e in events) == [0, 5]

    worker = subprocess.run(
        [str(IMPORTBIO), "worker", "--burst"], env=env, capture_output=True, timeout=120
    )
    assert worker.returncode == 0, worker.stderr.decode()[-2000:]
    received = [
        email.message_from_bytes(m.raw, policy=email.policy.default) for m in smtp_server.messages
    ]
    subjects = sorted(str(m["Subject"]).split(":")[0] for m in received)
    assert subjects == sorted(
        ["Escalatie / Escalation"] * 3
        + ["Herinnering / Reminder"] * 3
        + ["Overzicht / Digest documenten 2025-04-22", "Overzicht / Digest aanvragen 2025-04-22"]
    )
    assert len({m["Message-ID"] for m in received}) == 8
