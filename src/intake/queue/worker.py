"""The arq worker: documentary-check placement, and a periodic sweep.

Jobs are thin: they take ids, let the store do the work in one transaction, and are
safe to run twice (placing a version that is already placed does nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from arq.connections import RedisSettings
from arq.cron import CronJob, cron

from intake.case.store import CaseStore
from intake.metrics import PLACE_SECONDS
from intake.queue.checks import sweep

log = structlog.get_logger(__name__)


async def place_check(ctx: dict[str, Any], case_id: int, version: int) -> str | None:
    """Place one version of a case on its officer queue."""
    store: CaseStore = ctx["store"]
    with PLACE_SECONDS.time():
        queue = await store.place(case_id, version, now=datetime.now(UTC))
    log.info(
        "check placed" if queue else "check already placed",
        case_id=case_id,
        version=version,
        job_id=ctx.get("job_id"),
        queue=queue,
    )
    return queue.value if queue else None


async def sweep_job(ctx: dict[str, Any]) -> int:
    """Place what the store says is not placed; open windows that are due."""
    store: CaseStore = ctx["store"]
    return await sweep(store, now=datetime.now(UTC))


def worker_options(
    store: CaseStore,
    redis_settings: RedisSettings,
    *,
    sweep_every_min: int = 1,
    functions: Sequence[Any] = (),
    cron_jobs: Sequence[CronJob] = (),
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``arq.worker.Worker`` running the intake's jobs against ``store``,
    plus the ``functions`` and ``cron_jobs`` other packages add (mail delivery), which find
    ``context``'s values in their job context."""
    minutes = set(range(0, 60, max(1, sweep_every_min)))

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["store"] = store
        ctx.update(context or {})

    async def on_job_start(ctx: dict[str, Any]) -> None:
        # arq runs each job in a task of its own: what is bound here is that job's alone
        structlog.contextvars.bind_contextvars(job_id=ctx.get("job_id"), job_try=ctx.get("job_try"))

    return {
        "functions": [place_check, *functions],
        "cron_jobs": [
            cron(sweep_job, minute=minutes, run_at_startup=True, unique=True),
            *cron_jobs,
        ],
        "redis_settings": redis_settings,
        "on_startup": on_startup,
        "on_job_start": on_job_start,
        "max_tries": 5,
        # Each job is one short transaction (a sweep at most ~1000). arq locks a running
        # job for this plus 10 s, and a killed worker's jobs stay locked that long.
        "job_timeout": 60,
        "handle_signals": False,
    }
