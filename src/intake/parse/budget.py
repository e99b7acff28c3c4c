"""A CPU-time budget for reading one message.

Size, part-count and depth limits are checked before the expensive parse, but a message
can still find a slow path nobody foresaw. The budget is the last line: a profiling
timer (``ITIMER_PROF``, process CPU time) raises ``BudgetExceeded`` in the main thread
when the budget is spent. Outside the main thread signals cannot be used, and the
budget is not enforced there; the intake runs parsing in worker processes' main threads.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class BudgetExceeded(BaseException):
    """The message used up its CPU budget.

    A ``BaseException``, like ``KeyboardInterrupt``: the timer fires wherever the time
    is being spent, often inside a library call wrapped in ``except Exception`` (a PDF
    reader giving up on a broken file), which must not swallow it.
    """

    def __init__(self, budget_s: float) -> None:
        super().__init__(f"CPU budget of {budget_s:g} s exceeded")
        self.budget_s = budget_s


def _can_use_signals() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def cpu_budget(budget_s: float) -> Iterator[None]:
    """Run the block with at most ``budget_s`` seconds of CPU, else raise ``BudgetExceeded``."""
    if budget_s <= 0 or not _can_use_signals():
        yield
        return

    def on_timer(signum: int, frame: FrameType | None) -> None:
        raise BudgetExceeded(budget_s)

    previous_handler = signal.signal(signal.SIGPROF, on_timer)
    previous_timer = signal.setitimer(signal.ITIMER_PROF, budget_s)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous_handler)
        if previous_timer[0] > 0:  # an enclosing budget keeps running
            signal.setitimer(signal.ITIMER_PROF, *previous_timer)
