"""The report pages' figures in the JSON API: statistics, the PRFC list, sampling shares."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from desk.api import _REFUSED, Officer, State, bounded_day
from desk.prfc_list import PrfcList
from desk.reports import statistics_range, year_shares
from desk.statistics import Granularity
from desk.statistics_query import DeskStatistics
from importbio.sampling_view import share_summary
from intake.calendar import BRUSSELS

router = APIRouter(prefix="/api", tags=["reports"])


class PeriodOut(BaseModel):
    """What happened at the desk in one week or month."""

    period: str
    first_day: date
    last_day: date
    arrived_by_kind: dict[str, int]
    arrived_by_queue: dict[str, int]
    incomplete_on_arrival: int
    late: int
    too_early: int
    decided_by_outcome: dict[str, int]
    final_decisions: int
    median_hours_to_decision: float | None
    p90_hours_to_decision: float | None
    reminders_sent: int
    bounces: int


class PointOut(BaseModel):
    """A version of a point of release for free circulation."""

    id: int
    case_id: int
    company: str
    address: str
    confirmed_at: datetime
    confirmed_by: str
    listed_from: datetime
    corrected_by: str | None
    state: str
    until: datetime | None
    withdrawn_by: str | None
    withdrawal_reason: str | None


class ShareOut(BaseModel):
    """A table row's sampling share in a calendar year."""

    year: int
    origin: str
    product: str
    required_share_pct: int
    seen: int
    sampled: int
    recommended_open: int
    achieved_share_pct: float | None
    meets_minimum: bool
    short_by: int


@router.get("/statistics", response_model=list[PeriodOut], responses=_REFUSED)
async def statistics(
    user: Officer,
    desk: State,
    period: Granularity = Granularity.MONTH,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
) -> list[PeriodOut]:
    """Desk statistics per ISO week or month (default: the last 12 months)."""
    asked = statistics_range(
        period,
        bounded_day(first, "from"),
        bounded_day(last, "to"),
        today=datetime.now(BRUSSELS).date(),
    )
    rows = await DeskStatistics(desk.store.engine).figures(
        asked.first, asked.last, asked.granularity
    )
    return [
        PeriodOut(
            period=f.period.label,
            first_day=f.period.first,
            last_day=f.period.last,
            arrived_by_kind=f.by_kind,
            arrived_by_queue=f.by_queue,
            incomplete_on_arrival=f.incomplete,
            late=f.late,
            too_early=f.too_early,
            decided_by_outcome=f.by_outcome,
            final_decisions=f.decided_final,
            median_hours_to_decision=f.median_hours,
            p90_hours_to_decision=f.p90_hours,
            reminders_sent=f.reminders,
            bounces=f.bounces,
        )
        for f in rows
    ]


@router.get("/prfc", response_model=list[PointOut], responses=_REFUSED)
async def prfc(
    user: Officer,
    desk: State,
    on: Annotated[date | None, Query(description="The list as it stood on this day.")] = None,
    history: Annotated[bool, Query(description="Every version, not only the list.")] = False,
) -> list[PointOut]:
    """The points of release for free circulation (as listed now, on a day, or history)."""
    listing = PrfcList(desk.store.engine)
    points = await listing.history() if history else await listing.on(bounded_day(on, "on"))
    return [
        PointOut(
            id=p.id,
            case_id=p.case_id,
            company=p.company,
            address=p.address,
            confirmed_at=p.confirmed_at,
            confirmed_by=p.confirmed_by,
            listed_from=p.valid_from,
            corrected_by=p.changed_by,
            state=p.state.value,
            until=p.superseded_at,
            withdrawn_by=p.withdrawn_by,
            withdrawal_reason=p.withdrawal_reason,
        )
        for p in points
    ]


@router.get("/sampling", response_model=list[ShareOut], responses=_REFUSED)
async def sampling(
    user: Officer,
    desk: State,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[ShareOut]:
    """Each extra-controls row's achieved sampling share beside the required one."""
    shares, _ = await year_shares(desk, year or datetime.now(BRUSSELS).year)
    return [ShareOut(**share_summary(s)) for s in shares]
