"""The web desk end to end in a real headless Chromium (Debian's, driven by Playwright),
against ``importbio web`` served by uvicorn on 127.0.0.1 over a filled store: an officer
signs in, opens a queue and a case, records a decision, and the mail reaches the SMTP
server; hostile mail runs nothing; requests without a session, with a forged CSRF token
or from a disabled user are refused.

With ``IMPORTBIO_DESK_SCREENSHOTS=DIR`` the queue and case pages are also saved there
(that is how ``docs/desk-queue.png`` and ``docs/desk-case.png`` are made).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import shutil
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from intake.case.store import CaseStore, connect
from notify.outbox import OutboxDelivery
from notify.sender import SmtpSender
from notify.smtp_url import SmtpConfig
from tests.services.common import unavailable
from tests.support.desk import (
    CALENDAR,
    HOSTILE_COI,
    PASSWORD,
    SCRIPT,
    Served,
    Template,
    serve_desk,
)
from tests.support.smtpd import RecordingSMTP

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
T = TypeVar("T")


@dataclass
class Watch:
    """What a page did that it must not: dialogs opened, console errors, script errors."""

    events: list[str] = field(default_factory=list)


@pytest.fixture
def served(desk_template: Template, tmp_path: Path) -> Iterator[Served]:
    """The desk served by uvicorn in its own process on a free loopback port."""
    with serve_desk(desk_template, tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        unavailable("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def new_page(browser: object, watch: Watch) -> object:
    """A fresh browser context and page that report dialogs and errors into ``watch``."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def on_dialog(dialog: object) -> None:
        watch.events.append(f"dialog: {getattr(dialog, 'message', '')}")
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda m: (
            watch.events.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda exc: watch.events.append(f"page error: {exc}"))
    return page


def sign_in(page: object, url: str, name: str = "anna") -> None:
    """Fill and send the login form."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(f"{url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def screenshot(page: object, name: str, folder: Path) -> None:
    """Save the page, in ``folder`` and (when asked) in the screenshots folder."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    path = folder / name
    page.screenshot(path=str(path), full_page=False)
    assert path.read_bytes().startswith(b"\x89PNG")
    wanted = os.environ.get("IMPORTBIO_DESK_SCREENSHOTS")
    if wanted:
        shutil.copyfile(path, Path(wanted) / name)


def in_thread(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end in a thread of its own (Playwright's loop runs in this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


async def deliver(store_url: str, server: RecordingSMTP) -> int:
    """One outbox delivery pass to the SMTP server; returns how many were sent."""
    store = CaseStore(connect(store_url), calendar=CALENDAR)
    sender = SmtpSender(
        SmtpConfig(
            host=server.host,
            port=server.port,
            username=None,
            password=None,
            security="plain",
            timeout_s=5.0,
            local_hostname="desk.landbouw.example.be",
        )
    )
    try:
        from datetime import UTC, datetime

        stats = await OutboxDelivery(store, sender).deliver(now=datetime.now(UTC))
        return stats.sent
    finally:
        await sender.close()
        await store.close()


def test_an_officer_decides_in_the_browser_and_the_mail_goes_out(
    browser: object, served: Served, smtp_server: RecordingSMTP
) -> None:
    """Sign in, open the check queue and a case, preview and record a decision; the
    decision mail then reaches the SMTP server, and the case shows the decision."""
    from playwright.sync_api import Page, expect

    watch = Watch()
    page = new_page(browser, watch)
    assert isinstance(page, Page)
    sign_in(page, served.url)
    expect(page.locator("h1")).to_have_text("Queues")
    page.click("a[href='/queues/check']")
    expect(page.locator("table.cases tbody tr")).to_have_count(3)
    screenshot(page, "desk-queue.png", served.folder)
    page.click("text=COI.EC.2023.0031337")
    expect(page.locator("h1")).to_contain_text("COI.EC.2023.0031337")
    expect(page.locator("table.documents")).to_contain_text("BL HLCU123.pdf")
    screenshot(page, "desk-case.png", served.folder)
    page.select_option("select[name=decision]", "release_organic")
    page.fill("#decision-form textarea[name=note]", "Documentaire controle in orde.")
    page.click("#decision-form button[type=submit]")
    expect(page.locator(".mail-subject")).to_contain_text("Beslissing / Decision")
    expect(page.locator(".mail-preview")).to_contain_text("Documentaire controle in orde.")
    page.click("text=Record the decision and send the mail")
    expect(page.locator("dd.status")).to_contain_text("release_organic")
    expect(page.locator("#timeline")).to_contain_text("decided by anna")
    # Acknowledgments from the intake were pending too; all go out in this pass.
    assert in_thread(deliver(served.store_url, smtp_server)) >= 1
    decisions = [
        email.message_from_bytes(m.raw, policy=email.policy.default)
        for m in smtp_server.messages
        if b"Beslissing / Decision" in m.raw
    ]
    assert len(decisions) == 1
    assert str(decisions[0]["To"]) == "tom1@vandammefruit.example.be"
    assert "COI.EC.2023.0031337" in str(decisions[0]["Subject"])
    assert watch.events == []


def test_hostile_mail_runs_nothing_in_the_browser(browser: object, served: Served) -> None:
    """A case whose subject, sender, file names and HTML body carry script shows them as
    text: no dialog opens, no script error or CSP violation is reported."""
    from playwright.sync_api import Page, expect

    watch = Watch()
    page = new_page(browser, watch)
    assert isinstance(page, Page)
    sign_in(page, served.url)
    page.goto(f"{served.url}/queues/check?search={HOSTILE_COI}")
    page.click(f"text={HOSTILE_COI}")
    expect(page.locator("article.mail h3")).to_contain_text(SCRIPT)
    expect(page.locator("table.attachments")).to_contain_text(f"invoice{SCRIPT}.html")
    page.click("text=HTML body (sanitised)")
    expect(page.locator(".html-body")).to_contain_text("Hi")
    assert page.locator(".html-body script, .html-body img, .html-body iframe").count() == 0
    assert page.locator("script").count() == 0
    page.wait_for_timeout(300)  # an onerror or onload would have fired by now
    assert watch.events == []


def test_requests_without_session_forged_or_disabled_are_refused(
    browser: object, served: Served
) -> None:
    """No session: sent to the login form; a forged CSRF token: 403 and nothing recorded;
    a disabled user: not signed in."""
    from playwright.sync_api import Page, expect

    watch = Watch()
    page = new_page(browser, watch)
    assert isinstance(page, Page)
    page.goto(f"{served.url}/queues/check")
    assert page.url == f"{served.url}/login"
    sign_in(page, served.url, name="gone")
    expect(page.locator(".error")).to_have_text("Wrong name or password.")
    sign_in(page, served.url)
    expect(page.locator("h1")).to_have_text("Queues")
    forged = page.request.post(
        f"{served.url}/cases/1/notes", form={"csrf": "forged", "text": "pwned"}
    )
    assert forged.status == 403
    page.goto(f"{served.url}/cases/1")
    expect(page.locator("#timeline")).not_to_contain_text("pwned")
    api = page.request.get(f"{served.url}/api/queues")
    assert api.status == 401  # the session cookie does not open the API
