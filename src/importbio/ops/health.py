"""Health and readiness checks: the case store's schema, Redis, the mailbox, the SMTP relay.

Each check returns a ``CheckResult`` (never raises) within ``timeout_s``. ``readiness`` is
what a process needs to do its work (the store at its schema, Redis answering): the ops
endpoint's ``/readyz`` and the web desk's use it. ``health`` adds the outside world the desk
talks to (the mailbox and the relay): ``importbio health``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from importbio.settings import Settings
from intake.case.store import CaseStore
from intake.url_options import mask_password


class CheckStatus(StrEnum):
    """How one check came out."""

    OK = "ok"
    FAIL = "fail"


class CheckName(StrEnum):
    """The things a check looks at."""

    STORE = "store"
    REDIS = "redis"
    MAILBOX = "mailbox"
    SMTP = "smtp"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check: what, how it came out, one line of detail, and how long it took."""

    name: CheckName
    status: CheckStatus
    detail: str
    duration_s: float

    @property
    def ok(self) -> bool:
        """True when the check passed."""
        return self.status is CheckStatus.OK

    def as_dict(self) -> dict[str, Any]:
        """The check as JSON-ready values."""
        values = asdict(self)
        values["duration_s"] = round(self.duration_s, 4)
        return values


async def _timed(
    name: CheckName, timeout_s: float, probe: Callable[[], Awaitable[str]]
) -> CheckResult:
    """Run ``probe`` (it returns the OK detail, or raises) with a deadline."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s):
            detail = await probe()
        status = CheckStatus.OK
    except TimeoutError:
        status, detail = CheckStatus.FAIL, f"no answer within {timeout_s:g} s"
    except Exception as exc:  # a health check reports every failure, it never raises
        status, detail = CheckStatus.FAIL, _one_line(exc)
    return CheckResult(name, status, detail, time.perf_counter() - started)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return mask_password(text)[:300]


async def check_store(
    settings: Settings, *, store: CaseStore | None = None, timeout_s: float | None = None
) -> CheckResult:
    """The case store answers and is at the schema this version needs."""
    from importbio.runtime import check_schema, open_store

    async def probe() -> str:
        if store is not None:
            return await check_schema(store)
        opened = await open_store(settings, migrate=False)
        try:
            return await check_schema(opened)
        finally:
            await opened.close()

    return await _timed(CheckName.STORE, timeout_s or settings.health_timeout_s, probe)


async def check_redis(settings: Settings, *, timeout_s: float | None = None) -> CheckResult:
    """Redis answers PING."""
    from redis.asyncio import Redis

    async def probe() -> str:
        if settings.redis_url is None:
            raise RuntimeError("IMPORTBIO_REDIS_URL is not set")
        url = settings.redis_url.get_secret_value()
        client = Redis.from_url(url, socket_connect_timeout=settings.health_timeout_s)
        try:
            await client.ping()
        finally:
            await client.aclose()
        return f"{mask_password(url)} answers"

    return await _timed(CheckName.REDIS, timeout_s or settings.health_timeout_s, probe)


async def check_mailbox(settings: Settings, *, timeout_s: float | None = None) -> CheckResult:
    """The IMAP mailbox takes the login and selects (or the Maildir is there and writable)."""

    async def probe() -> str:
        if settings.imap_url is not None:
            from dataclasses import replace

            from intake.sources.imap import ImapSource, parse_imap_url

            config = parse_imap_url(settings.imap_url.get_secret_value())
            source = ImapSource(replace(config, timeout_s=min(config.timeout_s, budget)))
            await source.check()
            return f"{config.host}:{config.port} {config.mailbox} selected"
        path = settings.maildir_path()
        missing = [sub for sub in ("new", "cur", "tmp") if not (path / sub).is_dir()]
        if missing:
            raise RuntimeError(f"{path} is not a Maildir (no {', '.join(missing)})")
        if not os.access(path / "new", os.W_OK | os.X_OK):
            raise RuntimeError(f"{path}/new is not writable")
        return f"Maildir {path}"

    budget = timeout_s or settings.health_timeout_s
    return await _timed(CheckName.MAILBOX, budget, probe)


async def check_smtp(settings: Settings, *, timeout_s: float | None = None) -> CheckResult:
    """The SMTP relay accepts a connection and the greeting (or the sent folder is writable)."""

    async def probe() -> str:
        if settings.smtp_url is None:
            folder = (settings.var_dir / "sent").resolve()
            target = folder
            while not target.exists():  # FolderTransport creates the missing folders
                target = target.parent
            if not os.access(target, os.W_OK | os.X_OK):
                raise RuntimeError(f"{folder} is not writable (no SMTP relay is set)")
            return f"no relay: mail is written to {folder}"
        from dataclasses import replace

        from notify.sender import SmtpSender
        from notify.smtp_url import parse_smtp_url

        config = parse_smtp_url(settings.smtp_url.get_secret_value())
        sender = SmtpSender(replace(config, timeout_s=min(config.timeout_s, budget)))
        failure = await sender.check()
        if failure is not None:
            raise RuntimeError(f"{failure.code or ''} {failure.detail}".strip())
        return f"{config.host}:{config.port} greets"

    budget = timeout_s or settings.health_timeout_s
    return await _timed(CheckName.SMTP, budget, probe)


async def readiness(settings: Settings, *, store: CaseStore | None = None) -> list[CheckResult]:
    """What a process needs to work: the store at its schema and Redis (when one is set)."""
    checks: list[Awaitable[CheckResult]] = [check_store(settings, store=store)]
    if settings.redis_url is not None:
        checks.append(check_redis(settings))
    return list(await asyncio.gather(*checks))


async def health(settings: Settings) -> list[CheckResult]:
    """Every check: store, Redis, mailbox, SMTP relay, run at once."""
    return list(
        await asyncio.gather(
            check_store(settings),
            check_redis(settings),
            check_mailbox(settings),
            check_smtp(settings),
        )
    )


def all_ok(results: Sequence[CheckResult]) -> bool:
    """True when every check passed."""
    return all(result.ok for result in results)


def render(results: Sequence[CheckResult]) -> str:
    """One line per check, for a person."""
    width = max(len(result.name) for result in results)
    return "\n".join(
        f"{result.status.value:<4} {result.name.value:<{width}}  {result.detail}"
        f" ({result.duration_s * 1000:.0f} ms)"
        for result in results
    )
