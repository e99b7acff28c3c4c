"""The intake loop: mailbox → parse and triage → case store → check queue → mailbox.

For each batch the mailbox gives, messages are read in worker processes (parsing is
CPU work, and a hostile message must not stall the loop), then taken into the store one
transaction each, then their checks are enqueued, and only then are they moved out of
the inbox. A crash anywhere leaves each message either committed (and de-duplicated when
seen again) or still in the inbox.

A message the store cannot take is retried with the next batches; after a few failures
it is held in quarantine with the error, so one bad message never blocks the mailbox.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog
from arq.connections import ArqRedis
from sqlalchemy.exc import InterfaceError, OperationalError

from intake.auth.verdict import SenderVerdict
from intake.calendar import local_date
from intake.case.effects import Responder
from intake.case.outcomes import TakeOutcome, TakeStatus
from intake.case.store import CaseStore
from intake.case.taking import Taking
from intake.metrics import MAILS_TAKEN, TAKE_SECONDS, TRIAGE_OUTCOMES
from intake.queue.checks import enqueue_check
from intake.report import MailReport, read_mail
from intake.sources.base import Incoming, MailSource
from intake.triage.context import TriageContext

if TYPE_CHECKING:
    # The parsing worker processes import this module; dkimpy, pyspf and dnspython are
    # only needed by the process that checks senders.
    from intake.auth.verify import SenderAuthenticator

log = structlog.get_logger(__name__)

_MAX_FAILURES = 3
# Most messages taken in one transaction (one commit, one fsync on SQLite)
_GROUP_MAX = 100
_RETRY_DELAY_S = 1.0
_MAX_RETRY_DELAY_S = 60.0
# Errors that say the store (not the message) is at fault: wait and read the mailbox again.
_UNAVAILABLE = (InterfaceError, OperationalError, ConnectionError, OSError, TimeoutError)


class StoreUnavailable(Exception):  # noqa: N818 - names the state, like TimeoutError
    """The case store cannot be reached; nothing of the batch was acknowledged."""


# The triage context of a parsing worker process, set once by ``_init_worker``.
_WORKER_CONTEXT: TriageContext | None = None


def _init_worker(context: TriageContext) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context


def _read_in_worker(
    raw: bytes, ref: str, now: datetime, sender: SenderVerdict | None
) -> MailReport:
    assert _WORKER_CONTEXT is not None, "worker process started without a context"
    return read_mail(raw, source=ref, context=_at(_WORKER_CONTEXT, now, sender))


def _at(
    context: TriageContext, now: datetime, sender: SenderVerdict | None = None
) -> TriageContext:
    return replace(context, now=now, reference_day=local_date(now), sender=sender)


def _discard(reads: Sequence[asyncio.Future[MailReport]]) -> None:
    """Cancel the reads a failed batch no longer needs, and consume their errors: the
    batch's own error is the one that counts."""
    for read in reads:
        if not read.done():
            read.cancel()
        elif not read.cancelled():
            read.exception()


@dataclass
class IntakeStats:
    """What an intake run did, by outcome."""

    outcomes: Counter[str] = field(default_factory=Counter)
    failures: int = 0

    @property
    def taken(self) -> int:
        """Messages that left the inbox."""
        return sum(self.outcomes.values())


async def _settle(finishing: asyncio.Future[None]) -> None:
    """Let a committed batch be moved out even when the next batch failed; a failure of
    its own is logged (its messages stay in the inbox and come round as duplicates)."""
    if not finishing.done():
        await asyncio.wait([finishing])
    if not finishing.cancelled() and (error := finishing.exception()) is not None:
        log.warning("batch not moved out", error=f"{type(error).__name__}: {error}"[:300])


@dataclass
class _Stored:
    """A committed batch: what is left to do for it."""

    done: list[Incoming] = field(default_factory=list)
    held: list[tuple[Incoming, str]] = field(default_factory=list)
    placements: list[tuple[int, int]] = field(default_factory=list)
    outgoing: list[int] = field(default_factory=list)


