"""Intake benchmark: the whole intake against a real Dovecot, Redis and SQLite store.

For each corpus size, a throwaway Dovecot gets N generated messages in a fresh INBOX,
then in the same run:

* two bare drains of that INBOX, ``UID FETCH <batch> (BODY.PEEK[])`` batch after batch,
  with aioimaplib (the library the product uses) and with the standard ``imaplib``:
  what reading the mailbox costs at least;
* the product's drain, built as ``importbio intake --burst`` builds it (an ``Intake``
  with the default parse workers, an arq Redis pool, the SQLite store with its own
  durability settings, an ``ImapSource`` from an IMAP URL), timed from start to an
  empty INBOX, with the time per stage and the peak memory of the process and of its
  parse workers.

Then the IDLE latency: with the intake watching, messages are appended one by one and
the delay from the end of each APPEND to its case being committed is measured.

    python -m benchmarks intake [--count 10000] [--sizes 400000,5000] [--batch-size 500]
                                [--latency-count 50] [--latency-size-bytes 400000]
                                [--profile PREFIX]

The INBOX is filled the way a local delivery agent fills it, before Dovecot starts:
each message is written into the Maildir's ``tmp/`` and renamed into ``new/`` (with
LF line ends, as Dovecot stores delivered mail); Dovecot then indexes the mailbox
once (``doveadm mailbox status``), before anything is timed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import imaplib
import io
import multiprocessing
import os
import platform
import pstats
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs installed
from aioimaplib import aioimaplib  # type: ignore[import-untyped]  # ships no type information
from tests.services.dovecot import Dovecot
from tests.services.redis import RedisServer

from benchmarks.corpus import message
from importbio import runtime
from importbio.logs import configure_logging
from importbio.settings import Settings
from intake import pipeline
from intake.case.store import CaseStore
from intake.pipeline import Intake
from intake.sources import imap_wire as wire
from intake.sources.imap import ImapSource

PASSWORD = "bench-pass"  # noqa: S105 - a throwaway local server
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*<([^>\r\n]{1,500})>", re.IGNORECASE | re.MULTILINE)
# Messages of the latency test get numbers far from any drain corpus.
_LATENCY_FIRST = 50_000_000
_TARGETS_MSG_S = {400_000: 90.0, 5_000: 300.0}
_TARGET_P95_S = 1.0


# -- the machine ----------------------------------------------------------------------


def _machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    dovecot = _version(["dovecot", "--version"]).split(" ")[0]
    redis = _version(["redis-server", "--version"])
    redis = next((w[2:] for w in redis.split() if w.startswith("v=")), redis)
    return (
        f"{os.cpu_count()} CPUs ({model}), {psutil.virtual_memory().total / 2**30:.0f} GiB; "
        f"Python {platform.python_version()}, Dovecot {dovecot}, Redis {redis}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def _workers_label() -> str:
    configured = Settings().parse_workers
    if configured is None:
        return f"default ({os.cpu_count()})"
    return f"{configured} (IMPORTBIO_PARSE_WORKERS)"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def _version(command: list[str]) -> str:
    binary = shutil.which(command[0]) or shutil.which(command[0], path="/usr/sbin:/sbin")
    if binary is None:
        return "?"
    done = subprocess.run(  # noqa: S603 - a fixed command of our own
        [binary, *command[1:]], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "?"


# -- filling the mailbox --------------------------------------------------------------


def _write_one(job: tuple[Path, int, int]) -> int:
    """Generate message ``number`` and deliver it into the Maildir; its size in bytes."""
    maildir, number, size_bytes = job
    raw = message(number, size_bytes=size_bytes).replace(b"\r\n", b"\n")
    name = f"{1_700_000_000 + number}.M{number}P{os.getpid()}.bench"
    tmp = maildir / "tmp" / name
    tmp.write_bytes(raw)
    os.chown(tmp, _NOBODY[0], _NOBODY[1])
    os.rename(tmp, maildir / "new" / name)
    return len(raw)


def _nobody() -> tuple[int, int]:
    import grp
    import pwd

    return pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid


_NOBODY = _nobody()


def _maildir(server: Dovecot, login: str) -> Path:
    """Create the user's (empty) INBOX Maildir where Dovecot's mail_location puts it."""
    name, domain = login.split("@", 1)
    home = server.root / "mail" / domain / name
    maildir = home / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for path in (home.parent, home, maildir, *(maildir / s for s in ("cur", "new", "tmp"))):
        os.chown(path, *_NOBODY)
    return maildir


def _fill(maildir: Path, count: int, size_bytes: int) -> tuple[float, int]:
    """Deliver ``count`` corpus messages, generated in parallel; (seconds, bytes)."""
    jobs = ((maildir, n, size_bytes) for n in range(count))
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        total = sum(pool.imap_unordered(_write_one, jobs, chunksize=16))
    return time.perf_counter() - started, total


# -- the bare drains ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Drained:
    """What a bare drain read."""

    messages: int
    total_bytes: int
    seconds: float

    @property
    def rate(self) -> float:
        """Messages a second."""
        return self.messages / self.seconds


def _chunks(uids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(uids), size):
        yield uids[start : start + size]


async def _drain_aioimaplib(port: int, login: str, batch_size: int) -> Drained:
    started = time.perf_counter()
    client = aioimaplib.IMAP4(host="127.0.0.1", port=port, timeout=120)
    await client.wait_hello_from_server()
    await client.login(login, PASSWORD)
    await client.select("INBOX")
    reply = await client.protocol.search("ALL", by_uid=True, charset=None)
    uids = wire.search_uids(reply.lines[:-1])
    messages = total = 0
    for chunk in _chunks(uids, batch_size):
        reply = await client.uid("fetch", wire.uid_set(chunk), "(BODY.PEEK[])")
        bodies = wire.fetched_bodies(reply.lines)
        messages += len(bodies)
        total += sum(len(body) for body in bodies.values())
    seconds = time.perf_counter() - started
    await client.logout()
    return Drained(messages, total, seconds)


def _drain_imaplib(port: int, login: str, batch_size: int) -> Drained:
    started = time.perf_counter()
    client = imaplib.IMAP4("127.0.0.1", port, timeout=120)
    client.login(login, PASSWORD)
    client.select("INBOX", readonly=True)
    _, data = client.uid("SEARCH", "ALL")
    uids = [int(uid) for uid in (data[0] or b"").split()]
    messages = total = 0
    for chunk in _chunks(uids, batch_size):
        _, data = client.uid("FETCH", wire.uid_set(chunk), "(BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple):
                messages += 1
                total += len(item[1])
    seconds = time.perf_counter() - started
    client.logout()
    return Drained(messages, total, seconds)


def _bare_drains(port: int, login: str, batch_size: int) -> tuple[Drained, Drained]:
    """The mailbox read by bare aioimaplib, then by imaplib (in a process of its own)."""
    return asyncio.run(_drain_aioimaplib(port, login, batch_size)), _drain_imaplib(
        port, login, batch_size
    )


def _folder_count(port: int, login: str, folder: str) -> int:
    client = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    try:
        client.login(login, PASSWORD)
        _, data = client.status(folder, "(MESSAGES)")
        found = re.search(rb"MESSAGES (\d+)", data[0] or b"")
        return int(found.group(1)) if found else -1
    finally:
        client.logout()


# -- the product's drain: stages and memory ---------------------------------------------


@dataclass
class Stages:
    """Wall time by stage of the intake, summed over the run."""

    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: Counter[str] = field(default_factory=Counter)
    # first start and last end of the reads of the batch under way
    _read_span: list[float] = field(default_factory=list)

    def timed(self, name: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        """``call`` with its wall time added to stage ``name``."""

        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await call(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1

        return wrapper

    def read_span(self, call: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        """``call`` (one message's parse) with the batch's parse span tracked: the reads
        of a batch run at once, so their wall time is first start to last end."""

        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not self._read_span:
                self._read_span[:] = [time.perf_counter(), 0.0]
            try:
                return await call(*args, **kwargs)
            finally:
                self._read_span[1] = time.perf_counter()

        return wrapper

    def batch(self, call: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        """``Intake._store`` (read and store a batch) with the parse span of its batch added
        to stage ``parse``."""

        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            self._read_span.clear()
            started = time.perf_counter()
            try:
                return await call(*args, **kwargs)
            finally:
                self.seconds["batch"] += time.perf_counter() - started
                self.calls["batch"] += 1
                if self._read_span:
                    self.seconds["parse"] += self._read_span[1] - self._read_span[0]
                    self.calls["parse"] += 1

        return wrapper


def _instrument(intake: Intake, source: ImapSource, stages: Stages) -> Callable[[], None]:
    """Time the stages of this intake and source; returns what undoes the module patch."""
    for attr, name in (
        ("_search", "imap search"),
        ("_sizes", "imap sizes"),
        ("_fetch", "imap fetch"),
        ("_select", "imap select"),
        ("_check_epoch", "imap epoch check"),
        ("_move_uids", "imap move"),
    ):
        setattr(source, attr, stages.timed(name, getattr(source, attr)))
    source.done = stages.timed("done (UID MOVE)", source.done)  # type: ignore[method-assign]
    intake._read = stages.read_span(intake._read)  # type: ignore[method-assign]
    intake._store = stages.batch(intake._store)  # type: ignore[method-assign]
    intake.store.take_many = stages.timed("store.take_many", intake.store.take_many)  # type: ignore[method-assign]
    intake.store.take = stages.timed("store.take", intake.store.take)  # type: ignore[method-assign]
    # the intake calls the name it imported into the pipeline module
    names = vars(pipeline)
    original = names["enqueue_check"]
    names["enqueue_check"] = stages.timed("enqueue", original)

    def undo() -> None:
        names["enqueue_check"] = original

    return undo


class MemoryWatch:
    """Samples the resident set of this process and of the intake's parse workers."""

    def __init__(self, intake: Intake, *, interval_s: float = 0.05) -> None:
        self._intake = intake
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.main_peak = 0
        self.worker_peak = 0  # the largest single worker
        self.workers_peak = 0  # all workers together
        self.worker_cpu_s: dict[int, float] = {}

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = psutil.Process()
        workers: dict[int, psutil.Process] = {}
        while True:
            self.main_peak = max(self.main_peak, me.memory_info().rss)
            pool = self._intake._pool
            for pid in list(getattr(pool, "_processes", None) or {}):
                if pid not in workers:
                    with contextlib.suppress(psutil.Error):
                        workers[pid] = psutil.Process(pid)
            total = 0
            for pid, process in workers.items():
                with contextlib.suppress(psutil.Error):
                    # PSS: a worker is forked from this process, and RSS would count the
                    # pages they still share once in each
                    pss = process.memory_full_info().pss
                    total += pss
                    self.worker_peak = max(self.worker_peak, pss)
                    times = process.cpu_times()
                    self.worker_cpu_s[pid] = times.user + times.system
            self.workers_peak = max(self.workers_peak, total)
            if self._stop.wait(self._interval_s):
                return


@dataclass
class IntakeRun:
    """The product's drain of one INBOX."""

    messages: int
    seconds: float
    outcomes: dict[str, int]
    failures: int
    stages: Stages
    main_cpu_s: float
    worker_cpu_s: float
    busy_cpus: float
    main_rss: int
    worker_rss: int
    workers_rss: int
    stored: int
    left_in_inbox: int
    processed: int

    @property
    def rate(self) -> float:
        """Messages a second."""
        return self.messages / self.seconds


def _settings(var_dir: Path, port: int, login: str, redis: RedisServer) -> Settings:
    user = login.replace("@", "%40")
    return Settings(
        var_dir=var_dir,
        imap_url=f"imap://{user}:{PASSWORD}@127.0.0.1:{port}/INBOX",
        database_url=f"sqlite+aiosqlite:///{var_dir / 'importbio.db'}",
        redis_url=redis.url,
        log_format="json",
    )


async def _open(settings: Settings, batch_size: int) -> tuple[CaseStore, ImapSource]:
    """The store and the mailbox exactly as ``importbio intake`` opens them."""
    store = await runtime.open_store(settings, migrate=True)
    source = runtime.mail_source(settings.model_copy(update={"batch_size": batch_size}))
    assert isinstance(source, ImapSource)
    return store, source


async def _run_intake(
    settings: Settings, batch_size: int, profile: cProfile.Profile | None
) -> IntakeRun:
    store, source = await _open(settings, batch_size)
    stages = Stages()
    try:
        async with runtime.redis_pool(settings, embedded_ok=False) as (redis, _):
            await redis.flushdb()
            intake = runtime.build_intake(settings, store, redis)
            undo = _instrument(intake, source, stages)
            try:
                with MemoryWatch(intake) as memory:
                    cpu_before, system_before = (
                        resource.getrusage(resource.RUSAGE_SELF),
                        psutil.cpu_times(),
                    )
                    started = time.perf_counter()
                    if profile is not None:
                        profile.enable()
                    stats = await intake.run(source, watch=False)
                    if profile is not None:
                        profile.disable()
                    seconds = time.perf_counter() - started
                    cpu_after, system_after = (
                        resource.getrusage(resource.RUSAGE_SELF),
                        psutil.cpu_times(),
                    )
            finally:
                undo()
                await source.close()
                intake.close()
    finally:
        stored = await store.message_count()
        await store.close()
    config = source.config
    busy = (_busy(system_after) - _busy(system_before)) / seconds
    return IntakeRun(
        messages=stats.taken,
        seconds=seconds,
        outcomes=dict(stats.outcomes),
        failures=stats.failures,
        stages=stages,
        main_cpu_s=(cpu_after.ru_utime + cpu_after.ru_stime)
        - (cpu_before.ru_utime + cpu_before.ru_stime),
        worker_cpu_s=sum(memory.worker_cpu_s.values()),
        busy_cpus=busy,
        main_rss=memory.main_peak,
        worker_rss=memory.worker_peak,
        workers_rss=memory.workers_peak,
        stored=stored,
        left_in_inbox=_folder_count(config.port, config.username, config.mailbox),
        processed=_folder_count(config.port, config.username, config.processed_folder),
    )


def _busy(times: Any) -> float:
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


# -- IDLE latency ---------------------------------------------------------------------


@dataclass
class Latency:
    """Seconds from the end of each APPEND to its case committed, and to its move out."""

    stored_s: list[float]
    moved_s: list[float]
    missing: int


def _message_id(raw: bytes) -> str:
    found = _MESSAGE_ID.search(raw)
    assert found is not None, "corpus message without a Message-ID"
    return found.group(1).decode()


def _append_slowly(
    port: int, login: str, raws: list[bytes], pause_s: float, appended: dict[str, float]
) -> None:
    client = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    try:
        client.login(login, PASSWORD)
        for raw in raws:
            status, data = client.append("INBOX", "", None, raw)
            appended[_message_id(raw)] = time.monotonic()
            if status != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
            time.sleep(pause_s)
    finally:
        client.logout()


async def _idle_latency(settings: Settings, count: int, size_bytes: int, pause_s: float) -> Latency:
    raws = [message(_LATENCY_FIRST + n, size_bytes=size_bytes) for n in range(count)]
    store, source = await _open(settings, batch_size=settings.batch_size)
    stored: dict[str, float] = {}
    moved: dict[str, float] = {}
    ref_ids: dict[str, str] = {}
    appended: dict[str, float] = {}
    take_many, done = store.take_many, source.done

    async def timed_take(items: Any, **kwargs: Any) -> Any:
        outcomes = await take_many(items, **kwargs)
        now = time.monotonic()
        for item in items:
            mid = _message_id(item.raw)
            stored[mid] = now
            ref_ids[item.source_ref] = mid
        return outcomes

    async def timed_done(items: Any) -> None:
        await done(items)
        now = time.monotonic()
        for item in items:
            if item.ref in ref_ids:
                moved[ref_ids[item.ref]] = now

    store.take_many = timed_take  # type: ignore[method-assign]
    source.done = timed_done  # type: ignore[method-assign]
    try:
        async with runtime.redis_pool(settings, embedded_ok=False) as (redis, _):
            await redis.flushdb()
            intake = runtime.build_intake(settings, store, redis)
            task = asyncio.create_task(intake.run(source, watch=True))
            try:
                await _until(lambda: _idling(source), timeout_s=30.0)
                config = source.config
                await asyncio.to_thread(
                    _append_slowly, config.port, config.username, raws, pause_s, appended
                )
                await _until(lambda: len(moved) >= count, timeout_s=30.0)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                await source.close()
                intake.close()
    finally:
        await store.close()
    return Latency(
        stored_s=[stored[m] - t for m, t in appended.items() if m in stored],
        moved_s=[moved[m] - t for m, t in appended.items() if m in moved],
        missing=sum(1 for m in appended if m not in moved),
    )


def _idling(source: ImapSource) -> bool:
    session = source._session
    return session is not None and session.idle_task is not None


async def _until(condition: Callable[[], bool], *, timeout_s: float) -> None:
    """Poll ``condition``: what it watches is private state with no event to wait on."""
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)


