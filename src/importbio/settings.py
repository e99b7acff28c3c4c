"""Settings from the environment (``IMPORTBIO_*``), checked once at start.

pydantic-settings reads and validates them; a wrong value stops the program with one
line naming the setting, never a traceback.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from intake.calendar import DEFAULT_CLOSING_DAYS, ClosingDay


class SettingsError(Exception):
    """A setting has a wrong value; the message is one line for the operator."""


class Settings(BaseSettings):
    """Every setting, with its environment variable ``IMPORTBIO_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="IMPORTBIO_", extra="ignore", frozen=True)

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

    @field_validator("closing_days")
    @classmethod
    def _check_closing_days(cls, value: str) -> str:
        parse_closing_days(value)
        return value

    def closing_day_list(self) -> tuple[ClosingDay, ...]:
        """The configured closing days as values."""
        return parse_closing_days(self.closing_days)


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
