"""The intake worker as an operator runs it: the ``importbio`` console script in subprocesses,
configured by ``IMPORTBIO_*`` variables, against a real Dovecot, a real Redis and a real store
(SQLite in a temp folder, once PostgreSQL).

Covers the happy path (mailbox to officer queues, then the same mail again), watching with
IDLE and stopping on SIGTERM, the crash drill (SIGKILL at random moments, then exactly-once
in the mailbox and in the store), Redis restarted or emptied under queued jobs, quarantine
and replay, and settings that must stop a command with one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import hashlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis
from benchmarks.corpus import message as corpus_message

from intake.codes import Queue
from tests.services.dovecot import Dovecot
from tests.services.redis import RedisServer

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
IMPORTBIO = Path(sys.executable).parent / "importbio"
USER = "intake"
LOGIN = "intake@example.test"
PASSWORD = "s3cret-Imap-Pw"  # distinctive, so a leak into any output is easy to spot
NO_DOCUMENTS_KINDS = frozenset({"auto_reply", "bounce"})
REQUIRED_ROLES = frozenset({"transport", "invoice"})


# -- the mail --------------------------------------------------------------------------------


def crlf(raw: bytes) -> bytes:
    """The message with every line ending CRLF, as an IMAP server stores it."""
    return re.sub(rb"\r?\n", b"\r\n", raw)


def sample_messages() -> list[bytes]:
    """The 48 sample mails in file order, CRLF line endings."""
    raws = [crlf(path.read_bytes()) for path in sorted(SAMPLES.glob("*.eml"))]
    assert len(raws) == 48
    return raws


def reply_to(original: bytes, number: int) -> bytes:
    """A short reply to ``original`` (same COI in the subject, threaded by In-Reply-To),
    bringing a corrected invoice."""
    parent = email.message_from_bytes(original)
    msg = EmailMessage()
    msg["From"] = str(parent["From"])
    msg["To"] = "importbio@example.org"
    msg["Subject"] = f"RE: {parent['Subject']}"
    msg["Date"] = format_datetime(datetime(2023, 5, 4, 9, number % 60, tzinfo=UTC))
    msg["Message-ID"] = f"<reply-{number}@mail.example.be>"
    msg["In-Reply-To"] = str(parent["Message-ID"])
    msg["References"] = str(parent["Message-ID"])
    msg.set_content("Hello,\n\nPlease find the corrected invoice attached.\n\nKind regards\n")
    msg.add_attachment(
        b"%PDF-1.4\n% corrected invoice " + str(number).encode() + b"\n%%EOF\n",
        maintype="application",
        subtype="pdf",
        filename=f"Invoice corrected {number}.pdf",
    )
    return msg.as_bytes(policy=SMTP)


def notifications(first: int, count: int) -> list[bytes]:
    """``count`` distinct ~20 KB notifications numbered from ``first``; every tenth message
    is instead a reply to the notification nine places before it."""
    raws: list[bytes] = []
    for offset in range(count):
        number = first + offset
        if offset % 10 == 9:
            raws.append(reply_to(raws[offset - 9], number))
        else:
            raws.append(corpus_message(number, size_bytes=20_000))
    return raws


def message_id(raw: bytes) -> str:
    """The Message-ID header of a message."""
    found = email.message_from_bytes(raw)["Message-ID"]
    assert found, "a test message without a Message-ID"
    return str(found).strip()


def subject_coi(raw: bytes) -> str:
    """The COI reference in a generated message's subject."""
    found = re.search(r"COI\.[A-Z]{2}\.\d{4}\.\d{7}", str(email.message_from_bytes(raw)["Subject"]))
    assert found
    return found.group(0)


def deeply_nested(depth: int) -> bytes:
    """A hostile message: ``depth`` multiparts, each inside the one before."""
    head = (
        "From: Mallory <mallory@evil.example>\r\nTo: importbio@example.org\r\n"
        "Subject: COI.CN.2023.0999999 documents\r\nMessage-ID: <nested@evil.example>\r\n"
        "MIME-Version: 1.0\r\n"
    )
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n--b{n}\r\n' for n in range(depth)
    )
    closing = "".join(f"--b{n}--\r\n" for n in reversed(range(depth)))
    return (head + opening + "Content-Type: text/plain\r\n\r\nhello\r\n" + closing).encode()


