"""Delivering the outbox: claim a due mail, send it, record the outcome.

Every outgoing mail was stored, in the transaction of the event that caused it, before
any attempt. An attempt claims the mail (``sending``, committed), sends it over SMTP,
then records the outcome (committed):

- sent → ``sent`` and a ``mailed`` event on the case;
- a temporary failure (4xx, refused connection, timeout) → ``pending`` again, due after
  an exponential backoff, for as long as the retry window lasts, then ``failed``;
- a permanent failure (5xx) → ``failed``, shown to officers (``importbio outbox``).

At most once, and its one exception. A mail is sent again only when an attempt did not
record its outcome: the sender died, or lost the connection, after handing over the
message and before recording the answer. Its claim then expires after ``lease_s`` and
the mail is due again. SMTP itself has this window (RFC 5321 §4.1.1.4: a client that
loses the connection after the final "." cannot know whether the message was accepted,
and must retry), so importbio sends a second copy only where the protocol forces it:
after the message data was transmitted and before the server's reply was recorded,
a span of milliseconds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from intake.case.store import CaseStore, Claimed, Finished
from intake.metrics import MAIL_ATTEMPTS, SEND_SECONDS
from notify.sender import Delivery, SendResult
from notify.transport import Transport

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When a temporarily failed mail is tried again, and until when."""

    first_delay_s: float = 60.0
    max_delay_s: float = 3600.0
    window_s: float = 3 * 24 * 3600.0

    def next_attempt(self, *, attempt: int, created_at: datetime, now: datetime) -> datetime | None:
        """The time of the next attempt after ``attempt`` failed, or None past the window."""
        delay_s = min(self.max_delay_s, self.first_delay_s * 2 ** max(0, attempt - 1))
        when = now + timedelta(seconds=delay_s)
        return when if when <= created_at + timedelta(seconds=self.window_s) else None


@dataclass
class DeliveryStats:
    """What a delivery pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def count(self, outcome: Finished) -> None:
        """Add one attempt's outcome."""
        if outcome.sent:
            self.sent += 1
        elif outcome.retry_at is not None:
            self.retried += 1
        else:
            self.failed += 1


class OutboxDelivery:
    """Sends due mail from the store through one SMTP sender."""

    def __init__(
        self,
        store: CaseStore,
        sender: Transport,
        *,
        policy: RetryPolicy | None = None,
        lease_s: float = 900.0,
    ) -> None:
        self.store = store
        self.sender = sender
        self.policy = policy or RetryPolicy()
        self.lease_s = lease_s

    async def deliver(
        self, *, now: datetime, only: int | None = None, limit: int = 100
    ) -> DeliveryStats:
        """One pass over the due mail (or just ``only``), in batches of ``limit``.

        A batch is claimed in one transaction, sent on one SMTP connection, and recorded
        in one transaction. When the relay is unreachable, the rest of the batch is
        released untried, to be retried with the one that failed.
        """
        stats = DeliveryStats()
        recording: asyncio.Task[None] | None = None
        try:
            while True:
                claimed = await self.store.claim_outgoing(
                    now=now, lease_s=self.lease_s, limit=limit, only=only
                )
                if not claimed:
                    return stats
                outcomes, relay_down = await self._send_batch(claimed, now=now, stats=stats)
                if recording is not None:
                    await recording
                # recorded while the next batch is claimed and sent: one commit per batch,
                # off the sending path
                recording = asyncio.create_task(self.store.finish_outgoing(outcomes, now=now))
                if only is not None or len(claimed) < limit or relay_down:
                    return stats
        finally:
            if recording is not None:
                await recording

    async def _send_batch(
        self, claimed: list[Claimed], *, now: datetime, stats: DeliveryStats
    ) -> tuple[list[Finished], bool]:
        """Send a claimed batch on the sender's connection; stop at a relay that is down."""
        outcomes: list[Finished] = []
        relay_down_until: datetime | None = None
        for mail in claimed:
            if relay_down_until is not None:
                outcomes.append(
                    Finished(mail.outgoing_id, retry_at=relay_down_until, attempted=False)
                )
                continue
            started = time.perf_counter()
            result = await self.sender.send(
                mail.raw, mail_from=mail.mail_from, recipients=mail.recipients
            )
            SEND_SECONDS.observe(time.perf_counter() - started)
            MAIL_ATTEMPTS.labels(result.delivery.value).inc()
            outcome = self._outcome(mail, result, now=now)
            outcomes.append(outcome)
            stats.count(outcome)
            if (
                result.delivery is Delivery.TEMPORARY
                and result.code is None
                and not result.outcome_unknown
            ):
                # no SMTP reply at all: the relay is unreachable, the rest waits too
                relay_down_until = outcome.retry_at or now
            log.info(
                "mail attempt",
                outgoing_id=mail.outgoing_id,
                case_id=mail.case_id,
                attempt=mail.attempt,
                delivery=result.delivery.value,
                code=result.code,
            )
        return outcomes, relay_down_until is not None

    def _outcome(self, mail: Claimed, result: SendResult, *, now: datetime) -> Finished:
        detail = f"{result.code or ''} {result.detail}".strip()
        if result.delivery is Delivery.SENT:
            return Finished(mail.outgoing_id, sent=True, detail=detail)
        if result.delivery is Delivery.TEMPORARY:
            retry_at = self.policy.next_attempt(
                attempt=mail.attempt, created_at=mail.created_at, now=now
            )
            return Finished(mail.outgoing_id, retry_at=retry_at, detail=detail)
        return Finished(mail.outgoing_id, detail=detail)
