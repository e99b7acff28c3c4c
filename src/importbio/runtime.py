"""Wiring: settings in, running processes out (intake, worker, both in one).

Everything here connects the pure core to real services chosen by the settings; each
piece is also usable alone by the commands that need only it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import structlog
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.worker import Worker

from importbio.settings import Settings
from intake.auth.resolver import CachingResolver, DnsPythonResolver
from intake.auth.verify import SenderAuthenticator
from intake.calendar import WorkCalendar
from intake.case.migrate import current_head, upgrade
from intake.case.store import CaseStore, connect
from intake.pipeline import Intake
from intake.queue.checks import sweep
from intake.queue.worker import worker_options
from intake.sources.base import MailSource
from intake.url_options import mask_password
from notify.desk import Desk
from notify.jobs import deliver_outgoing, delivery_cron, enqueue_delivery
from notify.outbox import OutboxDelivery, RetryPolicy
from notify.reminders.jobs import run_scheduled
from notify.reminders.passes import ReminderRunner
from notify.reminders.scheduler import run_scheduler
from notify.responders import Acknowledger
from notify.sender import SmtpSender
from notify.smtp_url import parse_smtp_url
from notify.transport import FolderTransport, Transport

log = structlog.get_logger(__name__)


# How long a stopped worker waits for its running jobs (each a short transaction or one send).
_STOP_GRACE_S = 20.0


class NotReady(Exception):  # noqa: N818 - names the state
    """A service the command needs is missing or not prepared; one line says which."""


async def open_store(settings: Settings, *, migrate: bool) -> CaseStore:
    """The case store, migrated first when ``migrate`` (else it must be at the newest schema)."""
    url = settings.store_url()
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        # connecting would create an empty file; a stat once at start blocks nothing
        if not migrate and not path.exists():  # noqa: ASYNC240
            raise NotReady(f"there is no case store at {path}: run `importbio migrate`")
        path.parent.mkdir(parents=True, exist_ok=True)
    if migrate:
        await asyncio.to_thread(upgrade, url)
    store = CaseStore(connect(url), calendar=WorkCalendar(settings.closing_day_list()))
    if not migrate:
        await _check_schema(store)
    return store


async def _check_schema(store: CaseStore) -> None:
    from sqlalchemy.exc import DBAPIError

    try:
        await check_schema(store)
    except NotReady:
        await store.close()
        raise
    except (DBAPIError, OSError) as exc:
        await store.close()
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
        raise NotReady(f"the case store cannot be reached: {mask_password(reason)}") from None


async def check_schema(store: CaseStore) -> str:
    """``"schema <rev>"`` when the store is at this version's schema, else ``NotReady``."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    # A store that cannot be reached raises here; only a missing table means "not migrated".
    async with store.engine.connect() as conn:
        try:
            found = await conn.execute(text("SELECT version_num FROM alembic_version"))
            version = found.scalar()
        except DBAPIError:
            version = None
    if version != current_head():
        raise NotReady(
            f"the case store is at schema {version or 'none'}, not {current_head()}: "
            "run `importbio migrate`"
        )
    return f"schema {version}"


@contextlib.asynccontextmanager
async def redis_pool(
    settings: Settings, *, embedded_ok: bool
) -> AsyncIterator[tuple[ArqRedis, RedisSettings]]:
    """An arq Redis pool: the configured Redis, or (for ``run``) an embedded one."""
    if settings.redis_url is not None:
        redis_settings = RedisSettings.from_dsn(settings.redis_url.get_secret_value())
        pool = await create_pool(redis_settings)
        try:
            yield pool, redis_settings
        finally:
            await pool.aclose()
        return
    if not embedded_ok:
        raise NotReady(
            "IMPORTBIO_REDIS_URL is not set (only `importbio run` starts a Redis of its own)"
        )
    from importbio.embedded_redis import EmbeddedRedis, EmbeddedRedisError

    embedded = EmbeddedRedis(settings.var_dir / "redis")
    try:
        embedded.start()
    except EmbeddedRedisError as exc:
        raise NotReady(str(exc)) from None
    try:
        redis_settings = RedisSettings.from_dsn(embedded.url)
        pool = await create_pool(redis_settings)
        try:
            yield pool, redis_settings
        finally:
            await pool.aclose()
    finally:
        embedded.stop()


@contextlib.asynccontextmanager
async def service(settings: Settings) -> AsyncIterator[tuple[CaseStore, ArqRedis, RedisSettings]]:
    """What a long-running process of its own needs: the migrated store, the configured
    Redis, and its ops endpoint (when a metrics port is set), released in order."""
    from importbio.ops.server import serve_ops

    store = await open_store(settings, migrate=False)
    try:
        async with (
            serve_ops(settings, store),
            redis_pool(settings, embedded_ok=False) as (redis, redis_settings),
        ):
            yield store, redis, redis_settings
    finally:
        await store.close()


def mail_source(settings: Settings) -> MailSource:
    """The mailbox the settings name: IMAP when a URL is set, else the Maildir."""
    if settings.imap_url is not None:
        from intake.sources.imap import ImapSource, parse_imap_url

        config = parse_imap_url(settings.imap_url.get_secret_value())
        return ImapSource(
            replace(
                config,
                batch_size=settings.batch_size,
                max_batch_bytes=settings.batch_max_bytes,
                poll_interval_s=settings.poll_interval_s,
            )
        )
    from intake.sources.maildir import MaildirSource

    return MaildirSource(
        settings.maildir_path(),
        batch_size=settings.batch_size,
        max_batch_bytes=settings.batch_max_bytes,
        poll_interval_s=1.0,
    )


