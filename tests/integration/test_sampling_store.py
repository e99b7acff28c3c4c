"""Sampling shares in the case store: a simulated year of extra-controls cases taken in and
decided, the recommendation in each case's reasons, and ``importbio sampling``."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from intake.calendar import WorkCalendar
from intake.case.migrate import upgrade
from intake.case.sampling import required
from intake.case.store import CaseStore, connect
from intake.codes import Flag, Queue
from intake.report import ExtraControlsOut
from intake.triage.rules.extra_controls import TableSet
from tests.support.notify import make_report

pytestmark = pytest.mark.integration

START = datetime.fromisoformat("2023-01-02T09:00:00+01:00")
GINGER = ExtraControlsOut(
    year=2023, origin="CN", product="ginger", cn_codes=["0910.11.00"], min_share_pct=10,
    evidence="test",
)  # fmt: skip
TEA = ExtraControlsOut(
    year=2023, origin="CN", product="tea", cn_codes=["0902.20.00"], min_share_pct=20,
    evidence="test",
)  # fmt: skip
IMPORTBIO = Path(sys.executable).parent / "importbio"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[CaseStore]:
    """A migrated SQLite case store."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cases.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    opened = CaseStore(connect(url), calendar=WorkCalendar())
    try:
        yield opened
    finally:
        await opened.close()


async def take_case(
    store: CaseStore, number: int, rows: list[ExtraControlsOut], now: datetime
) -> int:
    """Take in a new extra-controls notification; its case id."""
    coi = f"COI.CN.2023.{number:07d}"
    raw = f"Subject: {coi}\r\n\r\nconsignment {number}\r\n".encode()
    report = make_report(
        sha256=hashlib.sha256(raw).hexdigest(),
        message_id=f"<n{number}@importer.example>",
        subject=coi,
        coi_references=[coi],
        eta=now.date() + timedelta(days=3),
        extra_controls=rows,
        flags=[Flag.EXTRA_CONTROLS],
        queue=Queue.EXTRA_CONTROLS,
    )
    outcome = await store.take(raw, report, source_ref=f"t{number}", now=now)
    assert outcome.case_id is not None
    return outcome.case_id


async def test_a_simulated_year_keeps_every_row_above_its_minimum(store: CaseStore) -> None:
    """Cases of two rows arrive over a year; officers sample the recommended ones and release
    the rest: at every point each row's sampled share is above its minimum. While each case
    falls under one row and officers add no samples of their own, no more were sampled than
    the minimum needs; later a case may fall under both rows (one sample counts for both)
    and officers now and then sample one more, and every row stays above its minimum."""
    rng = random.Random(2023)
    table = TableSet.load().for_day(date(2023, 6, 1))
    assert table is not None
    for number in range(1, 121):
        now = START + timedelta(days=number * 3 - 3)
        first_half = number <= 60
        rows = rng.choice([[GINGER], [TEA]] if first_half else [[GINGER], [TEA], [GINGER, TEA]])
        case_id = await take_case(store, number, rows, now)
        case = await store.find_case(str(case_id))
        assert case is not None
        recommended = Flag.SAMPLING_RECOMMENDED.value in case.flags
        entries = await store.case_sampling(case_id)
        assert {row.product for _, row in entries} == {r.product for r in rows}
        assert any(e.recommended for e, _ in entries) == recommended
        for entry, _ in entries:
            assert entry.reason in case.why  # the figures are in the case's reasons
        extra = not first_half and not recommended and rng.random() < 0.05
        decision = "sampling" if recommended or extra else "release_organic"
        decided = await store.decide(
            case_id, decision, final=decision != "sampling", by="officer", note=None,
            documents_requested=(), now=now, mailer=None,
        )  # fmt: skip
        assert decided is not None
        shares = {s.product: s for s in await store.sampling_shares(2023, table.rows)}
        for product in ("ginger", "tea"):
            share = shares[product]
            assert share.meets, share
            assert share.pending == 0
            if first_half:
                assert share.sampled == required(share.seen, share.min_share_pct)
    assert shares["ginger"].seen + shares["tea"].seen >= 120
    assert shares["quinoa"].seen == 0  # a table row with nothing counted is still listed


async def test_an_open_recommendation_counts_for_the_next_case(store: CaseStore) -> None:
    """Two cases arriving before either is decided: only the first is recommended."""
    first = await take_case(store, 1, [GINGER], START)
    second = await take_case(store, 2, [GINGER], START + timedelta(hours=1))
    flags = [(await store.find_case(str(c))).flags for c in (first, second)]  # type: ignore[union-attr]
    assert Flag.SAMPLING_RECOMMENDED.value in flags[0]
    assert Flag.SAMPLING_RECOMMENDED.value not in flags[1]
    [(entry, _)] = await store.case_sampling(second)
    assert "No sampling needed" in entry.reason


async def test_a_case_is_counted_once_whatever_joins_it(store: CaseStore) -> None:
    """A second notification for the same COI joins the case and is not counted again."""
    await take_case(store, 1, [GINGER], START)
    raw = b"Subject: again\r\n\r\nthe same consignment\r\n"
    report = make_report(
        sha256=hashlib.sha256(raw).hexdigest(),
        message_id="<again@importer.example>",
        coi_references=["COI.CN.2023.0000001"],
        extra_controls=[GINGER],
    )
    await store.take(raw, report, source_ref="again", now=START + timedelta(hours=2))
    [ginger] = [s for s in await store.sampling_shares(2023, ()) if s.product == "ginger"]
    assert (ginger.seen, ginger.pending) == (1, 1)


def run_importbio(env: dict[str, str], *args: str) -> str:
    """The installed command's standard output (it must succeed)."""
    done = subprocess.run(
        [IMPORTBIO, *args], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    return done.stdout


async def test_importbio_sampling_shows_achieved_beside_required(
    store: CaseStore, tmp_path: Path
) -> None:
    """The command lists every row of the year's table with its figures, as text and JSON."""
    first = await take_case(store, 1, [GINGER], START)
    await take_case(store, 2, [GINGER], START)
    await store.decide(
        first, "sampling", final=False, by="o", note=None, documents_requested=(), now=START,
        mailer=None,
    )  # fmt: skip
    env = {
        **os.environ,
        "IMPORTBIO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cases.sqlite3'}",
        "IMPORTBIO_VAR_DIR": str(tmp_path / "var"),
    }
    listed = await asyncio.to_thread(run_importbio, env, "sampling", "--year", "2023", "--json")
    rows = {(r["origin"], r["product"]): r for r in json.loads(listed)}
    assert len(rows) == 9
    ginger = rows[("CN", "ginger")]
    assert (ginger["seen"], ginger["sampled"], ginger["achieved_share_pct"]) == (2, 1, 50.0)
    assert (ginger["required_share_pct"], ginger["meets_minimum"]) == (10, True)
    assert rows[("IN", "turmeric")]["seen"] == 0
    text = await asyncio.to_thread(run_importbio, env, "sampling", "--year", "2023")
    assert "Sampling shares 2023 (table 2023)" in text
    assert "50.0 %" in text
