"""The arq side of the schedule: a scheduled pass runs in a worker, as of its fire time.

The scheduler only enqueues ``run_scheduled(job, as_of)``; a worker runs it against the
store. The job id names the job and its day, so while arq remembers it a second enqueue of
the same day's pass is a no-op; the store's effect keys make a second run harmless anyway.
The pass runs as of the moment it was fired, not when a worker picks it up.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from arq.connections import ArqRedis

from notify.jobs import enqueue_delivery
from notify.reminders.config import JobName
from notify.reminders.passes import ReminderRunner

RUN_SCHEDULED = "run_scheduled"


def pass_job_id(job: JobName, day: date) -> str:
    """The arq job id of one job's pass on one day."""
    return f"schedule:{job.value}:{day.isoformat()}"


async def enqueue_pass(
    redis: ArqRedis, job: JobName, *, as_of: datetime, day: date, expires_s: float
) -> bool:
    """Ask a worker to run ``job`` as of ``as_of``; False when that day's pass is queued."""
    queued = await redis.enqueue_job(
        RUN_SCHEDULED,
        job.value,
        as_of.isoformat(),
        _job_id=pass_job_id(job, day),
        _expires=timedelta(seconds=expires_s),
    )
    return queued is not None


async def run_scheduled(ctx: dict[str, Any], job: str, as_of: str) -> int:
    """Run one scheduled job as of its fire time and send its mail; returns mails queued."""
    runner: ReminderRunner = ctx["reminders"]
    result = await runner.run(JobName(job), now=datetime.fromisoformat(as_of))
    redis: ArqRedis = ctx["redis"]
    for outgoing_id in result.outgoing:
        await enqueue_delivery(redis, outgoing_id)
    return result.mails
