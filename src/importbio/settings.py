"""Settings from the environment (``IMPORTBIO_*``), checked once at start.

pydantic-settings reads and validates them; a wrong value stops the program with one
line naming the setting, never a traceback.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from intake.calendar import DEFAULT_CLOSING_DAYS, ClosingDay, WorkCalendar, local_date
from intake.parse.limits import ParseLimits
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import RulesError, TableSet
from intake.url_options import mask_password

if TYPE_CHECKING:
    from notify.reminders.config import ReminderConfig


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
    batch_size: int = Field(
        default=500,
        gt=0,
        le=5000,
        description="Most messages read per batch (and moved out of the inbox together).",
    )
    batch_max_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024 * 1024,
        description="Most bytes of mail read per batch (a batch holds one message at least).",
    )
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
    # -- sender authentication --
    auth_verify: bool = Field(
        default=True,
        description="Verify each sender's DKIM, SPF and DMARC alignment before triage (DNS).",
    )
    auth_trusted_authserv_ids: str = Field(
        default="",
        description=(
            "authserv-id(s) of the desk's own mail server (comma-separated): its "
            "Authentication-Results and Received headers are trusted, all others ignored."
        ),
    )
    auth_dns_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Time the sender checks of one message may take, DNS look-ups included.",
    )

    @field_validator("auth_trusted_authserv_ids")
    @classmethod
    def _check_authserv_ids(cls, value: str) -> str:
        for item in (part.strip() for part in value.split(",")):
            if item and not all(c.isalnum() or c in ".-_" for c in item):
                raise ValueError(f"'{item}' is not a host name")
        return value

    def trusted_authserv_ids(self) -> frozenset[str]:
        """The configured authserv-ids, lower case."""
        parts = self.auth_trusted_authserv_ids.split(",")
        return frozenset(p.strip().lower() for p in parts if p.strip())

    # -- the schedule: reminders, window notices, escalations, digests --------------------
    schedule_window_open: str = Field(
        default="07:00",
        description="When early cases whose check window opened move on and importers are told "
        "(HH:MM Brussels time on working days, or off).",
    )
    schedule_escalation: str = Field(
        default="07:30",
        description="When undecided cases arriving within the escalation lead are escalated "
        "(HH:MM or off).",
    )
    schedule_requests: str = Field(
        default="07:45",
        description="When unanswered PRFC and account requests are escalated (HH:MM or off).",
    )
    schedule_digest: str = Field(
        default="08:00", description="When each officer group gets its digest (HH:MM or off)."
    )
    schedule_missing_documents: str = Field(
        default="09:00",
        description="When importers are reminded of missing documents (HH:MM or off).",
    )
    remind_missing_lead_days: int = Field(
        default=3,
        ge=1,
        le=20,
        description="Working days before the ETA on which missing documents are reminded.",
    )
    escalate_lead_days: int = Field(
        default=1,
        ge=0,
        le=10,
        description="An undecided case is escalated when its ETA is within these working days.",
    )
    escalate_requests_after_days: int = Field(
        default=3,
        ge=1,
        le=60,
        description="Working days a PRFC or account request may wait before it is escalated.",
    )
    officer_groups: str = Field(
        default="",
        description="Officer groups for digests and escalations: NAME=QUEUE,...:ADDRESS,... "
        "separated by ';'. Empty: no officer mail.",
    )
    scheduler_misfire_grace_s: float = Field(
        default=3600.0,
        gt=0,
        description="A run missed by more than this (the scheduler was down) is dropped.",
    )
    scheduler_lock_ttl_s: float = Field(
        default=30.0,
        ge=3,
        le=600,
        description="Time-to-live of the scheduler's leadership lock in Redis (renewed at a "
        "third of it).",
    )

    @field_validator(
        "schedule_window_open",
        "schedule_escalation",
        "schedule_requests",
        "schedule_digest",
        "schedule_missing_documents",
    )
    @classmethod
    def _check_job_time(cls, value: str) -> str:
        from notify.reminders.config import parse_job_time

        parse_job_time(value)
        return value

    @field_validator("officer_groups")
    @classmethod
    def _check_officer_groups(cls, value: str, info: ValidationInfo) -> str:
        from notify.reminders.config import parse_officer_groups

        # desk_address is declared earlier, so it is validated (or missing when it failed)
        parse_officer_groups(value, desk_address=str(info.data.get("desk_address", "")))
        return value

    def reminder_config(self) -> ReminderConfig:
        """The schedule as a value."""
        from notify.reminders.config import (
            JobName,
            ReminderConfig,
            parse_job_time,
            parse_officer_groups,
        )

        times = {
            JobName.WINDOW_OPEN: parse_job_time(self.schedule_window_open),
            JobName.ESCALATION: parse_job_time(self.schedule_escalation),
            JobName.REQUESTS: parse_job_time(self.schedule_requests),
            JobName.DIGEST: parse_job_time(self.schedule_digest),
            JobName.MISSING_DOCUMENTS: parse_job_time(self.schedule_missing_documents),
        }
        return ReminderConfig(
            times=times,
            missing_lead_working_days=self.remind_missing_lead_days,
            escalation_lead_working_days=self.escalate_lead_days,
            requests_after_working_days=self.escalate_requests_after_days,
            groups=parse_officer_groups(self.officer_groups, desk_address=self.desk_address),
            misfire_grace_s=self.scheduler_misfire_grace_s,
            lock_ttl_s=self.scheduler_lock_ttl_s,
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

    # -- operations: the ops HTTP endpoint and health checks ---------------------------
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description=(
            "Port of the ops HTTP endpoint (/metrics, /healthz, /readyz) each long-running "
            "process serves. Unset: none."
        ),
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="Address the ops endpoint listens on (0.0.0.0 inside a container).",
    )
    metrics_cache_s: float = Field(
        default=5.0,
        ge=0,
        description="How long queue depths and outbox counts read from the store are reused.",
    )
    health_timeout_s: float = Field(
        default=5.0,
        gt=0,
        description="Seconds each health or readiness check may take before it fails.",
    )

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _empty_metrics_port_is_none(cls, value: object) -> object:
        # An empty variable (as an env file leaves it) means "no endpoint".
        return None if isinstance(value, str) and not value.strip() else value

    # -- the web desk's speed ------------------------------------------------------------
    web_auth_cache_s: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description=(
            "How long the desk remembers whom a session or API token names (0: ask the store "
            "on every request). Disabling or resetting an account through the desk's process "
            "forgets at once; `importbio users disable` from another process is seen within "
            "this many seconds."
        ),
    )
    web_count_cache_s: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description=(
            "How long a queue page reuses its queue's open count (0: counted on every page)."
        ),
    )


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
