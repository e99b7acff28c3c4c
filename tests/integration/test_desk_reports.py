"""The desk's report pages over HTTP (in-process ASGI) on a store holding a simulated first
quarter of 2023: statistics checked against the simulation's own record, CSV read back,
the PRFC list corrected, withdrawn and read as on a day, sampling shares, the CLI."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from desk.csv_export import read_csv
from desk.security import CSP
from intake.codes import EventKind, Flag, Kind
from tests.integration.test_desk_http import BASE, bearer, csrf_of, sign_in
from tests.support.desk import IMPORTBIO, DeskRig, make_rig
from tests.support.reports import HOSTILE_COMPANY, ReportsTemplate, Simulated

pytestmark = pytest.mark.integration
Q1 = {"from": "2023-01-01", "to": "2023-03-31"}


def expected(done: Simulated, week: bool) -> dict[str, dict[str, object]]:
    """Per period, the figures the simulation's record implies (computed without the store)."""

    def label(moment: datetime) -> str:
        return moment.strftime("%G-W%V" if week else "%Y-%m")

    out: dict[str, dict[str, object]] = {}

    def row(moment: datetime) -> dict[str, object]:
        return out.setdefault(
            label(moment),
            {
                "kinds": Counter(),
                "incomplete": 0,
                "late": 0,
                "too_early": 0,
                "outcomes": Counter(),
                "hours": [],
                "reminders": 0,
                "bounces": 0,
            },
        )

    for at, report in done.arrivals:
        r = row(at)
        r["kinds"][report.kind.value] += 1  # type: ignore[index]
        notification = report.kind is Kind.NOTIFICATION
        r["incomplete"] += int(notification and bool(report.missing))  # type: ignore[operator]
        r["late"] += int(Flag.LATE in report.flags)  # type: ignore[operator]
        r["too_early"] += int(Flag.TOO_EARLY in report.flags)  # type: ignore[operator]
    for at, decision, hours in done.decisions:
        r = row(at)
        r["outcomes"][decision] += 1  # type: ignore[index]
        if hours is not None:
            r["hours"].append(hours)  # type: ignore[attr-defined]
    for at in done.reminders:
        row(at)["reminders"] += 1  # type: ignore[operator]
    for at in done.bounces:
        row(at)["bounces"] += 1  # type: ignore[operator]
    return out


@pytest.fixture
async def rig(reports_template: ReportsTemplate, tmp_path: Path) -> AsyncIterator[DeskRig]:
    """The simulated store, copied for this test."""
    made = make_rig(reports_template.template, tmp_path)
    try:
        yield made
    finally:
        await made.store.close()


@pytest.fixture
async def client(rig: DeskRig) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the desk app, not signed in."""
    transport = httpx.ASGITransport(app=rig.app(), client=("198.51.100.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


@pytest.mark.parametrize("week", [False, True], ids=["month", "week"])
async def test_statistics_csv_matches_the_simulation(
    client: httpx.AsyncClient, rig: DeskRig, reports_template: ReportsTemplate, week: bool
) -> None:
    """Every figure of the statistics CSV, per month and per ISO week, equals the figure
    computed from the simulation's own record; the API says the same."""
    await sign_in(client)
    params = Q1 | {"period": "week" if week else "month"}
    answer = await client.get("/statistics.csv", params=params)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = {r["period"]: r for r in read_csv(answer.text)}
    want = expected(reports_template.simulated, week)
    assert set(want) <= set(rows)
    assert len(rows) == (14 if week else 3)  # 2023-01-01 is in ISO week 2022-W52
    for label, row in rows.items():
        w = want.get(label, {})
        kinds, outcomes = w.get("kinds", Counter()), w.get("outcomes", Counter())
        hours = sorted(w.get("hours", []))  # type: ignore[call-overload]
        assert all(int(row[f"arrived_{k.value}"]) == kinds[k.value] for k in Kind), label  # type: ignore[index]
        assert sum(int(v) for k, v in row.items() if k.startswith("queue_")) == sum(kinds.values())  # type: ignore[attr-defined]
        assert int(row["incomplete_on_arrival"]) == w.get("incomplete", 0), label
        assert (int(row["late"]), int(row["too_early"])) == (
            w.get("late", 0),
            w.get("too_early", 0),
        )
        for decision in ("release_organic", "rejected", "documents_requested"):
            assert int(row[f"decided_{decision}"]) == outcomes[decision], label  # type: ignore[index]
        assert int(row["final_decisions"]) == len(hours)
        median = f"{statistics.median(hours):.1f}" if hours else ""
        p90 = f"{hours[-(-len(hours) * 9 // 10) - 1]:.1f}" if hours else ""
        assert (row["median_hours_to_decision"], row["p90_hours_to_decision"]) == (median, p90)
        assert int(row["reminders_sent"]) == w.get("reminders", 0)
        assert int(row["bounces"]) == w.get("bounces", 0)
    api = await client.get("/api/statistics", params=params, headers=bearer(rig.token))
    assert api.status_code == 200
    assert {p["period"]: p["bounces"] for p in api.json()} == {
        k: int(r["bounces"]) for k, r in rows.items()
    }


