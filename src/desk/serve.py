"""``importbio web``: the desk from the settings, served by uvicorn.

The store must be migrated (``importbio migrate``); a configured Redis is used to tell
the workers about new mail and case versions at once (without one, their sweeps find
them within a minute). ``/healthz`` and ``/readyz`` answer on the desk's own port; with
``IMPORTBIO_METRICS_PORT`` set the process also serves the ops endpoint (``/metrics``) there,
apart from the officers' port.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import uvicorn
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

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

    app = create_app(
        store,
        desk=desk(settings),
        calendar=WorkCalendar(settings.closing_day_list()),
        triage_context=context,
        session=session_options(settings, host=host),
        redis=redis,
        auth_cache_s=settings.web_auth_cache_s,
        count_cache_s=settings.web_count_cache_s,
    )
    add_readiness(app, settings, store)
    return app


def add_readiness(app: FastAPI, settings: Settings, store: CaseStore) -> None:
    """``/readyz`` on the desk's own port: the store at its schema and Redis, as every
    process's ops endpoint answers it (a load balancer or compose health check asks here)."""
    from importbio.ops.health import all_ok, readiness

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        results = await readiness(settings, store=store)
        ready = all_ok(results)
        body = {"ready": ready, "checks": [result.as_dict() for result in results]}
        return JSONResponse(body, status_code=200 if ready else 503)


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


class _Server(uvicorn.Server):
    """uvicorn's server, ending with exit status 0 after a clean stop by SIGTERM or Ctrl-C,
    like every other importbio process (uvicorn raises the signal again once it has shut
    down, which ends the process as killed by it)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            self._captured_signals.clear()


async def serve(settings: Settings, *, host: str, port: int) -> None:
    """Serve the desk until stopped (uvicorn handles SIGINT and SIGTERM)."""
    from importbio.ops.server import serve_ops
    from importbio.runtime import open_store

    session_options(settings, host=host)  # a wrong setting stops us before the store opens
    store = await open_store(settings, migrate=False)
    try:
        async with serve_ops(settings, store), _optional_redis(settings) as redis:
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
            await _Server(config).serve()
    finally:
        await store.close()
