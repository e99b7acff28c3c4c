"""The desk's report pages: desk statistics, the PRFC list, sampling shares.

Read-only pages for every officer (with CSV and a printable list); correcting or
withdrawing a listed point of release is for admins, through CSRF-checked forms.
Charts are inline SVG drawn on the server, so the pages stay free of script.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from desk.charts import Series, bar_chart
from desk.pages import MAX_YEAR, MIN_YEAR, Form, Officer, State, _day, _field, problem, render
from desk.prfc_list import ListedPoint, PrfcList, PrfcListError, list_csv
from desk.statistics import (
    CSV_KINDS,
    CSV_OUTCOMES,
    CSV_QUEUES,
    Granularity,
    PeriodFigures,
    figures_csv,
)
from desk.statistics_query import DeskStatistics
from intake.calendar import BRUSSELS
from intake.case.sampling import Share

router = APIRouter(include_in_schema=False)
DEFAULT_MONTHS, DEFAULT_WEEKS = 12, 13


@dataclass(frozen=True, slots=True)
class StatisticsRange:
    """The periods a statistics request asks for."""

    granularity: Granularity
    first: date
    last: date


def statistics_range(
    granularity: Granularity, first: date | None, last: date | None, *, today: date
) -> StatisticsRange:
    """The asked range, or by default the last 12 months (13 weeks) up to ``today``."""
    to = last or today
    start = first
    if start is None:
        if granularity is Granularity.MONTH:
            months = to.year * 12 + to.month - 1 - (DEFAULT_MONTHS - 1)
            start = date(months // 12, months % 12 + 1, 1)
        else:
            start = to - timedelta(weeks=DEFAULT_WEEKS - 1)
    if start > to:
        start, to = to, start
    return StatisticsRange(granularity, start, to)


def charts(rows: list[PeriodFigures]) -> dict[str, object]:
    """The statistics page's charts, one per measure."""
    labels = [f.period.label for f in rows]

    def per(values: list[float | None], name: str) -> Series:
        return Series(name, tuple(values))

    return {
        "arrivals": bar_chart(
            "Mails that opened a case, by kind",
            labels,
            [per([f.by_kind.get(k, 0) for f in rows], k) for k in CSV_KINDS],
            stacked=True,
        ),
        "queues": bar_chart(
            "Arrivals by the queue triage gave them",
            labels,
            [per([f.by_queue.get(q, 0) for f in rows], q) for q in CSV_QUEUES],
            stacked=True,
        ),
        "timing": bar_chart(
            "Notifications incomplete on arrival, late, too early",
            labels,
            [
                per([f.incomplete for f in rows], "incomplete"),
                per([f.late for f in rows], "late"),
                per([f.too_early for f in rows], "too early"),
            ],
            stacked=False,
        ),
        "outcomes": bar_chart(
            "Decisions by outcome",
            labels,
            [per([f.by_outcome.get(d, 0) for f in rows], d) for d in CSV_OUTCOMES],
            stacked=True,
        ),
        "hours": bar_chart(
            "Hours from notification to final decision",
            labels,
            [
                per([f.median_hours for f in rows], "median"),
                per([f.p90_hours for f in rows], "90th percentile"),
            ],
            stacked=False,
            unit=" h",
        ),
        "mail": bar_chart(
            "Reminders sent and bounces",
            labels,
            [
                per([f.reminders for f in rows], "reminders"),
                per([f.bounces for f in rows], "bounces"),
            ],
            stacked=False,
        ),
    }


def _today() -> date:
    return datetime.now(BRUSSELS).date()


async def _figures(request: Request, desk: State) -> tuple[StatisticsRange, list[PeriodFigures]]:
    params = request.query_params
    period = params.get("period")
    asked = statistics_range(
        Granularity(period) if period in set(Granularity) else Granularity.MONTH,
        _day(params.get("from")),
        _day(params.get("to")),
        today=_today(),
    )
    rows = await DeskStatistics(desk.store.engine).figures(
        asked.first, asked.last, asked.granularity
    )
    return asked, rows


@router.get("/statistics")
async def statistics_page(request: Request, user: Officer, desk: State) -> Response:
    """Desk statistics per week or month, as tables and inline SVG charts."""
    asked, rows = await _figures(request, desk)
    return render(
        request,
        "statistics.html",
        user,
        asked=asked,
        rows=rows,
        charts=charts(rows),
        outcomes=CSV_OUTCOMES,
        kinds=CSV_KINDS,
        granularities=list(Granularity),
    )


