"""Enqueueing documentary checks, idempotently, and the sweep that makes Redis optional
for correctness.

A check job's id is ``check:<case>:<version>``, so enqueueing the same version twice
while arq remembers it is a no-op; the durable record is the case's ``placed_version``
in the store, which the sweep compares with its ``version`` to place whatever the jobs
did not: a lost Redis forgets its jobs, and a killed worker leaves the jobs it was running
locked until arq's in-progress timeout, so the sweep places from the store itself.
"""

from __future__ import annotations

from datetime import datetime

from arq.connections import ArqRedis

from intake.case.store import CaseStore

PLACE_CHECK = "place_check"


def check_job_id(case_id: int, version: int) -> str:
    """The arq job id of a case version's check."""
    return f"check:{case_id}:{version}"


async def enqueue_check(redis: ArqRedis, case_id: int, version: int) -> None:
    """Ask a worker to place this version of the case on its queue."""
    await redis.enqueue_job(PLACE_CHECK, case_id, version, _job_id=check_job_id(case_id, version))


async def sweep(store: CaseStore, *, now: datetime) -> int:
    """Move cases whose check window opened, and place every version not yet placed.
    Returns how many versions it placed."""
    await store.resettle_due(now=now)
    placed = 0
    for placement in await store.pending_placements():
        # place() is idempotent: a job running at the same time finds it done and stops.
        if await store.place(placement.case_id, placement.version, now=now) is not None:
            placed += 1
    return placed