class Intake:
    """Runs the loop for one mailbox."""

    def __init__(
        self,
        store: CaseStore,
        context: TriageContext,
        *,
        redis: ArqRedis | None,
        parse_workers: int | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        responder: Responder | None = None,
        on_outgoing: Callable[[int], Awaitable[None]] | None = None,
        authenticator: SenderAuthenticator | None = None,
    ) -> None:
        """``responder`` plans the automatic answer of each message (in its transaction);
        ``on_outgoing`` is told each planned mail's id after the commit (to send it soon);
        ``authenticator`` checks each sender (DNS) before triage, which gets its verdict."""
        self.store = store
        self.authenticator = authenticator
        self.responder = responder
        self.on_outgoing = on_outgoing
        self.context = context
        self.redis = redis
        self.clock = clock
        workers = (os.cpu_count() or 1) if parse_workers is None else parse_workers
        self._pool: Executor | None = None
        if workers > 0:
            self._pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(context,))
            # Start the workers now, while this process holds no mail: a worker forked later
            # would start as a copy of whatever batch is in memory then.
            self._pool.submit(int).result()
        self.stats = IntakeStats()

    async def run(self, source: MailSource, *, watch: bool) -> IntakeStats:
        """Take in every message of ``source`` (and, with ``watch``, keep waiting for more).

        A batch's checks are enqueued and its messages moved out while the next batch is
        read and stored: the mailbox and Redis wait on the network while the store works.
        One batch at most is being finished at a time, in order.

        When the store is unreachable, nothing is acknowledged; the loop waits and reads
        the mailbox again, so the unacknowledged messages come round once more.
        """
        delay_s = _RETRY_DELAY_S
        while True:
            finishing: asyncio.Future[None] | None = None
            try:
                async for batch in source.batches(watch=watch):
                    stored = await self._store(batch)
                    if finishing is not None:
                        await finishing
                    finishing = asyncio.ensure_future(self._finish(source, stored))
                    delay_s = _RETRY_DELAY_S
                if finishing is not None:
                    await finishing
                return self.stats
            except StoreUnavailable as exc:
                log.warning("case store unavailable", error=str(exc.__cause__), retry_in_s=delay_s)
                await asyncio.sleep(delay_s)
                delay_s = min(delay_s * 2, _MAX_RETRY_DELAY_S)
            finally:
                if finishing is not None:
                    await _settle(finishing)

    async def take_batch(self, source: MailSource, batch: Sequence[Incoming]) -> None:
        """Read, store, enqueue and acknowledge one batch."""
        await self._finish(source, await self._store(batch))

    async def _store(self, batch: Sequence[Incoming]) -> _Stored:
        """Read and store one batch: what is left to do for it once committed."""
        now = self.clock()
        # Every message is handed to the workers at once and stored as soon as its own
        # report is back, so parsing the rest of the batch overlaps with storing.
        reads = [asyncio.ensure_future(self._read(item, now)) for item in batch]
        try:
            return await self._store_batch(batch, reads, now)
        finally:
            _discard(reads)

    async def _store_batch(
        self,
        batch: Sequence[Incoming],
        reads: Sequence[asyncio.Future[MailReport]],
        now: datetime,
    ) -> _Stored:
        stored = _Stored()
        start = 0
        while start < len(batch):
            # Wait for the next report in order, then take it together with every later
            # one already read: one transaction for the group, as large as parsing got
            # ahead of storing, so a slow store commits less often, never later.
            await asyncio.wait([reads[start]])
            end = start + 1
            while end < len(batch) and end - start < _GROUP_MAX and reads[end].done():
                end += 1
            items, reports = batch[start:end], [read.result() for read in reads[start:end]]
            started = time.perf_counter()
            outcomes = await self._take_group(items, reports, now)
            took_s = time.perf_counter() - started
            for item, report, outcome in zip(items, reports, outcomes, strict=True):
                TAKE_SECONDS.observe(took_s)  # each message waited for its whole group
                self.stats.outcomes[outcome.status.value] += 1
                MAILS_TAKEN.labels(report.kind.value, outcome.status.value).inc()
                if outcome.status in (TakeStatus.NEW_CASE, TakeStatus.ATTACHED):
                    TRIAGE_OUTCOMES.labels(report.queue.value).inc()
                log.info(
                    "message taken",
                    ref=item.ref,
                    message_id=report.message_id,
                    case_id=outcome.case_id,
                    outcome=outcome.status.value,
                    kind=report.kind.value,
                    queue=report.queue.value,
                )
                if outcome.status is TakeStatus.QUARANTINED:
                    reason = report.reasons[0] if report.reasons else "quarantined"
                    stored.held.append((replace(item, raw=b""), reason))
                else:
                    stored.done.append(replace(item, raw=b""))  # moved by its ref alone
                if outcome.case_id is not None and outcome.version is not None:
                    stored.placements.append((outcome.case_id, outcome.version))
                stored.outgoing.extend(outcome.outgoing)
            start = end
        return stored

    async def _finish(self, source: MailSource, stored: _Stored) -> None:
        """After the commit: queue the checks and the mail, then move the messages out."""
        if self.redis is not None:
            for case_id, version in stored.placements:
                await enqueue_check(self.redis, case_id, version)
        if self.on_outgoing is not None:
            for outgoing_id in stored.outgoing:
                await self.on_outgoing(outgoing_id)
        if stored.done:
            await source.done(stored.done)
        for item, reason in stored.held:
            await source.quarantine(item, reason)

    async def _take_group(
        self, items: Sequence[Incoming], reports: Sequence[MailReport], now: datetime
    ) -> list[TakeOutcome]:
        """Take a group in one transaction; a message that failed in it is taken again
        alone (a lost race then finds its duplicate; a real failure is retried and held)."""
        try:
            results = await self.store.take_many(
                [
                    Taking(item.raw, report, item.ref)
                    for item, report in zip(items, reports, strict=True)
                ],
                now=now,
                responder=self.responder,
            )
        except _UNAVAILABLE as exc:
            raise StoreUnavailable from exc
        outcomes: list[TakeOutcome] = []
        for item, report, result in zip(items, reports, results, strict=True):
            if isinstance(result, Exception):
                with structlog.contextvars.bound_contextvars(
                    message_id=report.message_id, ref=item.ref
                ):
                    log.info("message taken alone", error=type(result).__name__)
                    result = await self._take(item, report, now)
            outcomes.append(result)
        return outcomes

    async def _read(self, item: Incoming, now: datetime) -> MailReport:
        # The DNS look-ups of each message run while the others are parsed and stored.
        sender = await self.authenticator.verify(item.raw) if self.authenticator else None
        if self._pool is None:
            return read_mail(item.raw, source=item.ref, context=_at(self.context, now, sender))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._pool, _read_in_worker, item.raw, item.ref, now, sender
        )

    async def _take(self, item: Incoming, report: MailReport, now: datetime) -> TakeOutcome:
        """Take one message; a failure of this message (not of the store) is retried, then
        the message is held in quarantine with the error."""
        error = ""
        for attempt in range(1, _MAX_FAILURES + 1):
            try:
                return await self.store.take(
                    item.raw, report, source_ref=item.ref, now=now, responder=self.responder
                )
            except _UNAVAILABLE as exc:
                raise StoreUnavailable from exc
            except Exception as exc:
                self.stats.failures += 1
                error = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "message not taken", ref=item.ref, attempt=attempt, error=type(exc).__name__
                )
                await asyncio.sleep(_RETRY_DELAY_S * attempt / 4)
        reason = f"Taking the message failed {_MAX_FAILURES} times: {error}"[:1000]
        await self.store.hold(
            item.raw,
            sha256=hashlib.sha256(item.raw).hexdigest(),
            source_ref=item.ref,
            reason=reason,
            now=now,
        )
        return TakeOutcome(TakeStatus.QUARANTINED, None)

    def close(self) -> None:
        """Stop the parsing workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
