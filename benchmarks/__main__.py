"""``python -m benchmarks [NAME] [options]``: run one benchmark (default: parse)."""

from __future__ import annotations

import importlib
import sys

# Imported only when chosen: some pull in the whole web desk or the end-to-end harness.
BENCHMARKS = {
    "parse": "parse_bench",
    "intake": "intake_bench",
    "mail": "mail_bench",
    "reminders": "reminders_bench",
    "e2e-load": "e2e_load_bench",
    "desk": "desk_bench",
}


def main() -> int:
    """Dispatch to the named benchmark."""
    args = sys.argv[1:]
    name = args.pop(0) if args and args[0] in BENCHMARKS else "parse"
    module = importlib.import_module(f"benchmarks.{BENCHMARKS[name]}")
    result: int = module.main(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
