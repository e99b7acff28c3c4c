"""``importbio web``: the desk from the settings, served by uvicorn.

The store must be migrated (``importbio migrate``); a configured Redis is used to tell
the workers about new mail and case versions at once (without one, their sweeps find
them within a minute).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

import uvicorn
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from fastapi import FastAPI

from desk.app import create_app
from desk.security import SessionOptions, session_secret
from importbio.settings import Settings, SettingsError
from intake.calendar import WorkCalendar
from intake.case.store import CaseStore
from intake.triage.context import TriageContext


def session_options(settings: Settings, *, host: str) -> SessionOptions:
    """The session cookie's options, or ``SettingsError`` with one line."""
    configured = settings.web_session_secret
    try:
        secret = session_secret(configured.get_secret_value() if configured else None, host=host)
    except ValueError as exc:
        raise SettingsError(f"IMPORTBIO_WEB_SESSION_SECRET: {exc}") from None
    return SessionOptions(
        secret=secret,
        secure=settings.web_secure_cookies,
        max_age_s=int(settings.web_session_hours * 3600),
    )


def app_from_settings(
    settings: Settings, store: CaseStore, *, host: str, redis: ArqRedis | None = None
) -> FastAPI:
    """The desk application for these settings over ``store``."""
    from importbio.runtime import desk

    def context(now: datetime) -> TriageContext:
        return settings.triage_context(now=now)

    return create_app(
        store,
        desk=desk(settings),
        calendar=WorkCalendar(settings.closing_day_list()),
        triage_context=context,
        session=session_options(settings, host=host),
        redis=redis,
    )


@contextlib.asynccontextmanager
async def _optional_redis(settings: Settings) -> AsyncIterator[ArqRedis | None]:
    if settings.redis_url is None:
        yield None
        return
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url.get_secret_value()))
    try:
        yield pool
    finally:
        await pool.aclose()


async def serve(settings: Settings, *, host: str, port: int) -> None:
    """Serve the desk until stopped (uvicorn handles SIGINT and SIGTERM)."""
    from importbio.runtime import open_store

    session_options(settings, host=host)  # a wrong setting stops us before the store opens
    store = await open_store(settings, migrate=False)
    try:
        async with _optional_redis(settings) as redis:
            app = app_from_settings(settings, store, host=host, redis=redis)
            config = uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level="warning",
                proxy_headers=False,
                server_header=False,
                access_log=False,
            )
            await uvicorn.Server(config).serve()
    finally:
        await store.close()