# -- what the samples should give ----------------------------------------------------------------


def expected_counts(today: date) -> Counter[str]:
    """The open cases per queue the 48 samples should give when taken in today, from their
    expected.json files (written for 2023, when each one was fresh).

    A mail whose first COI reference an earlier case holds joins that case (37, the reply
    bringing 05's invoice; the out-of-office replies 38, 40, 41, which change nothing);
    every other mail opens its own. A notification's case is then judged for today: every
    ETA of 2023 has passed, so what was ``check`` or ``early`` is now ``late``.
    """
    cases: dict[str, tuple[dict[str, Any], set[str]]] = {}
    for path in sorted(SAMPLES.glob("*.expected.json")):
        expected = json.loads(path.read_text())
        roles = {role for role, names in expected["documents"].items() if names}
        coi = expected["coi_references"][0] if expected["coi_references"] else None
        if coi is not None and coi in cases:
            if expected["kind"] not in NO_DOCUMENTS_KINDS:
                cases[coi][1].update(roles)
            continue
        cases[coi or path.name] = (expected, roles)
    counts: Counter[str] = Counter()
    for expected, roles in cases.values():
        counts[_queue_today(expected, roles, today).value] += 1
    return counts


def _queue_today(expected: dict[str, Any], roles: set[str], today: date) -> Queue:
    if expected["kind"] != "notification":
        return Queue(expected["queue"])
    flags = set(expected["flags"])
    eta = date.fromisoformat(expected["eta"]) if expected["eta"] else None
    assert eta is None or eta < today, "the samples' ETAs are expected to have passed"
    candidates = [Queue.CHECK]
    if not expected["coi_references"]:
        candidates.append(Queue.REVIEW)
    if "extra_controls" in flags:
        candidates.append(Queue.EXTRA_CONTROLS)
    if REQUIRED_ROLES - roles and "documents_in_traces" not in flags:
        candidates.append(Queue.INCOMPLETE)
    if eta is not None:
        candidates.append(Queue.LATE)
    return min(candidates, key=lambda queue: queue.rank)


# -- running the command ---------------------------------------------------------------------


