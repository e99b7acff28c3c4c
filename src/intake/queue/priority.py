"""The order of cases on an officer queue: earliest arrival first, then the riskiest.

A lower number comes first. Cases without an ETA go after every dated case (an
officer can do nothing about their timing yet), oldest first among themselves.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from intake.codes import Flag

_RISK_POINTS: dict[Flag, int] = {
    Flag.EXTRA_CONTROLS: 40,
    Flag.LATE: 30,
    Flag.NON_EU_PARTY: 30,
    Flag.ORGANIC_CLAIM_WITHOUT_COI: 20,
    Flag.ATTACHMENT_TYPE_MISMATCH: 15,
    Flag.COI_INVALID: 15,
    Flag.MULTIPLE_COI: 10,
    Flag.PROFORMA_INVOICE: 10,
    Flag.COI_NOT_IN_SUBJECT: 5,
    Flag.DOCUMENTS_IN_TRACES: 5,
    Flag.SENDER_UNVERIFIED: 30,
    Flag.SAMPLING_RECOMMENDED: 10,
}
_MAX_RISK = 999
_EPOCH = date(2000, 1, 1)
_NO_ETA_DAYS = 80_000  # after any real ETA; keeps the key within a 64-bit integer


def risk_score(flags: Collection[Flag]) -> int:
    """How much the flags call for attention, 0 to 999."""
    return min(_MAX_RISK, sum(_RISK_POINTS.get(flag, 0) for flag in flags))


def priority(*, eta: date | None, risk: int, created_at: datetime) -> int:
    """Sort key: ETA day, then higher risk, then the older case. Lower comes first."""
    days = min(max((eta - _EPOCH).days, 0), _NO_ETA_DAYS) if eta else _NO_ETA_DAYS
    age_s = int(created_at.timestamp()) % 10**10
    return (days * (_MAX_RISK + 1) + (_MAX_RISK - min(risk, _MAX_RISK))) * 10**10 + age_s