def desk(settings: Settings) -> Desk:
    """The desk as its mail presents it."""
    domains = frozenset(d.strip().lower() for d in settings.desk_domains.split(",") if d.strip())
    return Desk(
        address=settings.desk_address,
        name=settings.desk_name,
        own_domains=domains,
        max_auto_per_sender_per_day=settings.max_auto_per_sender_per_day,
        template_dir=settings.templates_dir,
    )


def transport(settings: Settings) -> Transport:
    """The SMTP relay of the settings, or the folder of written mail when there is none."""
    if settings.smtp_url is None:
        return FolderTransport((settings.var_dir / "sent").resolve())
    return SmtpSender(parse_smtp_url(settings.smtp_url.get_secret_value()))


def authenticator(settings: Settings) -> SenderAuthenticator | None:
    """The sender checks the settings ask for, on the system's DNS with a cache."""
    if not settings.auth_verify:
        return None
    resolver = CachingResolver(DnsPythonResolver(timeout_s=settings.auth_dns_timeout_s))
    return SenderAuthenticator(
        resolver,
        trusted_ids=settings.trusted_authserv_ids(),
        timeout_s=settings.auth_dns_timeout_s,
        max_message_bytes=settings.max_message_bytes,
    )


def build_intake(settings: Settings, store: CaseStore, redis: ArqRedis | None) -> Intake:
    """The intake loop as the settings make it: triage, parse workers, acknowledgments."""

    async def announce(outgoing_id: int) -> None:
        if redis is not None:
            await enqueue_delivery(redis, outgoing_id)

    return Intake(
        store,
        settings.triage_context(),
        redis=redis,
        parse_workers=settings.parse_workers,
        responder=Acknowledger(desk(settings)),
        on_outgoing=announce,
        authenticator=authenticator(settings),
    )


async def run_intake(
    settings: Settings, store: CaseStore, redis: ArqRedis | None, *, watch: bool
) -> None:
    """Watch (or drain) the mailbox into the store, acknowledging what deserves it."""
    intake = build_intake(settings, store, redis)
    source = mail_source(settings)
    try:
        stats = await intake.run(source, watch=watch)
        log.info("intake drained", **dict(stats.outcomes), failures=stats.failures)
    finally:
        await source.close()
        intake.close()


async def run_worker(
    settings: Settings, store: CaseStore, redis_settings: RedisSettings, *, burst: bool
) -> None:
    """Run arq jobs until stopped (or, with ``burst``, until the queue is empty): checks
    placed on queues, mail delivered."""
    sender = transport(settings)
    delivery = OutboxDelivery(
        store, sender, policy=RetryPolicy(window_s=settings.mail_retry_hours * 3600)
    )
    # Not 0 in burst mode either: a job a killed worker left locked keeps the queue
    # non-empty until its lock expires, and polling without a pause would spin a CPU.
    options = worker_options(
        store,
        redis_settings,
        functions=[deliver_outgoing, run_scheduled],
        cron_jobs=[delivery_cron()],
        context={"delivery": delivery, "reminders": reminder_runner(settings, store)},
    )
    worker = Worker(**options, burst=burst, poll_delay=0.05 if burst else 0.2)
    try:
        await worker.async_run()
    except asyncio.CancelledError:
        await _let_jobs_finish(worker, timeout_s=_STOP_GRACE_S)
        raise
    finally:
        await worker.close()
        await sender.close()


async def _let_jobs_finish(worker: Worker, *, timeout_s: float) -> None:
    """On a stop, take no new job and give the running ones time to end: cut off, a job
    rolls back its transaction half-way (SQLAlchemy logs that as an error) and stays
    locked in Redis until its lock expires."""
    worker.allow_pick_jobs = False
    running = [task for task in worker.tasks.values() if not task.done()]
    if running:
        await asyncio.wait(running, timeout=timeout_s)


async def run_all(settings: Settings, *, burst: bool = False) -> None:
    """The whole intake in one process on embedded defaults: migrate, Redis, intake, worker,
    scheduler."""
    from importbio.ops.server import serve_ops

    store = await open_store(settings, migrate=True)
    try:
        async with (
            serve_ops(settings, store),
            redis_pool(settings, embedded_ok=True) as (redis, redis_settings),
        ):
            await sweep(store, now=datetime.now(UTC))
            if burst:
                await run_intake(settings, store, redis, watch=False)
                await run_worker(settings, store, redis_settings, burst=True)
                return
            await asyncio.gather(
                run_intake(settings, store, redis, watch=True),
                run_worker(settings, store, redis_settings, burst=False),
                run_scheduler(settings.reminder_config(), store.calendar, redis),
            )
    finally:
        await store.close()


def reminder_runner(settings: Settings, store: CaseStore) -> ReminderRunner:
    """The scheduled jobs (reminders, notices, escalations, digests) against ``store``."""
    return ReminderRunner(store, settings.reminder_config(), desk(settings))


def scheduler_calendar(settings: Settings) -> WorkCalendar:
    """The desk's working days, for a scheduler that has no store open."""
    return WorkCalendar(settings.closing_day_list())