@dataclass
class Desk:
    """One installation: its mailbox, its Redis and its store, and the command to run."""

    dovecot: Dovecot
    redis_server: RedisServer
    store_url: str
    var_dir: Path
    logs: list[str] = field(default_factory=list)

    @property
    def imap_url(self) -> str:
        """The mailbox URL the operator sets."""
        return f"imap://intake%40example.test:{PASSWORD}@127.0.0.1:{self.dovecot.imap_port}/INBOX"

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of a command: the caller's, with only this desk's settings."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("IMPORTBIO_")}
        return {
            **base,
            "IMPORTBIO_IMAP_URL": self.imap_url,
            "IMPORTBIO_REDIS_URL": self.redis_server.url,
            "IMPORTBIO_DATABASE_URL": self.store_url,
            "IMPORTBIO_VAR_DIR": str(self.var_dir),
            "IMPORTBIO_LOG_FORMAT": "json",
            **(extra or {}),
        }

    def run(
        self, *args: str, env: Mapping[str, str] | None = None, timeout_s: float = 90.0
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``importbio ARGS`` to the end."""
        done = subprocess.run(
            [str(IMPORTBIO), *args],
            env=self.env(env),
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
        self.logs.append((done.stdout + done.stderr).decode(errors="replace"))
        return done

    def ok(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run ``importbio ARGS``, insist on exit 0 and no traceback, return its stdout."""
        done = self.run(*args, env=env)
        stderr = done.stderr.decode(errors="replace")
        assert done.returncode == 0, f"importbio {' '.join(args)}: {done.returncode}\n{stderr}"
        assert "Traceback" not in stderr, stderr
        return done.stdout.decode()

    def spawn(self, *args: str, log: Path, env: Mapping[str, str] | None = None) -> Process:
        """Start ``importbio ARGS`` in its own process group, stderr into ``log``."""
        with log.open("wb") as stderr:
            popen = subprocess.Popen(
                [str(IMPORTBIO), *args],
                env=self.env(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        return Process(popen, log)

    # -- what the operator looks at ----------------------------------------------------------

    def queue_counts(self) -> dict[str, int]:
        """``importbio queue --json``'s counts."""
        counts: dict[str, int] = json.loads(self.ok("queue", "--json"))["counts"]
        return counts

    def case(self, key: str) -> dict[str, Any]:
        """``importbio case KEY --json``."""
        detail: dict[str, Any] = json.loads(self.ok("case", key, "--json"))
        return detail

    # -- the mailbox ----------------------------------------------------------------------

    def append(self, raws: list[bytes], folder: str = "INBOX") -> None:
        """Append messages to a folder over one IMAP connection, in order."""
        client = self.dovecot.imap(USER)
        try:
            for raw in raws:
                status, data = client.append(folder, "", None, raw)
                assert status == "OK", data
        finally:
            client.logout()

    def folder(self, name: str) -> list[bytes]:
        """The messages of a folder in UID order (an absent folder is empty)."""
        if name not in self.dovecot.folders(USER):
            return []
        return self.dovecot.folder_messages(USER, name)

    def inbox_count(self) -> int:
        """How many messages wait in the inbox."""
        return len(self.dovecot.folder_uids(USER, "INBOX"))

    # -- the store and the queue, looked at directly ---------------------------------------

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        """Rows of a read-only query on the store, SQLite or PostgreSQL."""
        if self.store_url.startswith("postgresql"):
            return asyncio.run(_pg_rows(self.store_url, query))
        path = self.store_url.split("///", 1)[1]
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return db.execute(query).fetchall()

    def unplaced(self) -> int:
        """Cases whose latest version is not on its queue yet."""
        return int(self.sql("SELECT count(*) FROM cases WHERE placed_version < version")[0][0])

    def queued_jobs(self) -> int:
        """Documentary-check jobs waiting in arq's queue (other jobs, mail out, are not
        counted)."""
        client = redis.Redis.from_url(self.redis_server.url)
        try:
            return sum(job.startswith(b"check:") for job in client.zrange("arq:queue", 0, -1))
        finally:
            client.close()


async def _pg_rows(url: str, query: str) -> list[tuple[Any, ...]]:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return [tuple(row) for row in await connection.fetch(query)]
    finally:
        await connection.close()


@dataclass
class Process:
    """A background ``importbio`` and the file its log goes to."""

    popen: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        """What it logged so far."""
        return self.log.read_text(errors="replace")

    def wait_for_log(self, needle: str, *, count: int = 1, timeout_s: float = 30.0) -> None:
        """Wait until ``needle`` appears ``count`` times in its log."""
        deadline = time.monotonic() + timeout_s
        while self.log_text().count(needle) < count:
            assert self.popen.poll() is None, f"exited {self.popen.returncode}:\n{self.log_text()}"
            assert time.monotonic() < deadline, f"no {needle!r} in time:\n{self.log_text()[-3000:]}"
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL the whole process group (the command and its parsing workers)."""
        with contextlib.suppress(ProcessLookupError):  # it may have finished already
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10.0)

    def terminate(self, *, timeout_s: float) -> int:
        """SIGTERM the command itself and wait for it to end; its exit code."""
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise


def assert_no_traceback(text: str) -> None:
    """Fail with the traceback's surroundings when the text holds one."""
    at = text.find("Traceback")
    assert at < 0, text[max(0, at - 2000) : at + 3000]


def log_events(text: str, event: str) -> list[dict[str, Any]]:
    """The JSON log lines of one event."""
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("event") == event:
                found.append(entry)
    return found


def drained(stderr: str) -> dict[str, Any]:
    """The outcome counts of an ``intake --burst`` run, from its last log line."""
    events = log_events(stderr, "intake drained")
    assert len(events) == 1, stderr[-3000:]
    return {k: v for k, v in events[0].items() if k not in {"event", "level", "timestamp"}}


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite store file in the test's folder."""
    return f"sqlite:///{tmp_path / 'store.db'}"


def make_desk(
    dovecot: Dovecot, redis_server: RedisServer, url: str, tmp_path: Path, *, template: Path | None
) -> Desk:
    """A desk whose mailbox user exists and whose store is migrated (by ``importbio migrate``,
    or, to save a start-up, as a copy of a store it migrated before)."""
    assert IMPORTBIO.is_file(), f"the console script is not installed at {IMPORTBIO}"
    dovecot.add_user(USER, PASSWORD)
    desk = Desk(dovecot, redis_server, url, tmp_path / "var")
    if template is None:
        desk.ok("migrate")
    else:
        target = url.split("///", 1)[1]
        with (
            contextlib.closing(sqlite3.connect(template)) as source,
            contextlib.closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
    return desk


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store ``importbio migrate`` made once for the session's tests to copy."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPORTBIO_")}
    done = subprocess.run(
        [str(IMPORTBIO), "migrate"],
        env={**env, "IMPORTBIO_DATABASE_URL": f"sqlite:///{path}"},
        capture_output=True,
        timeout=60.0,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return path


@pytest.fixture
def desk(
    dovecot: Dovecot,
    redis_server: RedisServer,
    sqlite_url: str,
    tmp_path: Path,
    migrated_template: Path,
) -> Iterator[Desk]:
    """A desk on SQLite; the password must never show up in what the commands printed."""
    made = make_desk(dovecot, redis_server, sqlite_url, tmp_path, template=migrated_template)
    yield made
    assert not any(PASSWORD in text for text in made.logs)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store_desk(
    request: pytest.FixtureRequest,
    dovecot: Dovecot,
    redis_server: RedisServer,
    sqlite_url: str,
    tmp_path: Path,
) -> Iterator[Desk]:
    """A desk on SQLite, then on PostgreSQL, each migrated by ``importbio migrate``."""
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    made = make_desk(dovecot, redis_server, url, tmp_path, template=None)
    yield made
    assert not any(PASSWORD in text for text in made.logs)


# -- 1 and 7: the happy path -------------------------------------------------------------------


@pytest.mark.timeout(240)
def test_happy_path_mailbox_to_queues_then_duplicates(any_store_desk: Desk) -> None:
    """The 48 samples go from INBOX to Processed byte for byte, become cases on the queues
    their expected files give for today, every case placed, and the same 48 again change
    nothing but still leave the inbox."""
    desk = any_store_desk
    raws = sample_messages()
    desk.append(raws)

    taken = drained(desk.run("intake", "--burst").stderr.decode())
    assert taken == {"new_case": 44, "attached": 4, "failures": 0}
    assert desk.inbox_count() == 0
    assert desk.folder("Processed") == raws
    assert desk.queued_jobs() > 0
    work = desk.run("worker", "--burst")
    assert work.returncode == 0, work.stderr.decode()
    assert desk.queued_jobs() == 0

    with ThreadPoolExecutor(3) as pool:  # what an officer would look at, all at once
        counts_run = pool.submit(desk.queue_counts)
        late_run = pool.submit(desk.ok, "queue", "late", "--json", "--limit", "1000")
        joined_run = pool.submit(desk.case, "coi ec 2023 0031337")  # sample 05 and its reply 37
    counts = counts_run.result()
    assert {name: n for name, n in counts.items() if n} == dict(
        expected_counts(datetime.now(UTC).date())
    )
    assert sum(counts.values()) == 44
    assert desk.unplaced() == 0
    assert desk.sql("SELECT count(*) FROM events WHERE kind = 'queued'") == [(44,)]
    late = json.loads(late_run.result())["cases"]
    assert len(late) == counts["late"]
    assert all(case["placed"] for case in late)

    joined = joined_run.result()
    assert joined["queue"] == "late"
    assert joined["placed"] is True
    assert joined["missing"] == []
    intake_kinds = {"received", "reply_attached", "queued"}  # mail out adds its own events
    assert [e["kind"] for e in joined["timeline"] if e["kind"] in intake_kinds] == [
        "received",
        "reply_attached",
        "reply_attached",
        "queued",
    ]
    assert [m["kind"] for m in joined["messages"]] == ["notification", "reply", "auto_reply"]
    assert {d["role"] for d in joined["documents"]} == {"transport", "invoice"}

    desk.append(raws)
    again = drained(desk.run("intake", "--burst").stderr.decode())
    assert again == {"duplicate": 48, "failures": 0}
    assert desk.inbox_count() == 0
    assert desk.folder("Processed") == raws + raws
    assert desk.queued_jobs() == 0
    assert desk.sql("SELECT count(*) FROM messages") == [(48,)]
    assert desk.sql("SELECT queue, count(*) FROM cases GROUP BY queue ORDER BY queue") == sorted(
        (name, n) for name, n in counts.items() if n
    )


# -- 2: watching -----------------------------------------------------------------------------


def test_watching_takes_an_lmtp_delivery_and_stops_on_sigterm(desk: Desk, tmp_path: Path) -> None:
    """``importbio intake`` without --burst takes a message delivered over LMTP within a few
    seconds (IDLE), and SIGTERM ends it with exit code 0 and no traceback."""
    watcher = desk.spawn("intake", log=tmp_path / "intake.log")
    try:
        watcher.wait_for_log('"imap.connected"')
        time.sleep(0.5)  # in IDLE by now
        delivered = time.monotonic()
        desk.dovecot.deliver(USER, crlf((SAMPLES / "02_gmail_en_complete.eml").read_bytes()))
        watcher.wait_for_log('"imap.moved"', timeout_s=10.0)
        took_s = time.monotonic() - delivered
        stopped = time.monotonic()
        code = watcher.terminate(timeout_s=10.0)
    finally:
        if watcher.popen.poll() is None:
            watcher.kill()
    assert took_s < 5.0
    assert code == 0
    assert time.monotonic() - stopped < 5.0
    log = watcher.log_text()
    assert_no_traceback(log)
    assert "importbio: stopped" in log
    assert PASSWORD not in log
    case = desk.case("COI.PE.2023.0045678")
    assert [event["kind"] for event in case["timeline"]][:1] == ["received"]
    assert desk.inbox_count() == 0
    assert len(desk.folder("Processed")) == 1


# -- 3: the crash drill -------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_crash_drill_sigkill_intake_and_worker(desk: Desk, tmp_path: Path) -> None:
    """SIGKILLed at random moments, the intake still takes each of 300 messages exactly once
    (once in Processed, once in the store, in exactly one event), and a worker killed
    mid-run places every case once restarted."""
    raws = notifications(0, 300)
    cois = {subject_coi(raw) for raw in raws if b"\nIn-Reply-To:" not in raw}
    assert len(cois) == 270, "the generated notifications must have distinct references"
    assert len({message_id(raw) for raw in raws}) == 300
    desk.append(raws)

    small_batches = {"IMPORTBIO_BATCH_SIZE": "20", "IMPORTBIO_PARSE_WORKERS": "1"}
    rng = random.Random(20231)
    progress: list[int] = []
    for attempt in range(5):
        if desk.inbox_count() == 0:
            break  # a fast machine drained it between kills
        run = desk.spawn(
            "intake", "--burst", log=tmp_path / f"kill{attempt}.log", env=small_batches
        )
        if attempt % 2 == 0:
            # Past the first batch, so this kill lands among later messages however fast or
            # slow the machine is (or the run ends by itself with nothing left to take).
            wanted = rng.randint(21, 60)
            deadline = time.monotonic() + 90.0
            while run.log_text().count('"message taken"') < wanted and run.popen.poll() is None:
                assert time.monotonic() < deadline, run.log_text()[-3000:]
                time.sleep(0.02)
        else:
            # Start-up takes about two seconds here; count the moment from the first login,
            # so the kill can land anywhere from before the first take to mid-batch.
            run.wait_for_log('"imap.connected"')
            time.sleep(rng.uniform(0.3, 3.0))
        run.kill()
        progress.append(desk.inbox_count())
    assert any(0 < waiting < 300 for waiting in progress), progress

    final = drained(desk.run("intake", "--burst", env=small_batches).stderr.decode())
    assert final["failures"] == 0
    assert desk.inbox_count() == 0
    processed = desk.folder("Processed")
    assert len(processed) == 300
    assert {message_id(raw) for raw in processed} == {message_id(raw) for raw in raws}

    hashes = {hashlib.sha256(raw).hexdigest() for raw in raws}
    assert desk.sql("SELECT count(*), count(DISTINCT sha256) FROM messages") == [(300, 300)]
    assert {row[0] for row in desk.sql("SELECT sha256 FROM messages")} == hashes
    assert desk.sql(
        "SELECT count(*), count(DISTINCT message_pk) FROM events"
        " WHERE kind IN ('received', 'reply_attached') AND message_pk IS NOT NULL"
    ) == [(300, 300)]
    assert desk.sql(
        "SELECT count(*) FROM events WHERE kind IN ('received', 'reply_attached')"
        " AND message_pk IS NULL"
    ) == [(0,)]
    assert desk.sql(
        "SELECT count(*) FROM messages m WHERE (SELECT count(*) FROM events e"
        " WHERE e.message_pk = m.id) != 1"
    ) == [(0,)]
    assert (
        desk.sql(
            "SELECT case_id FROM events WHERE kind = 'received'"
            " GROUP BY case_id HAVING count(*) > 1"
        )
        == []
    )
    assert desk.sql("SELECT count(*) FROM cases") == [(270,)]
    assert desk.sql("SELECT count(*) FROM events WHERE kind = 'reply_attached'") == [(30,)]

    # The worker, killed while placing, then restarted (as a service, not in burst mode).
    unplaced_before = desk.unplaced()
    assert unplaced_before == 270
    worker = desk.spawn("worker", "--burst", log=tmp_path / "worker-killed.log")
    worker.wait_for_log('"check placed"', count=20)
    worker.kill()
    assert 0 < desk.unplaced() < unplaced_before
    restarted = desk.spawn("worker", log=tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 30.0
        while desk.unplaced() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert desk.unplaced() == 0
        assert restarted.terminate(timeout_s=10.0) == 0
    finally:
        if restarted.popen.poll() is None:
            restarted.kill()
    assert_no_traceback(restarted.log_text())
    assert desk.sql(
        "SELECT count(*) FROM cases c WHERE (SELECT count(*) FROM events e"
        " WHERE e.case_id = c.id AND e.kind = 'queued') != 1"
    ) == [(0,)]


# -- 4: Redis restarted, then lost ------------------------------------------------------------


@pytest.mark.timeout(240)
def test_redis_restart_keeps_jobs_and_flushall_is_swept(desk: Desk) -> None:
    """Check jobs queued before a Redis restart (AOF on) are all still there and placed;
    after FLUSHALL the worker's sweep places from the store what Redis forgot."""
    desk.append(notifications(1000, 300))
    assert drained(desk.run("intake", "--burst").stderr.decode())["new_case"] == 270
    assert desk.unplaced() == 270
    assert desk.queued_jobs() == 270

    desk.redis_server.restart()
    assert desk.queued_jobs() == 270  # no job lost
    desk.ok("worker", "--burst")
    assert desk.unplaced() == 0
    assert desk.queued_jobs() == 0

    desk.append(notifications(2000, 40))
    assert drained(desk.run("intake", "--burst").stderr.decode())["new_case"] == 36
    assert desk.queued_jobs() == 36
    client = redis.Redis.from_url(desk.redis_server.url)
    try:
        client.flushall()
    finally:
        client.close()
    assert desk.queued_jobs() == 0
    desk.ok("worker", "--burst")
    assert desk.unplaced() == 0
    assert desk.sql("SELECT count(*) FROM cases WHERE placed_version = version") == [(306,)]


# -- 5: quarantine -------------------------------------------------------------------------------


def test_quarantine_list_show_and_replay(desk: Desk) -> None:
    """Messages over a tiny CPU budget go to the Quarantine folder and the store with their
    reason and exact bytes; replayed with the default budget a big notification becomes a
    case, and one 2,000 multiparts deep stays held with its new reason."""
    big = corpus_message(4242, size_bytes=400_000)
    nested = deeply_nested(2000)
    desk.append([big, nested])

    taken = drained(
        desk.run("intake", "--burst", env={"IMPORTBIO_CPU_BUDGET_S": "0.001"}).stderr.decode()
    )
    assert taken == {"quarantined": 2, "failures": 0}
    assert desk.inbox_count() == 0
    assert desk.folder("Quarantine") == [big, nested]
    assert desk.folder("Processed") == []

    listed = desk.ok("quarantine", "list")
    entries = [int(number) for number in re.findall(r"^#(\d+)\s", listed, re.M)]
    assert len(entries) == 2, listed
    assert listed.count("CPU budget of 0.001 s exceeded") == 2
    with ThreadPoolExecutor(2) as pool:
        raws = pool.map(lambda n: desk.run("quarantine", "show", str(n), "--raw").stdout, entries)
        raw_of = dict(zip(entries, raws, strict=True))
    assert sorted(raw_of.values()) == sorted([big, nested])  # the exact bytes
    (big_entry,) = [n for n, raw in raw_of.items() if raw == big]
    (nested_entry,) = [n for n, raw in raw_of.items() if raw == nested]
    ((reason,),) = desk.sql(f"SELECT reason FROM quarantine WHERE id = {int(big_entry)}")
    assert reason.startswith("Reading the message was stopped: CPU budget of 0.001 s exceeded.")

    with ThreadPoolExecutor(2) as pool:
        replays = list(pool.map(lambda n: desk.ok("quarantine", "replay", str(n)).strip(), entries))
    replayed = dict(zip(entries, replays, strict=True))
    assert replayed[nested_entry] == f"entry {nested_entry}: quarantined"
    assert re.fullmatch(rf"entry {big_entry}: new_case, case #\d+", replayed[big_entry])
    with ThreadPoolExecutor(2) as pool:
        case_run = pool.submit(desk.case, subject_coi(big))
        still_held = pool.submit(desk.ok, "quarantine", "list").result()
    case = case_run.result()
    assert [e["kind"] for e in case["timeline"]][:1] == ["received"]
    assert {d["role"] for d in case["documents"]} == {"transport", "invoice"}
    assert desk.queued_jobs() == 1
    assert re.findall(r"^#(\d+)", still_held, re.M) == [str(nested_entry)]
    assert "more than 500 multipart boundaries" in still_held  # the reason of the replay


# -- 6: settings -----------------------------------------------------------------------------------


def test_bad_settings_stop_with_one_line_and_config_masks_passwords(
    dovecot: Dovecot, redis_server: RedisServer, tmp_path: Path
) -> None:
    """A wrong setting or an unmigrated store stops a command with exit code 2 and one line
    that names the cause, and ``importbio config`` never prints a password."""
    desk = Desk(dovecot, redis_server, f"sqlite:///{tmp_path / 'unmigrated.db'}", tmp_path / "var")
    pg_password = "pgS3cret-Pw"
    pg_url = f"postgresql://importbio:{pg_password}@db.example.test:5432/importbio"
    calls: list[tuple[tuple[str, ...], dict[str, str], str]] = [
        (("intake", "--burst"), {"IMPORTBIO_IMAP_URL": "imap://nohost"}, "IMPORTBIO_IMAP_URL"),
        (("intake", "--burst"), {"IMPORTBIO_DATABASE_URL": "mysql://x"}, "IMPORTBIO_DATABASE_URL"),
        (("intake", "--burst"), {}, "run `importbio migrate`"),
    ]
    with ThreadPoolExecutor(5) as pool:
        config_run = pool.submit(desk.run, "config", env={"IMPORTBIO_DATABASE_URL": pg_url})
        done = list(pool.map(lambda call: desk.run(*call[0], env=call[1]), calls))
        config = config_run.result()
    for (args, _, needle), result in zip(calls, done, strict=True):
        stderr = result.stderr.decode()
        assert result.returncode == 2, (args, stderr)
        assert len(stderr.strip().splitlines()) == 1, stderr
        assert stderr.startswith("importbio: ")
        assert needle in stderr
        assert "Traceback" not in stderr
    assert not (tmp_path / "unmigrated.db").exists(), "a refused command created an empty store"

    assert config.returncode == 0, config.stderr
    shown = config.stdout.decode()
    assert PASSWORD not in shown
    assert pg_password not in shown
    port = dovecot.imap_port
    assert f"IMPORTBIO_IMAP_URL=imap://intake%40example.test:***@127.0.0.1:{port}/INBOX" in shown
    assert (
        "IMPORTBIO_DATABASE_URL=postgresql://importbio:***@db.example.test:5432/importbio" in shown
    )