async def test_statistics_page_draws_charts_without_script(client: httpx.AsyncClient) -> None:
    """The page carries six inline SVG charts, no script, and the strict CSP."""
    await sign_in(client)
    page = await client.get("/statistics", params=Q1 | {"period": "week"})
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CSP
    assert page.text.count('<svg class="chart"') == 6
    assert "<script" not in page.text
    assert " style=" not in page.text
    assert 'data-period="2023-W07"' in page.text
    assert (
        await client.get("/statistics", params={"period": "<x>", "from": "nonsense"})
    ).status_code == 200


async def test_prfc_list_is_corrected_withdrawn_and_read_as_on_a_day(
    client: httpx.AsyncClient, rig: DeskRig, reports_template: ReportsTemplate
) -> None:
    """An admin corrects one point and withdraws the other, each with an audit event; the
    list of an earlier day still shows them as they were, and the CSV reads back exactly."""
    points = reports_template.simulated.points
    fruit, hostile = points["Fruitimport Antwerpen NV"], points[HOSTILE_COMPANY]
    await sign_in(client)
    officer_csrf = csrf_of((await client.get("/prfc")).text)
    refused = await client.post(
        f"/prfc/{fruit}/withdraw", data={"csrf": officer_csrf, "reason": "closed"}
    )
    assert refused.status_code == 403
    await client.post("/logout", data={"csrf": officer_csrf})
    csrf = await sign_in(client, "root")
    corrected = await client.post(
        f"/prfc/{fruit}/correct",
        data={
            "csrf": csrf,
            "company": "Fruitimport Antwerpen NV",
            "address": "Haven 1250\n2030 Antwerpen",
        },
    )
    assert corrected.status_code == 303
    withdrawn = await client.post(
        f"/prfc/{hostile}/withdraw", data={"csrf": csrf, "reason": "site closed"}
    )
    assert withdrawn.status_code == 303
    again = await client.post(f"/prfc/{hostile}/withdraw", data={"csrf": csrf, "reason": "x"})
    assert again.status_code == 409
    now_csv = read_csv((await client.get("/prfc.csv")).text)
    assert [(r["company"], r["address"]) for r in now_csv] == [
        ("Fruitimport Antwerpen NV", "Haven 1250\n2030 Antwerpen")
    ]
    yesterday = datetime.now(UTC).date().toordinal() - 1
    on = date.fromordinal(yesterday).isoformat()
    before = read_csv((await client.get("/prfc.csv", params={"on": on})).text)
    assert sorted((r["company"], r["address"]) for r in before) == sorted(
        [
            ("Fruitimport Antwerpen NV", "Haven 1234\n2030 Antwerpen"),
            (HOSTILE_COMPANY, "Kaai <b>7</b>\n9000 Gent"),
        ]
    )
    raw_csv = (await client.get("/prfc.csv", params={"on": on})).text
    assert "'=HYPERLINK" in raw_csv  # neutralised for spreadsheets, read back exactly above
    january = read_csv((await client.get("/prfc.csv", params={"on": "2023-01-31"})).text)
    assert [(r["company"], r["confirmed_on"], r["confirmed_by"]) for r in january] == [
        ("Fruitimport Antwerpen NV", "2023-01-20", "anna")
    ]
    assert read_csv((await client.get("/prfc.csv", params={"on": "2023-01-19"})).text) == []
    assert (await client.get("/prfc", params={"on": "2023-02-31"})).status_code == 400
    page = (await client.get("/prfc")).text
    assert "withdrawn by root: site closed" in page
    assert "corrected by root" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    kinds = {
        (e.kind, e.actor)
        for case in await _point_cases(client, rig.admin_token)
        for e in await rig.store.timeline(case)
    }
    assert {
        (EventKind.PRFC_EDITED.value, "root"),
        (EventKind.PRFC_WITHDRAWN.value, "root"),
    } <= kinds
    printable = await client.get("/prfc/print", params={"on": on})
    assert "Punten van vrijgave" in printable.text
    assert "/static/print.css" in printable.text
    assert printable.text.count("<tr>") == 3  # header and the two points of that day


