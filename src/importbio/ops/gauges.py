"""Gauges read from the case store at scrape time: queue depths and the outbox by status.

The store is the record, so these are true for the whole installation, whichever process is
scraped. ``refresh`` reads them at most once per ``max_age_s`` (scrapes from several
Prometheus servers, or a dashboard's refreshes, cost one query pair); if the store cannot be
read the last values stay and ``importbio_store_up`` says 0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import structlog
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from intake.case import tables as t
from intake.case.store import CaseStore
from intake.codes import OutboxStatus, Queue

log = structlog.get_logger(__name__)

# Sent mail only grows and is not work; these are the statuses an operator watches.
_WATCHED = (
    OutboxStatus.PENDING,
    OutboxStatus.SENDING,
    OutboxStatus.FAILED,
    OutboxStatus.BOUNCED,
)


class StoreGauges(Collector):
    """A Prometheus collector of the store's queue depths and outbox counts."""

    def __init__(
        self,
        store: CaseStore,
        *,
        max_age_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.max_age_s = max_age_s
        self.clock = clock
        self.queues: dict[Queue, int] = dict.fromkeys(Queue, 0)
        self.outbox: dict[OutboxStatus, int] = dict.fromkeys(_WATCHED, 0)
        self.up = False
        self.reads = 0
        self._read_at: float | None = None

    async def refresh(self) -> None:
        """Read the counts again unless the last read is younger than ``max_age_s``."""
        now = self.clock()
        if self._read_at is not None and now - self._read_at < self.max_age_s:
            return
        self._read_at = now
        try:
            self.queues = await self.store.queue_counts()
            self.outbox = await self._outbox_counts()
            self.up = True
        except Exception as exc:  # a scrape reports the store as down, it never fails
            self.up = False
            log.warning("metrics: the store could not be read", error=type(exc).__name__)
        self.reads += 1

    async def _outbox_counts(self) -> dict[OutboxStatus, int]:
        counts = dict.fromkeys(_WATCHED, 0)
        async with self.store.transaction() as session:
            rows = await session.execute(
                select(t.Outgoing.status, func.count())
                .where(t.Outgoing.status.in_([s.value for s in _WATCHED]))
                .group_by(t.Outgoing.status)
            )
            counts.update({OutboxStatus(status): count for status, count in rows})
        return counts

    def collect(self) -> Iterator[Metric]:
        """The last values read (Prometheus calls this on every scrape)."""
        depth = GaugeMetricFamily(
            "importbio_queue_depth", "Open cases on each officer queue.", labels=["queue"]
        )
        for queue, count in self.queues.items():
            depth.add_metric([queue.value], count)
        yield depth
        outbox = GaugeMetricFamily(
            "importbio_outbox_mails", "Outgoing mail not yet sent, by status.", labels=["status"]
        )
        for status, count in self.outbox.items():
            outbox.add_metric([status.value], count)
        yield outbox
        yield GaugeMetricFamily(
            "importbio_store_up", "1 when the last read of the store succeeded.", value=self.up
        )
