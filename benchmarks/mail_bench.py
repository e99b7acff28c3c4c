"""Mail-out benchmark: the outbox delivered over SMTP, against bare aiosmtplib.

N acknowledgments are planned the way the intake plans them (generated notifications
parsed and triaged, then taken into a SQLite store with the ``Acknowledger`` as responder,
so each mail is stored in the transaction of its cause). Then, in the same run and against
the same local SMTP server:

* bare: aiosmtplib sends the same raw messages, with the same envelopes, one after the
  other on one connection (``SMTP.sendmail``): what sending costs at least;
* ours: ``OutboxDelivery`` with an ``SmtpSender`` drains the outbox the way the delivery
  sweep does (claim a batch, send it on one connection, record the outcomes, a ``mailed``
  event per mail), with the product's JSON logging on.

The server is aiosmtpd with a handler that accepts and discards, in a process of its own,
so it never shares the client's event loop or interpreter lock; both sides talk to it.
Between rounds the outbox is set back to pending (and its ``mailed`` events removed).

    python -m benchmarks mail [--count 2000] [--rounds 3] [--size-bytes 4000]
                              [--batch-size 50] [--profile FILE]

``--profile`` writes a cProfile of one more delivery by the outbox to FILE and prints
its top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import multiprocessing
import multiprocessing.synchronize
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

import aiosmtplib

from benchmarks.corpus import message
from importbio.logs import configure_logging
from intake.calendar import WorkCalendar, local_date
from intake.case.migrate import upgrade
from intake.case.store import CaseStore, connect
from intake.report import read_mail
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet
from notify.desk import Desk
from notify.outbox import OutboxDelivery
from notify.responders import Acknowledger
from notify.sender import SmtpSender
from notify.smtp_url import SmtpConfig

NOW = datetime(2023, 5, 2, 12, tzinfo=UTC)
DESK = Desk(
    address="importbio@landbouw.example.be",
    name="Departement Landbouw en Visserij - import bio",
    own_domains=frozenset({"landbouw.example.be"}),
    max_auto_per_sender_per_day=1_000_000,
)
_TARGET_RATIO = 1.5
_READY_TIMEOUT_S = 10.0

Envelope = tuple[str, tuple[str, ...], bytes]


# -- the server, in a process of its own --------------------------------------------------------


class _Discard:
    """aiosmtpd handler: accept every message, count it, keep nothing."""

    def __init__(self, counter: Synchronized[int]) -> None:
        self.counter = counter

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook name
        """Count and forget the message."""
        with self.counter.get_lock():
            self.counter.value += 1
        return "250 2.0.0 OK"


def _serve(port: int, counter: Synchronized[int], stop: multiprocessing.synchronize.Event) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_Discard(counter), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        stop.wait()
    finally:
        controller.stop()


class SmtpServerProcess:
    """The discarding SMTP server, started in a child process on a free port."""

    def __init__(self) -> None:
        from tests.services.common import free_port, wait_for_port

        self.port = free_port()
        context = multiprocessing.get_context("spawn")
        self.counter: Synchronized[int] = context.Value("q", 0)
        self._stop = context.Event()
        self._process = context.Process(
            target=_serve, args=(self.port, self.counter, self._stop), daemon=True
        )
        self._process.start()
        if not wait_for_port(self.port, timeout_s=_READY_TIMEOUT_S, alive=self._process.is_alive):
            raise SystemExit("the benchmark SMTP server did not start")

    @property
    def received(self) -> int:
        """Messages accepted so far."""
        return int(self.counter.value)

    def close(self) -> None:
        """Stop the server process."""
        self._stop.set()
        self._process.join(timeout=10)


# -- planning the mail ------------------------------------------------------------------------


async def plan(store: CaseStore, count: int, size_bytes: int) -> None:
    """Take ``count`` generated notifications in, each acknowledged into the outbox."""
    context = TriageContext(
        reference_day=local_date(NOW), calendar=WorkCalendar(), tables=TableSet.load(), now=NOW
    )
    responder = Acknowledger(DESK)
    for number in range(count):
        raw = message(number, size_bytes=size_bytes)
        report = read_mail(raw, source=f"bench#{number}", context=context)
        outcome = await store.take(
            raw, report, source_ref=f"bench#{number}", now=NOW, responder=responder
        )
        if len(outcome.outgoing) != 1:
            raise SystemExit(f"message {number} planned no acknowledgment: {outcome}")


def envelopes(db_path: Path) -> list[Envelope]:
    """The outbox's mails as (mail from, recipients, raw bytes), in id order."""
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        rows = db.execute("SELECT mail_from, recipients, raw FROM outbox ORDER BY id").fetchall()
    return [(mail_from, tuple(json.loads(rcpts)), bytes(raw)) for mail_from, rcpts, raw in rows]


