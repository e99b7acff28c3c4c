"""A short memory of who a session or an API token belongs to.

Every desk request names its officer (a signed session or a bearer token); looking the
account up again on each one costs a read of the store for an answer that changes a few
times a year. ``RecentUsers`` keeps a positive answer for ``ttl_s`` seconds.

Refusal stays prompt: disabling an account or resetting a password in this process
(``Accounts.disable`` / ``reset``) forgets every remembered answer at once, through a
process-wide generation counter, so every ``RecentUsers`` (and every ``Accounts`` that
changed an account) agrees. A change made by another process (``importbio users
disable`` while ``importbio web`` runs) is seen within ``ttl_s``. Unknown sessions and
tokens are never remembered, so a stream of made-up tokens cannot fill the memory, and
the memory is bounded anyway.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")
MAX_ENTRIES = 10_000
_generation = 0


def forget_all() -> None:
    """Forget every remembered answer of every ``RecentUsers`` in this process."""
    global _generation  # one counter for the process: every cache sees a change
    _generation += 1


@dataclass(frozen=True, slots=True)
class _Entry(Generic[V]):
    value: V
    expires_at: float
    generation: int


class RecentUsers(Generic[V]):
    """Positive answers of a lookup, kept for ``ttl_s`` seconds (0 keeps nothing)."""

    def __init__(self, *, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[Hashable, _Entry[V]] = {}

    def __len__(self) -> int:
        """How many answers are held (fresh or not)."""
        return len(self._entries)

    async def get(self, key: Hashable, lookup: Callable[[], Awaitable[V | None]]) -> V | None:
        """The remembered answer for ``key``, or ``lookup()``'s (remembered if not None)."""
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry.expires_at > now and entry.generation == _generation:
            return entry.value
        generation = _generation  # a change while the lookup runs makes its answer stale
        value = await lookup()
        if value is None:
            self._entries.pop(key, None)
        elif self.ttl_s > 0:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = _Entry(value, now + self.ttl_s, generation)
        return value
