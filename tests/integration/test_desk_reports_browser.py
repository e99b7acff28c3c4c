"""The statistics page and the PRFC list in a real headless Chromium (Debian's, driven by
Playwright, launched as the desk's other browser tests launch it) against ``importbio
web`` over the simulated quarter: the figures shown are the simulation's, the charts are
drawn, hostile company names run nothing. With ``IMPORTBIO_DESK_SCREENSHOTS=DIR`` the
pages are saved there (``docs/desk-statistics.png``, ``docs/desk-prfc.png``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.codes import Kind
from tests.integration.test_desk_browser import (
    Watch,
    browser,  # noqa: F401 - the module's Chromium fixture
    new_page,
    screenshot,
    sign_in,
)
from tests.support.desk import Served, serve_desk
from tests.support.reports import HOSTILE_COMPANY, ReportsTemplate

pytestmark = pytest.mark.integration


@pytest.fixture
def served(reports_template: ReportsTemplate, tmp_path: Path) -> Iterator[Served]:
    """The desk over the simulated quarter, served by uvicorn in its own process."""
    with serve_desk(reports_template.template, tmp_path) as running:
        yield running


def test_statistics_page_shows_the_simulated_quarter(
    browser: object,  # noqa: F811 - the imported fixture
    served: Served,
    reports_template: ReportsTemplate,
) -> None:
    """Per month the page shows as many notifications, incomplete, late and too early as the
    simulation took, with six charts drawn and no script error or CSP violation."""
    from playwright.sync_api import Page, expect

    watch = Watch()
    page = new_page(browser, watch)
    assert isinstance(page, Page)
    sign_in(page, served.url)
    page.click("header nav >> text=Statistics")
    page.fill("input[name=from]", "2023-01-01")
    page.fill("input[name=to]", "2023-03-31")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.statistics tbody tr")).to_have_count(3)
    for month in ("2023-01", "2023-02", "2023-03"):
        taken = [r for at, r in reports_template.simulated.arrivals if f"{at:%Y-%m}" == month]
        notifications = [r for r in taken if r.kind is Kind.NOTIFICATION]
        row = page.locator(f"tr[data-period='{month}']")
        expect(row.locator("td.notifications")).to_have_text(str(len(notifications)))
        expect(row.locator("td.incomplete")).to_have_text(
            str(sum(1 for r in notifications if r.missing))
        )
        expect(row.locator("td.too-early")).to_have_text(
            str(sum(1 for r in taken if "too_early" in r.flags))
        )
    assert page.locator("svg.chart").count() == 6
    assert page.locator("svg.chart rect").count() > 20
    assert page.locator("script").count() == 0
    screenshot(page, "desk-statistics.png", served.folder)
    assert watch.events == []


def test_prfc_list_shows_hostile_names_as_text(
    browser: object,  # noqa: F811 - the imported fixture
    served: Served,
) -> None:
    """The list and its printable page show a company name full of markup as plain text:
    no dialog opens, no script error is reported."""
    from playwright.sync_api import Page, expect

    watch = Watch()
    page = new_page(browser, watch)
    assert isinstance(page, Page)
    sign_in(page, served.url, "root")
    page.click("header nav >> text=Points of release")
    expect(page.locator("table.prfc td.company")).to_have_count(2)
    expect(page.locator("table.prfc")).to_contain_text(HOSTILE_COMPANY)
    expect(page.locator("table.history tbody tr")).to_have_count(2)
    screenshot(page, "desk-prfc.png", served.folder)
    page.goto(f"{served.url}/prfc/print?on=2023-02-28")
    expect(page.locator("h1")).to_have_text("Punten van vrijgave voor het vrije verkeer in de Unie")
    expect(page.locator("tbody tr")).to_have_count(2)
    page.emulate_media(media="print")
    assert page.locator(".back").is_hidden()
    page.wait_for_timeout(300)  # an injected handler would have fired by now
    assert watch.events == []
