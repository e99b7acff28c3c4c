"""Which scheduler process fires: the holder of a Redis lock with a TTL that it renews.

Two scheduler processes started by mistake (or during a rolling restart) both run their
timers, but only the leader enqueues; a leader that dies lets its lock expire after the
TTL, and the next process to ask takes over. Renewal checks the token, so a process whose
lock expired (a long pause) cannot renew a lock another process took meanwhile. The store's
unique effect keys stay the last guarantee: even two leaders never send a mail twice.
"""

from __future__ import annotations

import secrets
from typing import Any

import structlog

log = structlog.get_logger(__name__)

LEADER_KEY = "importbio:scheduler:leader"
# Renew only our own lock: compare the token and extend it in one step.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class Leadership:
    """One process's claim on the scheduler lock."""

    def __init__(self, redis: Any, *, ttl_s: float, key: str = LEADER_KEY) -> None:
        self.redis = redis
        self.key = key
        self.ttl_ms = max(1000, int(ttl_s * 1000))
        self.token = secrets.token_hex(16)
        self.is_leader = False

    async def hold(self) -> bool:
        """Take the lock if it is free, renew it if ours; True while this process leads."""
        if self.is_leader:
            renewed = await self.redis.eval(_RENEW, 1, self.key, self.token, self.ttl_ms)
            if not renewed:
                log.warning("scheduler leadership lost", key=self.key)
            self.is_leader = bool(renewed)
        if not self.is_leader:
            taken = await self.redis.set(self.key, self.token, px=self.ttl_ms, nx=True)
            self.is_leader = bool(taken)
            if self.is_leader:
                log.info("scheduler leadership taken", key=self.key)
        return self.is_leader

    async def release(self) -> None:
        """Give the lock up (on a clean stop), so another process may lead at once."""
        if self.is_leader:
            await self.redis.eval(_RELEASE, 1, self.key, self.token)
            self.is_leader = False
