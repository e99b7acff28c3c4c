"""The desk statistics' pure parts: periods, percentiles, counting, CSV cells, SVG charts."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from desk.charts import Series, bar_chart, nice_ceiling
from desk.csv_export import read_csv, safe_cell, write_csv
from desk.statistics import (
    Arrival,
    Decided,
    Granularity,
    Mailed,
    figures,
    percentile,
    period_of,
    periods,
)


def test_iso_weeks_and_months_cross_year_ends() -> None:
    """A day belongs to its ISO week (whose year may differ) and its calendar month."""
    assert period_of(date(2021, 1, 3), Granularity.WEEK).label == "2020-W53"
    week = period_of(date(2023, 2, 15), Granularity.WEEK)
    assert (week.label, week.first, week.last) == ("2023-W07", date(2023, 2, 13), date(2023, 2, 19))
    month = period_of(date(2024, 2, 10), Granularity.MONTH)
    assert (month.label, month.first, month.last) == (
        "2024-02",
        date(2024, 2, 1),
        date(2024, 2, 29),
    )
    assert [p.label for p in periods(date(2023, 11, 30), date(2024, 1, 2), Granularity.MONTH)] == [
        "2023-11",
        "2023-12",
        "2024-01",
    ]


def test_percentile_is_by_nearest_rank() -> None:
    """p90 is the smallest value at least 90 % of the values do not exceed."""
    assert percentile([], 90) is None
    assert percentile([7.0], 90) == 7.0
    assert percentile([float(v) for v in range(1, 11)], 90) == 9.0
    assert percentile([float(v) for v in range(1, 12)], 90) == 10.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0


def test_figures_count_each_period_and_keep_empty_ones() -> None:
    """Arrivals, decisions, reminders and bounces land in their period; empty periods stay;
    anything outside the range is left out."""
    rows = figures(
        [
            Arrival(date(2023, 1, 5), "notification", "check", False, False, False),
            Arrival(date(2023, 1, 6), "notification", "incomplete", True, True, False),
            Arrival(date(2023, 3, 1), "account", "account", False, False, False),
            Arrival(date(2022, 12, 31), "notification", "check", False, False, False),
        ],
        [
            Decided(date(2023, 1, 9), "release_organic", 10.0),
            Decided(date(2023, 1, 10), "rejected", 30.0),
            Decided(date(2023, 1, 11), "documents_requested", None),
        ],
        [Mailed(date(2023, 1, 7), True), Mailed(date(2023, 3, 2), False)],
        first=date(2023, 1, 1),
        last=date(2023, 3, 31),
        granularity=Granularity.MONTH,
    )
    january, february, march = rows
    assert (january.notifications, january.incomplete, january.late) == (2, 1, 1)
    assert january.by_queue == {"check": 1, "incomplete": 1}
    assert january.by_outcome == {"release_organic": 1, "rejected": 1, "documents_requested": 1}
    assert (january.median_hours, january.p90_hours, january.decided_final) == (20.0, 30.0, 2)
    assert (january.reminders, january.bounces) == (1, 0)
    assert (february.arrivals, february.decisions, february.median_hours) == (0, 0, None)
    assert (march.by_kind, march.bounces) == ({"account": 1}, 1)


@given(st.lists(st.lists(st.text(max_size=20), min_size=3, max_size=3), max_size=5))
def test_csv_round_trips_any_text(rows: list[list[str]]) -> None:
    """What ``write_csv`` writes, ``read_csv`` reads back unchanged, formulas included."""
    header = ("a", "b", "c")
    assert read_csv(write_csv(header, rows)) == [dict(zip(header, r, strict=True)) for r in rows]


def test_cells_that_would_be_formulas_are_neutralised() -> None:
    """A cell starting like a spreadsheet formula gets a leading apostrophe."""
    assert [safe_cell(v) for v in ("=1+1", "+32", "-x", "@SUM", "'q", "ok", None, 3)] == [
        "'=1+1",
        "'+32",
        "'-x",
        "'@SUM",
        "''q",
        "ok",
        "",
        "3",
    ]


def test_charts_escape_names_and_scale_to_a_round_ceiling() -> None:
    """Series names and labels are escaped; the axis tops at 1, 2 or 5 times ten to a power;
    bars carry their figure as a title."""
    svg = str(
        bar_chart(
            "<b>t</b>",
            ["2023-01", "<i>"],
            [Series("<script>x</script>", (3.0, 4.0)), Series("zero", (0.0, None))],
            stacked=True,
        )
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&lt;i&gt;" in svg
    assert "zero" not in svg  # a series without a figure is left out of bars and legend
    assert svg.count("<rect") == 3  # two bars and one legend swatch
    assert (nice_ceiling(0), nice_ceiling(3), nice_ceiling(11), nice_ceiling(0.3)) == (
        1.0,
        5.0,
        20.0,
        0.5,
    )