async def _point_cases(client: httpx.AsyncClient, token: str) -> set[int]:
    answer = await client.get("/api/prfc", params={"history": "true"}, headers=bearer(token))
    assert answer.status_code == 200
    return {int(p["case_id"]) for p in answer.json()}


async def test_sampling_shares_page_and_case_page(client: httpx.AsyncClient, rig: DeskRig) -> None:
    """The sampling page shows the 2023 table's rows with the consignments counted; the
    case page of an extra-controls case shows its recommendation and figures."""
    await sign_in(client)
    page = (await client.get("/sampling", params={"year": "2023"})).text
    assert "Sampling shares 2023" in page
    assert "table 2023" in page
    assert re.search(r"turmeric|kurkuma", page)
    api = await client.get("/api/sampling", params={"year": 2023}, headers=bearer(rig.token))
    seen = {(s["origin"], s["product"]): s["seen"] for s in api.json()}
    assert sum(seen.values()) >= 2
    counted = [s for s in api.json() if s["seen"]]
    case = await rig.store.find_case(_coi_of_extra_controls())
    assert case is not None
    assert counted
    shown = (await client.get(f"/cases/{case.id}")).text
    assert 'id="sampling"' in shown
    assert "sample this consignment" in shown
    assert 'href="/sampling"' in (await client.get("/")).text


def _coi_of_extra_controls() -> str:
    import json

    expected_path = Path(__file__).parent.parent / "data" / "samples"
    found = json.loads(
        (expected_path / "27_outlook_nl_extra_controls_kurkuma.expected.json").read_text()
    )
    refs: list[str] = found["coi_references"]
    return refs[0]


def test_prfc_list_command(reports_template: ReportsTemplate, tmp_path: Path) -> None:
    """``importbio prfc list`` prints the list as text or CSV, as on a day; a bad date is
    one clear line and exit code 2."""
    db = tmp_path / "desk.db"
    db.write_bytes(reports_template.template.path.read_bytes())
    env = {
        **os.environ,
        "IMPORTBIO_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "IMPORTBIO_VAR_DIR": str(tmp_path / "var"),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(IMPORTBIO), "prfc", "list", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    text = run()
    assert text.returncode == 0, text.stderr
    assert "Fruitimport Antwerpen NV" in text.stdout
    assert "as listed now" in text.stdout
    csv_out = run("--csv", "--on", "2023-01-31")
    assert csv_out.returncode == 0, csv_out.stderr
    assert [r["company"] for r in read_csv(csv_out.stdout)] == ["Fruitimport Antwerpen NV"]
    bad = run("--on", "31-01-2023")
    assert bad.returncode == 2
    assert "is not a date" in bad.stderr