# -- the report -----------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _mib(value: float) -> str:
    return f"{value / 2**20:.0f}"


def _kib_label(size_bytes: int) -> str:
    return f"{size_bytes // 1000} KB"


def _print_profile(profile: cProfile.Profile, path: str, *, lines: int = 25) -> None:
    profile.dump_stats(path)
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(lines)
    print(f"cProfile of the main process (by own time; all of it in {path}):")
    print("\n".join("    " + line for line in out.getvalue().strip().splitlines()[-lines - 2 :]))


@dataclass
class Corpus:
    """One corpus's mailbox and figures."""

    size_bytes: int
    login: str
    fill_s: float = 0.0
    fill_bytes: int = 0
    index_s: float = 0.0
    aioimaplib: Drained | None = None
    imaplib: Drained | None = None
    intake: IntakeRun | None = None


def _print_corpus(corpus: Corpus, count: int) -> None:
    assert corpus.aioimaplib is not None
    assert corpus.imaplib is not None
    assert corpus.intake is not None
    run = corpus.intake
    served = corpus.aioimaplib.total_bytes / max(1, corpus.aioimaplib.messages)
    target = _TARGETS_MSG_S.get(corpus.size_bytes)
    verdict = (
        ""
        if target is None
        else f"  (target ≥ {target:.0f}: {'met' if run.rate >= target else 'MISSED'})"
    )
    print(
        f"{_kib_label(corpus.size_bytes)} mails: {count} x mean {served / 1024:.1f} KiB as served"
        f" (CRLF); filled in {corpus.fill_s:.1f} s ({count / corpus.fill_s:.0f} msg/s,"
        f" generation included), indexed in {corpus.index_s:.1f} s"
    )
    print(
        f"  bare drain    aioimaplib as shipped {corpus.aioimaplib.rate:7.0f} msg/s"
        f" ({corpus.aioimaplib.total_bytes / corpus.aioimaplib.seconds / 2**20:.0f} MiB/s)"
        f"   imaplib {corpus.imaplib.rate:7.0f} msg/s"
        f" ({corpus.imaplib.total_bytes / corpus.imaplib.seconds / 2**20:.0f} MiB/s)"
    )
    print(f"  intake        {run.rate:7.1f} msg/s   {run.messages} in {run.seconds:.1f} s{verdict}")
    print(
        f"  cpu           main {run.main_cpu_s:.1f} s ({run.main_cpu_s / run.messages * 1000:.1f}"
        f" ms/msg), parse workers {run.worker_cpu_s:.1f} s"
        f" ({run.worker_cpu_s / run.messages * 1000:.1f} ms/msg);"
        f" machine busy {run.busy_cpus:.2f} of {os.cpu_count()} CPUs"
    )
    print(
        f"  peak memory   main {_mib(run.main_rss)} MiB (RSS), largest parse worker"
        f" {_mib(run.worker_rss)} MiB, workers together {_mib(run.workers_rss)} MiB (PSS)"
    )
    print("  main loop (s) " + _stage_line(run.stages, run.seconds, run.messages))
    ok = run.stored == count and run.left_in_inbox == 0 and run.processed == count
    print(
        f"  check         store holds {run.stored}, INBOX holds {run.left_in_inbox},"
        f" Processed holds {run.processed}; outcomes {run.outcomes},"
        f" failures {run.failures}: {'OK' if ok else 'WRONG'}"
    )


