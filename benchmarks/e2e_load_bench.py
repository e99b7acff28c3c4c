"""End-to-end load run: N notifications sent in over LMTP by a second process while one
intake and two workers run; every one must be acknowledged exactly once.

The desk is the end-to-end suite's (``tests/e2e/desk.py``): Dovecot, redis-server, a
PostgreSQL started from a temp folder, the ``importbio`` processes as an operator starts
them, and the desk's SMTP relay delivering each acknowledgment by LMTP into its importer's
mailbox. The sender process records when it handed each notification to Dovecot; the
relay records when each acknowledgment was delivered into the importer's mailbox. The
figures are the time between the two, per notification. At the end every importer's
mailbox is read over IMAP and must hold exactly one acknowledgment per notification.

    python -m benchmarks e2e-load [--count 5000] [--importers 50] [--rate 0]

``--rate`` caps the notifications sent per second (0: as fast as Dovecot takes them).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import smtplib
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.e2e.desk import DESK_LOGIN, DESK_PASSWORD, Desk, Relay, coi_of, running, wait_until
from tests.e2e.mail import coi, notification
from tests.services.dovecot import Dovecot
from tests.services.postgres import Postgres
from tests.services.redis import RedisServer


def _importer(number: int, importers: int) -> str:
    return f"load{number % importers}@bioimport-load.be"


def _send(lmtp_port: int, count: int, importers: int, rate: float, out: str) -> None:
    """The second process: send every notification over LMTP, writing each send time."""
    mails = [notification(n, sender=_importer(n, importers)) for n in range(1, count + 1)]
    sent: dict[str, float] = {}
    gap_s = 1.0 / rate if rate > 0 else 0.0
    with smtplib.LMTP("127.0.0.1", lmtp_port, timeout=60.0) as lmtp:
        for number, raw in enumerate(mails, start=1):
            lmtp.sendmail(_importer(number, importers), [DESK_LOGIN], raw)
            sent[coi(number)] = time.time()
            if gap_s:
                time.sleep(gap_s)
    Path(out).write_text(json.dumps(sent))


class _TimedRelay(Relay):
    """The relay, noting when each acknowledgment reached its importer's mailbox."""

    def __init__(self, lmtp_port: int) -> None:
        super().__init__(lmtp_port)
        self.delivered: Counter[str] = Counter()
        self.at: dict[str, float] = {}

    def _deliver(self, mail_from: str, recipients: list[str], data: bytes) -> list[str]:
        refused = super()._deliver(mail_from, recipients, data)
        from email import message_from_bytes

        found = coi_of(message_from_bytes(data))
        if found and not refused:
            self.delivered[found] += 1
            self.at.setdefault(found, time.time())
        return refused


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str]) -> int:
    """Run the load and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks e2e-load")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--importers", type=int, default=50)
    parser.add_argument("--rate", type=float, default=0.0)
    args = parser.parse_args(argv)
    print(
        f"python -m benchmarks e2e-load {' '.join(argv)}".rstrip()
        + f"\n{os.cpu_count()} CPUs, Python {platform.python_version()}; "
        "1 intake, 2 workers, Dovecot LMTP in, SMTP relay to LMTP out, PostgreSQL, Redis"
    )
    dovecot, redis_server, postgres = Dovecot(), RedisServer(), Postgres()
    with tempfile.TemporaryDirectory(prefix="importbio-e2e-load-") as tmp:
        try:
            for server in (dovecot, redis_server, postgres):
                server.start()
            postgres.create_database("load")
            desk = Desk(dovecot, redis_server, postgres.url_for("load"), Path(tmp))
            desk.extra_env["IMPORTBIO_MAX_AUTO_PER_SENDER_PER_DAY"] = "1000000"
            desk.extra_env["IMPORTBIO_PARSE_WORKERS"] = "1"
            desk.add_mailbox(DESK_LOGIN, DESK_PASSWORD)
            for number in range(args.importers):
                desk.add_mailbox(_importer(number, args.importers))
            return _run(desk, args, Path(tmp))
        finally:
            for server in (postgres, redis_server, dovecot):
                server.cleanup()


def _run(desk: Desk, args: argparse.Namespace, tmp: Path) -> int:
    timed = _TimedRelay(desk.dovecot.lmtp_port)
    with running(desk, timed):
        desk.ok("migrate")
        desk.start("intake")
        desk.start("worker")
        desk.start("worker")
        out = tmp / "sent.json"
        started = time.time()
        sender = multiprocessing.get_context("spawn").Process(
            target=_send,
            args=(desk.dovecot.lmtp_port, args.count, args.importers, args.rate, str(out)),
        )
        sender.start()
        wait_until(
            lambda: len(timed.at) >= args.count,
            timeout_s=max(600.0, args.count * 0.5),
            what=f"{args.count} acknowledgments",
        )
        elapsed_s = time.time() - started
        sender.join()
        time.sleep(5.0)  # anything sent twice would arrive within this
        sent: dict[str, float] = json.loads(out.read_text())
    latencies = [timed.at[key] - sent[key] for key in sent]
    twice = sum(1 for n in timed.delivered.values() if n > 1)
    in_mailboxes = sum(
        len(desk.read_mailbox(_importer(n, args.importers))) for n in range(args.importers)
    )
    print(
        f"sent {len(sent)}, acknowledged {len(timed.at)}, acknowledged twice {twice}, "
        f"in the importers' mailboxes {in_mailboxes}\n"
        f"send to acknowledgment received: median {statistics.median(latencies):.2f} s, "
        f"p95 {_percentile(latencies, 0.95):.2f} s, max {max(latencies):.2f} s\n"
        f"all {args.count} acknowledged in {elapsed_s:.1f} s "
        f"({args.count / elapsed_s:.1f} notifications/s end to end)"
    )
    return 0 if twice == 0 and in_mailboxes == args.count == len(timed.at) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
