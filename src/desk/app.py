"""The officers' web desk: the FastAPI application and what every request shares.

FastAPI because the JSON API then documents itself (its OpenAPI schema, which the
property-based tests run against) and validates its bodies with pydantic, like the rest
of the project; the pages are plain server-rendered Jinja2 on the same app, with no
script at all, so the Content-Security-Policy can forbid every script.

``create_app`` takes what the desk works on (the case store, optionally a Redis pool to
announce work to the workers) so tests and ``importbio web`` build it the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from arq.connections import ArqRedis
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware

from desk import audit
from desk.accounts import Accounts, User
from desk.actions import Announcer, DeskActions
from desk.listing import CaseListing
from desk.security import SESSION_COOKIE, RefusedForm, SecurityHeaders, SessionOptions
from desk.throttle import LoginThrottle
from intake.calendar import BRUSSELS, WorkCalendar
from intake.case.store import CaseStore
from intake.triage.context import TriageContext
from notify.desk import Desk

_HERE = Path(__file__).parent


@dataclass
class DeskState:
    """Everything the routes use, on ``app.state.desk``."""

    store: CaseStore
    accounts: Accounts
    listing: CaseListing
    actions: DeskActions
    announce: Announcer
    templates: Environment
    triage_context: Callable[[datetime], TriageContext]
    throttle: LoginThrottle = field(default_factory=LoginThrottle)


class NotSignedIn(Exception):  # noqa: N818 - names the state, like NotReady
    """A page asked for by someone without a valid session: sent to the login page."""


def templates() -> Environment:
    """The page templates; autoescaped everywhere, every variable required."""
    env = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        auto_reload=False,  # shipped templates: compiled once, not checked on every page
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = _local_time
    return env


def _local_time(moment: datetime | None) -> str:
    return moment.astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M") if moment else ""


def state(request: Request) -> DeskState:
    """The desk's shared state."""
    found: DeskState = request.app.state.desk
    return found


async def desk_state(request: Request) -> DeskState:
    """The desk's shared state, as a route's dependency (``async``: FastAPI would run a
    plain function in its thread pool, a hand-off to a thread on every request)."""
    return state(request)


async def session_user(request: Request) -> User | None:
    """The signed-in officer of a page request, if the session is still good."""
    uid, epoch = request.session.get("uid"), request.session.get("epoch")
    if not isinstance(uid, int) or not isinstance(epoch, int):
        return None
    return await state(request).accounts.session_user(uid, epoch)


def create_app(
    store: CaseStore,
    *,
    desk: Desk,
    calendar: WorkCalendar,
    triage_context: Callable[[datetime], TriageContext],
    session: SessionOptions,
    redis: ArqRedis | None = None,
    throttle: LoginThrottle | None = None,
    auth_cache_s: float = 0.0,
    count_cache_s: float = 0.0,
) -> FastAPI:
    """The desk application over ``store``; ``auth_cache_s``: how long whom a session or
    token names is remembered (``desk.recent_users``), ``count_cache_s``: how long a
    queue page reuses its queue's open count."""
    from desk import api, pages, reports, reports_api

    listing = CaseListing(store.engine, count_cache_s=count_cache_s)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        listing.reader.close()

    app = FastAPI(
        title="importbio desk API",
        version="1",
        description=(
            "The officers' queues, cases, decisions, outbox and quarantine of the organic-"
            "import desk. Every operation needs an API token: `Authorization: Bearer <token>` "
            "(`importbio users token NAME`)."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.desk = DeskState(
        store=store,
        accounts=Accounts(store.engine, remember_s=auth_cache_s, reader=listing.reader),
        listing=listing,
        actions=DeskActions(store, desk=desk, calendar=calendar),
        announce=Announcer(redis),
        templates=templates(),
        triage_context=triage_context,
        throttle=throttle or LoginThrottle(),
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=session.secret,
        session_cookie=SESSION_COOKIE,
        max_age=session.max_age_s,
        same_site="strict",
        https_only=session.secure,
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

    @app.exception_handler(NotSignedIn)
    async def to_login(request: Request, exc: NotSignedIn) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(RefusedForm)
    async def refuse_form(request: Request, exc: RefusedForm) -> Response:
        audit.form_refused(
            path=request.url.path, client=request.client.host if request.client else "-"
        )
        return HTMLResponse(
            "<!DOCTYPE html><title>Refused</title><p>This form did not come from the desk, "
            "or its session ended. Go back, reload the page and try again.</p>",
            status_code=403,
        )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        """Alive and the store answers: the one address that needs no login."""
        try:
            async with store.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # the probe reports, the log of the store tells why
            return JSONResponse({"status": "store unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    app.include_router(api.router)
    app.include_router(reports_api.router)
    app.include_router(pages.router)
    app.include_router(reports.router)
    return app
