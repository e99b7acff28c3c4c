"""Settings from the environment (``IMPORTBIO_*``), checked once at start.

pydantic-settings reads and validates them; a wrong value stops the program with one
line naming the setting, never a traceback.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from intake.calendar import DEFAULT_CLOSING_DAYS, ClosingDay, WorkCalendar, local_date
from intake.parse.limits import ParseLimits
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import RulesError, TableSet
from intake.url_options import mask_password


class SettingsError(Exception):
    """A setting has a wrong value; the message is one line for the operator."""


class Settings(BaseSettings):
    """Every setting, with its environment variable ``IMPORTBIO_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="IMPORTBIO_", extra="ignore", frozen=True)

    var_dir: Path = Field(
        default=Path("var"),
        description="Folder for the embedded defaults: the Maildir inbox, the SQLite store, Redis.",
    )
    imap_url: SecretStr | None = Field(
        default=None,
        description=(
            "The desk's mailbox: imap://user:password@host:port/INBOX or imaps://... "
            "(options: ?starttls=1, ?processed=Folder, ?quarantine=Folder, ?auth=xoauth2). "
            "Unset: the Maildir inbox is read."
        ),
    )
    maildir: Path | None = Field(
        default=None,
        description="Maildir inbox read when no IMAP URL is set (default VAR_DIR/maildir).",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description=(
            "The case store: sqlite+aiosqlite:///path.db or postgresql+asyncpg://user:pw@host/db "
            "(default: SQLite in VAR_DIR/importbio.db)."
        ),
    )
    redis_url: SecretStr | None = Field(
        default=None,
        description=(
            "Redis for the job queues: redis://host:6379/0. Unset: `run` starts an embedded Redis."
        ),
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description=(
            "The relay for the desk's mail: smtp://host:25, smtp://user:pw@host:587?starttls=1, "
            "smtps://user:pw@host:465. Unset: mail is written as .eml files in VAR_DIR/sent."
        ),
    )
    desk_address: str = Field(
        default="importbio@lv.vlaanderen.be", description="The desk's address: From of its mail."
    )
    desk_name: str = Field(
        default="Departement Landbouw en Visserij - import bio",
        description="The desk's display name.",
    )
    desk_domains: str = Field(
        default="",
        description="More domains that are the desk's own (comma-separated): never answered.",
    )
    max_auto_per_sender_per_day: int = Field(
        default=5, ge=0, description="Automatic mails to one sender per day, at most."
    )
    templates_dir: Path | None = Field(
        default=None,
        description="Folder with the desk's own mail templates, overriding the shipped ones.",
    )
    mail_retry_hours: float = Field(
        default=72.0, gt=0, description="How long a temporarily failed mail is retried."
    )
    parse_workers: int | None = Field(
        default=None,
        ge=0,
        description="Processes that parse mail (default: one per CPU; 0 = in-process).",
    )
    batch_size: int = Field(default=100, gt=0, le=5000, description="Messages fetched per batch.")
    poll_interval_s: float = Field(
        default=60.0, gt=0, description="Safety poll of the mailbox, seconds."
    )
    log_format: Literal["json", "console"] = Field(
        default="json", description="Log lines as JSON or for a console."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Least severe level logged."
    )
    rules_dir: Path | None = Field(
        default=None,
        description="Folder with extra yearly extra-controls tables (extra_controls/YYYY.toml).",
    )
    closing_days: str = Field(
        default="07-11",
        description=(
            "Days the desk is closed besides weekends and Belgian public holidays: "
            "comma-separated MM-DD (every year) or YYYY-MM-DD (once). Empty for none."
        ),
    )
    cpu_budget_s: float = Field(default=10.0, gt=0, description="CPU seconds one message may take.")
    max_message_bytes: int = Field(
        default=64 * 1024 * 1024, gt=0, description="Largest message read whole."
    )
    # -- the officers' web desk (importbio web)
    web_host: str = Field(
        default="127.0.0.1", description="Address the web desk listens on (importbio web)."
    )
    web_port: int = Field(default=8000, ge=1, le=65535, description="Port of the web desk.")
    web_session_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Key that signs the desk's session cookies (32+ characters). Required unless the "
            "desk listens on loopback, where a random one per process is used."
        ),
    )
    web_secure_cookies: bool = Field(
        default=True,
        description="Send the session cookie only over HTTPS (off only for plain-HTTP tests).",
    )
    web_session_hours: float = Field(
        default=12.0, gt=0, le=24 * 30, description="How long a desk session lasts."
    )

    @field_validator("rules_dir", mode="before")
    @classmethod
    def _empty_rules_dir_is_none(cls, value: object) -> object:
        # An empty variable means "no operator folder", not the current directory.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("rules_dir")
    @classmethod
    def _check_rules_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"'{value}' is not a folder")
        try:
            extra_controls_tables(value)
        except RulesError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("imap_url")
    @classmethod
    def _check_imap_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            from intake.sources.imap import parse_imap_url

            parse_imap_url(value.get_secret_value())
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            normalise_database_url(value.get_secret_value())
        return value

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            from notify.smtp_url import parse_smtp_url

            parse_smtp_url(value.get_secret_value())
        return value

    @field_validator("desk_address")
    @classmethod
    def _check_desk_address(cls, value: str) -> str:
        from notify.desk import Desk

        Desk(address=value, name="desk", own_domains=frozenset())
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("redis://", "rediss://", "unix://")
        ):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    def triage_context(self, *, now: datetime | None = None) -> TriageContext:
        """What triage needs from the settings: calendar, yearly tables, limits; timing is
        judged as of ``now`` when given."""
        return TriageContext(
            reference_day=local_date(now) if now else date.today(),
            calendar=WorkCalendar(self.closing_day_list()),
            tables=extra_controls_tables(self.rules_dir),
            now=now,
            limits=ParseLimits(
                cpu_budget_s=self.cpu_budget_s, max_message_bytes=self.max_message_bytes
            ),
        )

    def store_url(self) -> str:
        """The SQLAlchemy URL of the case store."""
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{(self.var_dir / 'importbio.db').resolve()}"
        return normalise_database_url(self.database_url.get_secret_value())

    def maildir_path(self) -> Path:
        """The Maildir inbox used when no IMAP mailbox is configured."""
        return self.maildir if self.maildir is not None else self.var_dir / "maildir"

    def effective(self) -> dict[str, str]:
        """Every setting as the program uses it, secrets masked, for ``importbio config``."""
        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = mask_password(value.get_secret_value())
            shown[f"IMPORTBIO_{name.upper()}"] = "" if value is None else str(value)
        shown["(case store)"] = mask_password(self.store_url())
        shown["(inbox)"] = (
            mask_password(self.imap_url.get_secret_value())
            if self.imap_url
            else f"maildir {self.maildir_path()}"
        )
        return shown

    @field_validator("closing_days")
    @classmethod
    def _check_closing_days(cls, value: str) -> str:
        parse_closing_days(value)
        return value

    def closing_day_list(self) -> tuple[ClosingDay, ...]:
        """The configured closing days as values."""
        return parse_closing_days(self.closing_days)