def reset_outbox(db_path: Path) -> None:
    """Every mail pending and due again, its ``mailed`` event gone."""
    with contextlib.closing(sqlite3.connect(db_path)) as db, db:
        db.execute(
            "UPDATE outbox SET status = 'pending', attempts = 0, claimed_at = NULL, "
            "sent_at = NULL, next_attempt_at = created_at"
        )
        db.execute("DELETE FROM events WHERE kind = 'mailed'")


def sent_count(db_path: Path) -> int:
    """Mails the outbox holds as sent."""
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        return int(db.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0])


# -- the two ways to send -------------------------------------------------------------------------


async def send_bare(port: int, mails: list[Envelope]) -> None:
    """aiosmtplib alone: every message on one connection."""
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
    await smtp.connect()
    try:
        for mail_from, recipients, raw in mails:
            await smtp.sendmail(mail_from, list(recipients), raw)
    finally:
        await smtp.quit()


def _config(port: int) -> SmtpConfig:
    return SmtpConfig(
        host="127.0.0.1",
        port=port,
        username=None,
        password=None,
        security="plain",
        timeout_s=30.0,
        local_hostname="intake.landbouw.example.be",
    )


async def send_ours(store: CaseStore, port: int, batch_size: int) -> int:
    """The outbox drained by ``OutboxDelivery``; how many it sent."""
    sent = 0
    async with SmtpSender(_config(port)) as sender:
        delivery = OutboxDelivery(store, sender)
        while True:
            stats = await delivery.deliver(now=NOW, limit=batch_size)
            if stats.sent == 0:
                return sent
            sent += stats.sent


async def _timed(action: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await action()
    return time.perf_counter() - start


# -- the run ------------------------------------------------------------------------------------


async def run(args: argparse.Namespace, root: Path) -> int:
    """Plan, then time both senders round after round; print the figures."""
    db_path = root / "bench.sqlite3"
    url = f"sqlite+aiosqlite:///{db_path}"
    await asyncio.to_thread(upgrade, url)
    store = CaseStore(connect(url), calendar=WorkCalendar())
    server = SmtpServerProcess()
    try:
        started = time.perf_counter()
        await plan(store, args.count, args.size_bytes)
        mails = envelopes(db_path)
        mean_kib = statistics.mean(len(raw) for _, _, raw in mails) / 1024
        print(
            f"planned {len(mails)} acknowledgments (mean {mean_kib:.1f} KiB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        bare_s: list[float] = []
        ours_s: list[float] = []
        for round_number in range(1, args.rounds + 1):
            before = server.received
            bare = await _timed(lambda: send_bare(server.port, mails))
            reset_outbox(db_path)
            ours = await _timed(lambda: send_ours(store, server.port, args.batch_size))
            if server.received - before != 2 * len(mails) or sent_count(db_path) != len(mails):
                raise SystemExit(
                    f"round {round_number}: the server got {server.received - before} mails, "
                    f"the outbox holds {sent_count(db_path)} sent, expected {len(mails)} each"
                )
            bare_s.append(bare)
            ours_s.append(ours)
            print(
                f"round {round_number}: bare {len(mails) / bare:7.0f} mails/s   "
                f"ours {len(mails) / ours:7.0f} mails/s   ratio {ours / bare:.2f}"
            )
        bare_best, ours_best = min(bare_s), min(ours_s)
        ratio = statistics.median(o / b for o, b in zip(ours_s, bare_s, strict=True))
        print(
            f"best: bare aiosmtplib {len(mails) / bare_best:.0f} mails/s, "
            f"OutboxDelivery+SmtpSender {len(mails) / ours_best:.0f} mails/s; "
            f"median ratio ours/bare {ratio:.2f} (goal under {_TARGET_RATIO}) "
            f"{'OK' if ratio < _TARGET_RATIO else 'ABOVE GOAL'}"
        )
        if args.profile:
            reset_outbox(db_path)
            profiler = cProfile.Profile()
            profiler.enable()
            await send_ours(store, server.port, args.batch_size)
            profiler.disable()
            profiler.dump_stats(args.profile)
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
            print(text.getvalue())
        return 0
    finally:
        server.close()
        await store.close()


def main(argv: list[str]) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks mail")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size-bytes", type=int, default=4000, help="notification size")
    parser.add_argument("--batch-size", type=int, default=50, help="OutboxDelivery limit")
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args(argv)
    print(
        f"python -m benchmarks mail {' '.join(argv)}".rstrip()
        + f"\n{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"aiosmtplib {aiosmtplib.__version__}, SQLite {sqlite3.sqlite_version}"
    )
    with tempfile.TemporaryDirectory(prefix="importbio-mail-bench-") as tmp:
        root = Path(tmp)
        with (root / "delivery.log").open("w") as log_file:
            # The product's own logging (JSON lines), kept out of the figures' way.
            with contextlib.redirect_stderr(log_file):
                configure_logging(fmt="json", level="info")
            return asyncio.run(run(args, root))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
