"""Login throttling: too many failed logins for one name or from one address, and the
next attempts are refused for a while, right or wrong.

Kept in the web process's memory: a restart forgets it, which only gives an attacker
a fresh window as often as the desk restarts. Each key keeps at most ``max_failures``
moments, so memory stays bounded per key; keys whose window passed are dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from time import monotonic


@dataclass
class LoginThrottle:
    """Counts failed logins per key in a sliding window."""

    max_failures: int = 5
    window_s: float = 900.0
    clock: Callable[[], float] = monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def retry_after_s(self, *keys: str) -> float:
        """Seconds until any of ``keys`` may try again; 0 when all may try now."""
        now = self.clock()
        wait = 0.0
        for key in keys:
            moments = self._recent(key, now)
            if len(moments) >= self.max_failures:
                wait = max(wait, moments[0] + self.window_s - now)
        return wait

    def failed(self, *keys: str) -> None:
        """Record a failed login against each key."""
        now = self.clock()
        for key in keys:
            moments = self._failures.setdefault(key, deque(maxlen=self.max_failures))
            moments.append(now)
        if len(self._failures) > 10_000:
            self._forget_old(now)

    def succeeded(self, *keys: str) -> None:
        """A good login clears its keys."""
        for key in keys:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        moments = self._failures.get(key)
        if moments is None:
            return deque()
        while moments and moments[0] <= now - self.window_s:
            moments.popleft()
        return moments

    def _forget_old(self, now: float) -> None:
        for key in [k for k, m in self._failures.items() if not m or m[-1] <= now - self.window_s]:
            del self._failures[key]