@lru_cache(maxsize=4)
def extra_controls_tables(rules_dir: Path | None) -> TableSet:
    """The yearly tables shipped plus the operator's folder, read once per process."""
    return TableSet.load([rules_dir] if rules_dir else [])


def normalise_database_url(url: str) -> str:
    """The async-driver form of a store URL; ValueError for anything else."""
    for plain, async_form in (
        ("sqlite:///", "sqlite+aiosqlite:///"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            url = async_form + url[len(plain) :]
    if not url.startswith(("sqlite+aiosqlite:///", "postgresql+asyncpg://")):
        raise ValueError("must be sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")
    return url


def parse_closing_days(value: str) -> tuple[ClosingDay, ...]:
    """``"07-11, 2026-12-24"`` → closing days; raises ValueError on a bad item."""
    days: list[ClosingDay] = []
    defaults = {(d.month, d.day): d.name for d in DEFAULT_CLOSING_DAYS}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        pieces = item.split("-")
        try:
            if len(pieces) == 3:
                once = date.fromisoformat(item)
                days.append(ClosingDay(once.month, once.day, once.year, "closing day"))
                continue
            if len(pieces) == 2:
                month, day = int(pieces[0]), int(pieces[1])
                date(2000, month, day)  # validates, 2000 being a leap year
                days.append(ClosingDay(month, day, None, defaults.get((month, day), "closing day")))
                continue
        except ValueError:
            pass
        raise ValueError(f"'{item}' is not MM-DD or YYYY-MM-DD")
    return tuple(days)


def load_settings() -> Settings:
    """The settings from the environment, or ``SettingsError`` with one clear line."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "IMPORTBIO_" + str(first["loc"][0]).upper() if first["loc"] else "IMPORTBIO_*"
        raise SettingsError(f"{name}: {first['msg']}") from None
