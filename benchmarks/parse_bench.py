"""Parse benchmark: importbio's read (parse + triage) against the bare standard library.

Baseline, measured in the same run on the same messages: ``email.message_from_bytes``
with ``policy.default``, walking every part and decoding every payload: the least any
parser that reads attachments has to do. The figure that matters is the ratio.

Memory: the corpus is generated message by message; the resident set size is printed
at checkpoints, so a leak shows as growth with the message count.

    python -m benchmarks parse [--count 1000] [--size-bytes 400000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import email
import resource
import statistics
import time
from datetime import date
from email import policy

from benchmarks.corpus import message
from intake.calendar import WorkCalendar
from intake.report import read_mail
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet


def _baseline(raw: bytes) -> int:
    msg = email.message_from_bytes(raw, policy=policy.default)
    decoded = 0
    for part in msg.walk():
        if not part.is_multipart():
            payload = part.get_payload(decode=True)
            decoded += len(payload or b"")
    return decoded


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks parse")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--size-bytes", type=int, default=400_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    context = TriageContext(
        reference_day=date(2023, 5, 2), calendar=WorkCalendar(), tables=TableSet.load()
    )
    corpus = [message(n, size_bytes=args.size_bytes) for n in range(min(args.count, 200))]
    sizes = [len(raw) for raw in corpus]
    print(
        f"corpus: {args.count} messages, "
        f"mean {statistics.mean(sizes) / 1024:.0f} KiB, two PDFs each"
    )

    ours_s: list[float] = []
    base_s: list[float] = []
    checkpoints: list[tuple[int, float]] = []
    for round_number in range(args.rounds):
        ours = base = 0.0
        for n in range(args.count):
            raw = (
                corpus[n % len(corpus)]
                if n < len(corpus) or round_number
                else message(n, size_bytes=args.size_bytes)
            )
            t0 = time.perf_counter()
            _baseline(raw)
            t1 = time.perf_counter()
            report = read_mail(raw, source=f"bench#{n}", context=context)
            t2 = time.perf_counter()
            base += t1 - t0
            ours += t2 - t1
            if report.kind.value != "notification" or report.missing:
                raise SystemExit(
                    f"benchmark corpus misread: message {n}: {report.kind} missing={report.missing}"
                )
            if round_number == 0 and (n + 1) in {args.count // 4, args.count // 2, args.count}:
                checkpoints.append((n + 1, _rss_mib()))
        ours_s.append(ours)
        base_s.append(base)
        print(
            f"round {round_number + 1}: importbio {args.count / ours:7.1f} msg/s   "
            f"stdlib {args.count / base:7.1f} msg/s   ratio {ours / base:.2f}"
        )

    best_ours, best_base = min(ours_s), min(base_s)
    print(
        f"best:    importbio {args.count / best_ours:7.1f} msg/s   "
        f"stdlib {args.count / best_base:7.1f} msg/s"
    )
    print(
        f"ratio (importbio time / stdlib time, best rounds): {best_ours / best_base:.2f}"
        "   goal < 1.5"
    )
    print(
        "peak RSS after N messages: " + ", ".join(f"{n}: {rss:.0f} MiB" for n, rss in checkpoints)
    )
    return 0
