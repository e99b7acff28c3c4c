"""The scheduler process: APScheduler 3.x timers in Brussels time, firing arq jobs.

APScheduler 3.x rather than 4.x (still a pre-release) or bare cron: its ``CronTrigger``
knows the time zone (the desk's mornings stay mornings across summer time), ``coalesce``
folds runs missed while the process was down into one, and ``misfire_grace_time`` drops a
run that comes too late to matter, so downtime never replays a burst. Its job store is
kept in memory on purpose: 3.x cannot share one between processes, and nothing here needs
one, because the schedule comes from the settings and leadership from Redis.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from arq.connections import ArqRedis
from redis.exceptions import RedisError

from intake.calendar import BRUSSELS, WorkCalendar, local_date
from intake.metrics import SCHEDULER_FIRES, SCHEDULER_LEADER
from notify.reminders.config import JobName, ReminderConfig
from notify.reminders.jobs import enqueue_pass
from notify.reminders.leader import Leadership

log = structlog.get_logger(__name__)

# How far ahead `importbio schedule` looks for a working day (holidays, closing weeks).
_MAX_LOOKAHEAD_RUNS = 60


@dataclass(frozen=True, slots=True)
class NextRun:
    """When a job fires next on a working day."""

    job: JobName
    at: datetime


def trigger(config: ReminderConfig, job: JobName) -> CronTrigger:
    """The job's timer: its time of day, Monday to Friday, in Brussels."""
    at = config.times[job]
    assert at is not None
    return CronTrigger(
        day_of_week="mon-fri", hour=at.hour, minute=at.minute, second=at.second, timezone=BRUSSELS
    )


def next_runs(config: ReminderConfig, calendar: WorkCalendar, *, now: datetime) -> list[NextRun]:
    """The next run of each enabled job on a day the desk works, soonest first."""
    runs: list[NextRun] = []
    for job in config.enabled():
        timer = trigger(config, job)
        previous: datetime | None = None
        moment = now
        for _ in range(_MAX_LOOKAHEAD_RUNS):
            fire = timer.get_next_fire_time(previous, moment)
            if fire is None:
                break
            if calendar.is_working_day(local_date(fire)):
                runs.append(NextRun(job, fire))
                break
            previous, moment = fire, fire
    return sorted(runs, key=lambda r: (r.at, r.job.value))


async def run_scheduler(config: ReminderConfig, calendar: WorkCalendar, redis: ArqRedis) -> None:
    """Fire the enabled jobs into arq until cancelled, while this process holds the lock."""
    leadership = Leadership(redis, ttl_s=config.lock_ttl_s)

    async def fire(job: JobName) -> None:
        as_of = datetime.now(BRUSSELS)
        day = local_date(as_of)
        if not leadership.is_leader:
            SCHEDULER_FIRES.labels(job.value, "not_leader").inc()
            log.info("scheduled job left to the leader", job=job.value)
            return
        if not calendar.is_working_day(day):
            SCHEDULER_FIRES.labels(job.value, "closed_day").inc()
            log.info("scheduled job skipped", job=job.value, why=calendar.why_closed(day))
            return
        queued = await enqueue_pass(
            redis, job, as_of=as_of, day=day, expires_s=config.misfire_grace_s
        )
        SCHEDULER_FIRES.labels(job.value, "fired").inc()
        log.info("scheduled job fired", job=job.value, day=day.isoformat(), queued=queued)

    SCHEDULER_LEADER.set(await leadership.hold())
    scheduler = AsyncIOScheduler(timezone=BRUSSELS)
    for job in config.enabled():
        scheduler.add_job(
            fire,
            trigger(config, job),
            args=[job],
            id=job.value,
            coalesce=True,
            misfire_grace_time=max(1, int(config.misfire_grace_s)),
            max_instances=1,
        )
    scheduler.start()
    log.info(
        "scheduler started",
        jobs=[j.value for j in config.enabled()],
        leader=leadership.is_leader,
    )
    try:
        while True:
            await asyncio.sleep(config.lock_ttl_s / 3)
            SCHEDULER_LEADER.set(await leadership.hold())
    finally:
        SCHEDULER_LEADER.set(0)
        scheduler.shutdown(wait=False)
        try:
            await leadership.release()
        except RedisError as exc:  # the lock then expires by itself after its TTL
            log.warning("scheduler lock not released", error=str(exc))
