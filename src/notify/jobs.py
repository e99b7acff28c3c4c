"""arq jobs that deliver the outbox: one mail at once after its cause, and a sweep
every minute for retries and anything a lost Redis forgot."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from arq.connections import ArqRedis
from arq.cron import CronJob, cron

from notify.outbox import OutboxDelivery

DELIVER = "deliver_outgoing"


def deliver_job_id(outgoing_id: int) -> str:
    """The arq job id of one mail's prompt delivery."""
    return f"deliver:{outgoing_id}"


async def enqueue_delivery(redis: ArqRedis, outgoing_id: int) -> None:
    """Ask a worker to send this mail now."""
    await redis.enqueue_job(DELIVER, outgoing_id, _job_id=deliver_job_id(outgoing_id))


async def deliver_outgoing(ctx: dict[str, Any], outgoing_id: int) -> int:
    """Send one mail if it is still due; returns how many were sent."""
    delivery: OutboxDelivery = ctx["delivery"]
    stats = await delivery.deliver(now=datetime.now(UTC), only=outgoing_id)
    return stats.sent


async def deliver_due(ctx: dict[str, Any]) -> int:
    """Send every mail that is due (retries, and what was never enqueued)."""
    delivery: OutboxDelivery = ctx["delivery"]
    stats = await delivery.deliver(now=datetime.now(UTC))
    return stats.sent


def delivery_cron() -> CronJob:
    """The delivery sweep, every minute and at start."""
    return cron(deliver_due, minute=set(range(60)), run_at_startup=True, unique=True)