@router.get("/statistics.csv")
async def statistics_csv(request: Request, user: Officer, desk: State) -> Response:
    """The same figures as CSV, one row a period."""
    asked, rows = await _figures(request, desk)
    name = f"desk-statistics-{asked.granularity.value}-{asked.first}-{asked.last}.csv"
    return _csv(figures_csv(rows), name)


def _csv(text: str, filename: str) -> Response:
    return Response(
        text.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- the PRFC list -----------------------------------------------------------------------


def _on(request: Request) -> tuple[date | None, str | None]:
    """The ``on`` day asked for, or why it cannot be read."""
    value = request.query_params.get("on")
    if not value:
        return None, None
    day = _day(value[:20])
    return (day, None) if day else (None, "The date must be YYYY-MM-DD.")


async def _points(request: Request, desk: State) -> tuple[date | None, list[ListedPoint], str]:
    day, error = _on(request)
    return day, await PrfcList(desk.store.engine).on(day), error or ""


@router.get("/prfc")
async def prfc_page(request: Request, user: Officer, desk: State) -> Response:
    """The list of points of release (as it stands, or on a day) with its history."""
    day, points, error = await _points(request, desk)
    if error:
        return problem(request, user, error, 400)
    return render(
        request,
        "prfc.html",
        user,
        day=day,
        points=points,
        history=await PrfcList(desk.store.engine).history() if day is None else [],
    )


@router.get("/prfc/print")
async def prfc_print(request: Request, user: Officer, desk: State) -> Response:
    """The list as a printable page ('Punten van vrijgave'), dated."""
    day, points, error = await _points(request, desk)
    if error:
        return problem(request, user, error, 400)
    return render(request, "prfc_print.html", user, day=day or _today(), points=points)


@router.get("/prfc.csv")
async def prfc_csv(request: Request, user: Officer, desk: State) -> Response:
    """The list as CSV (as it stands, or on a day)."""
    day, points, error = await _points(request, desk)
    if error:
        return problem(request, user, error, 400)
    return _csv(list_csv(points), f"punten-van-vrijgave-{day or _today()}.csv")


@router.post("/prfc/{point_id}/correct")
async def prfc_correct(
    request: Request, point_id: int, form: Form, user: Officer, desk: State
) -> Response:
    """Correct a listed point's company or address (admins only)."""
    if not user.is_admin:
        return problem(request, user, "Only an admin corrects the list.", 403)
    try:
        await PrfcList(desk.store.engine).correct(
            point_id,
            company=_field(form, "company", 400),
            address=_field(form, "address", 2100),
            by=user.name,
            now=datetime.now(UTC),
        )
    except PrfcListError as exc:
        return problem(request, user, str(exc), 409)
    return RedirectResponse("/prfc", status_code=303)


@router.post("/prfc/{point_id}/withdraw")
async def prfc_withdraw(
    request: Request, point_id: int, form: Form, user: Officer, desk: State
) -> Response:
    """Take a point off the list, with the reason (admins only)."""
    if not user.is_admin:
        return problem(request, user, "Only an admin withdraws a point of release.", 403)
    try:
        await PrfcList(desk.store.engine).withdraw(
            point_id, reason=_field(form, "reason", 2100), by=user.name, now=datetime.now(UTC)
        )
    except PrfcListError as exc:
        return problem(request, user, str(exc), 409)
    return RedirectResponse("/prfc", status_code=303)


# -- sampling shares ---------------------------------------------------------------------


async def year_shares(desk: State, year: int) -> tuple[list[Share], str]:
    """A year's sampling shares per table row, and which table applies."""
    table = desk.triage_context(datetime.now(UTC)).tables.for_day(date(year, 12, 31))
    # an older table keeps applying until a newer one is loaded, as in triage
    rows = table.rows if table is not None else ()
    note = f"table {table.year}" if table is not None else "no table loaded"
    return await desk.store.sampling_shares(year, rows), note


@router.get("/sampling")
async def sampling_page(request: Request, user: Officer, desk: State) -> Response:
    """Per table row: consignments seen and sampled, the achieved share beside the
    required one, for a calendar year."""
    value = request.query_params.get("year", "")
    year = int(value) if value.isdigit() and MIN_YEAR <= int(value) <= MAX_YEAR else _today().year
    shares, note = await year_shares(desk, year)
    return render(request, "sampling.html", user, year=year, shares=shares, table_note=note)