def _stage_line(stages: Stages, total_s: float, messages: int) -> str:
    """Where the main loop's wall time went (the parts add up to the total), and what ran
    beside it: a batch is enqueued and moved out while the next one is read and stored."""
    seconds = stages.seconds
    imap = seconds["imap search"] + seconds["imap sizes"] + seconds["imap fetch"]
    take = seconds["store.take_many"]  # messages taken alone again are inside it
    parts = {
        "IMAP fetch": imap,
        "waiting for parse": seconds["batch"] - take,
        "store (grouped takes)": take,
        "waiting for the previous batch's move, other": total_s - imap - seconds["batch"],
    }
    shown = ", ".join(
        f"{name} {part:.1f} ({part / messages * 1000:.2f} ms/msg)" for name, part in parts.items()
    )
    beside = seconds["enqueue"], seconds["done (UID MOVE)"]
    return (
        f"{shown}; beside it: enqueue {beside[0]:.1f} ({beside[0] / messages * 1000:.2f} ms/msg),"
        f" UID MOVE {beside[1]:.1f} ({beside[1] / messages * 1000:.2f} ms/msg), of which"
        f" epoch check {seconds['imap epoch check']:.1f}"
        f" (SELECT {seconds['imap select']:.1f}) + MOVE {seconds['imap move']:.1f}"
        f" in {stages.calls['imap move']} commands;"
        f" {stages.calls['store.take_many']} store transactions;"
        f" parse span in the workers {seconds['parse']:.1f}"
    )


