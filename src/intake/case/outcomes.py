"""What taking a message into the case store did."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TakeStatus(StrEnum):
    """What ``take`` did with a message."""

    NEW_CASE = "new_case"
    ATTACHED = "attached"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class TakeOutcome:
    """The result of taking one message. ``version`` is set when a check must be placed."""

    status: TakeStatus
    case_id: int | None
    version: int | None = None
    outgoing: tuple[int, ...] = ()
