"""``python -m benchmarks [NAME] [options]``: run one benchmark (default: parse)."""

from __future__ import annotations

import sys

from benchmarks import (
    desk_bench,
    e2e_load_bench,
    intake_bench,
    mail_bench,
    parse_bench,
    reminders_bench,
)

BENCHMARKS = {
    "parse": parse_bench.main,
    "intake": intake_bench.main,
    "mail": mail_bench.main,
    "reminders": reminders_bench.main,
    "e2e-load": e2e_load_bench.main,
    "desk": desk_bench.main,
}


def main() -> int:
    """Dispatch to the named benchmark."""
    args = sys.argv[1:]
    name = args.pop(0) if args and args[0] in BENCHMARKS else "parse"
    return BENCHMARKS[name](args)


if __name__ == "__main__":
    sys.exit(main())