# -- main -----------------------------------------------------------------------------


async def _measure(
    args: argparse.Namespace, server: Dovecot, redis: RedisServer, corpora: list[Corpus], root: Path
) -> Latency | None:
    for corpus in corpora:
        # in a process of their own: the memory they take must not count as the intake's
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            corpus.aioimaplib, corpus.imaplib = await asyncio.get_running_loop().run_in_executor(
                pool, _bare_drains, server.imap_port, corpus.login, args.batch_size
            )
        for drained in (corpus.aioimaplib, corpus.imaplib):
            if drained.messages != args.count:
                raise SystemExit(f"bare drain read {drained.messages} of {args.count} messages")
        var_dir = root / f"var-{corpus.size_bytes}"
        profile = cProfile.Profile() if args.profile else None
        corpus.intake = await _run_intake(
            _settings(var_dir, server.imap_port, corpus.login, redis),
            args.batch_size,
            profile,
        )
        _print_corpus(corpus, args.count)
        if profile is not None:
            _print_profile(profile, f"{args.profile}.{corpus.size_bytes}.prof")
    if args.latency_count <= 0:
        return None
    login = server.add_user("latency", PASSWORD)
    settings = _settings(root / "var-latency", server.imap_port, login, redis)
    return await _idle_latency(settings, args.latency_count, args.latency_size_bytes, args.pause_s)


