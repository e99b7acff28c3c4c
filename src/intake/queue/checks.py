"""Enqueueing documentary checks, idempotently, and the sweep that makes Redis optional
for correctness.

A check job's id is ``check:<case>:<version>``, so enqueueing the same version twice
while arq remembers it is a no-op; the durable record is the case's ``placed_version``
in the store, which the sweep compares with its ``version`` to re-enqueue whatever a
lost Redis forgot.
"""

from __future__ import annotations

from datetime import datetime

from arq.connections import ArqRedis

from intake.case.store import CaseStore, Placement

PLACE_CHECK = "place_check"


def check_job_id(case_id: int, version: int) -> str:
    """The arq job id of a case version's check."""
    return f"check:{case_id}:{version}"


async def enqueue_check(redis: ArqRedis, case_id: int, version: int) -> None:
    """Ask a worker to place this version of the case on its queue."""
    await redis.enqueue_job(PLACE_CHECK, case_id, version, _job_id=check_job_id(case_id, version))


async def sweep(store: CaseStore, redis: ArqRedis, *, now: datetime) -> int:
    """Move cases whose check window opened, and re-enqueue every unplaced version.
    Returns how many jobs were asked for."""
    due: list[Placement] = await store.resettle_due(now=now)
    pending = await store.pending_placements()
    for placement in {*due, *pending}:
        await enqueue_check(redis, placement.case_id, placement.version)
    return len({*due, *pending})