def main(argv: list[str]) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks intake")
    parser.add_argument("--count", type=int, default=10_000, help="messages per drain")
    parser.add_argument("--sizes", default="400000,5000", help="corpus sizes in bytes")
    parser.add_argument(
        "--batch-size", type=int, default=Settings.model_fields["batch_size"].default
    )
    parser.add_argument("--latency-count", type=int, default=50)
    parser.add_argument("--latency-size-bytes", type=int, default=400_000)
    parser.add_argument("--pause-s", type=float, default=0.2, help="between latency APPENDs")
    parser.add_argument("--profile", metavar="PREFIX", help="cProfile the main process's drains")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]

    root = Path(tempfile.mkdtemp(prefix="importbio-intake-bench-"))
    log_file = (root / "intake.log").open("w")
    # The product's own logging (JSON lines), kept out of the figures' way.
    with contextlib.redirect_stderr(log_file):
        configure_logging(fmt="json", level="info")
    server = Dovecot()
    redis = RedisServer()
    try:
        corpora = []
        for size in sizes:
            login = server.add_user(f"bench{size}", PASSWORD)
            corpus = Corpus(size, login)
            corpus.fill_s, corpus.fill_bytes = _fill(_maildir(server, login), args.count, size)
            corpora.append(corpus)
        server.start()
        redis.start()
        for corpus in corpora:
            started = time.perf_counter()
            status = server.doveadm(
                "mailbox", "status", "-u", corpus.login, "messages vsize", "INBOX"
            )
            corpus.index_s = time.perf_counter() - started
            if f"messages={args.count}" not in status:
                raise SystemExit(f"Dovecot sees {status.strip()!r}, not {args.count} messages")

        print("```")
        print(f"intake benchmark: python -m benchmarks intake {' '.join(argv)}".rstrip())
        print(f"machine: {_machine()}; at start {_load()}")
        print(
            "store: SQLite, WAL, synchronous=FULL (one fsync per group of messages taken);"
            " Redis with AOF;"
            f" parse workers: {_workers_label()}; IMAP batch {args.batch_size}"
        )
        print(
            "INBOX filled by Maildir delivery (tmp/ → new/, LF line ends) before Dovecot"
            " starts, then indexed by `doveadm mailbox status`"
        )
        latency = asyncio.run(_measure(args, server, redis, corpora, root))
        if latency is not None:
            _print_latency(latency, args)
        print(
            f"peak RSS of this process over the whole run (ru_maxrss): "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
        )
        print(f"at the end: {_load()} (other work on the machine skews the figures)")
        print("```")
    finally:
        server.cleanup()
        redis.cleanup()
        log_file.close()
        shutil.rmtree(root, ignore_errors=True)
    return 0


def _print_latency(latency: Latency, args: argparse.Namespace) -> None:
    if not latency.stored_s:
        print("IDLE latency: no message was taken in")
        return
    stored, moved = latency.stored_s, latency.moved_s
    p95 = _percentile(stored, 0.95)
    verdict = "met" if p95 < _TARGET_P95_S else "MISSED"
    print(
        f"IDLE latency ({len(stored)} x {_kib_label(args.latency_size_bytes)} APPENDs,"
        f" {args.pause_s} s apart): APPEND → case committed median"
        f" {statistics.median(stored) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms,"
        f" max {max(stored) * 1000:.0f} ms (target p95 < {_TARGET_P95_S:.0f} s: {verdict})"
    )
    if moved:
        print(
            f"  APPEND → moved out of INBOX median {statistics.median(moved) * 1000:.0f} ms,"
            f" p95 {_percentile(moved, 0.95) * 1000:.0f} ms; not taken: {latency.missing}"
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
