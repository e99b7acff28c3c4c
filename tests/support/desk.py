"""A case store filled the way the intake fills it, and the desk's app over it, for tests.

``fill_store`` takes sample mails and a hostile one through the real triage and
``CaseStore.take``, then places them with the sweep, so the desk sees exactly what an
installation would. ``DeskRig`` is that store with an officer, an admin, a disabled user
and an API token, and the app built as ``importbio web`` builds it.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from fastapi import FastAPI

from desk.accounts import Accounts, Role
from desk.app import create_app
from desk.security import SessionOptions
from intake.calendar import WorkCalendar, local_date
from intake.case.migrate import upgrade
from intake.case.store import CaseStore, connect
from intake.parse.limits import ParseLimits
from intake.queue.checks import sweep
from intake.report import read_mail
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet
from notify.desk import Desk
from notify.responders import Acknowledger
from tests.services.common import free_port, wait_for_port
from tests.support.pdf import make_pdf

SAMPLES = Path(__file__).parent.parent / "data" / "samples"
DESK = Desk(
    address="importbio@landbouw.example.be",
    name="Departement Landbouw en Visserij - import bio",
    own_domains=frozenset({"landbouw.example.be"}),
)
CALENDAR = WorkCalendar()
PASSWORD = "correct horse battery staple"
SECRET = "s" * 48
HOSTILE_COI = "COI.EC.2023.0066601"
SCRIPT = "<script>alert('x')</script>"
IMG = "<img src=x onerror=alert(1)>"


def context(now: datetime) -> TriageContext:
    """Triage as ``importbio`` does it, judged as of ``now``."""
    return TriageContext(
        reference_day=local_date(now),
        calendar=CALENDAR,
        tables=TableSet.load([]),
        now=now,
        limits=ParseLimits(cpu_budget_s=30.0),
    )


def notification(coi: str, *, eta: datetime, number: int, invoice: bool = True) -> bytes:
    """An importer's notification with its B/L (and invoice) and an ETA sentence."""
    message = EmailMessage()
    message["From"] = f"Tom Van Damme <tom{number}@vandammefruit.example.be>"
    message["To"] = DESK.address
    message["Subject"] = f"{coi} bananen"
    message["Date"] = format_datetime(eta - timedelta(days=3))
    message["Message-ID"] = f"<n{number}@vandammefruit.example.be>"
    message.set_content(
        f"Dag collega's,\n\nAanmelding bio bananen, {coi}.\n"
        f"ETA: {eta:%d-%m-%Y} (Antwerpen).\n\nTom\n"
    )
    files = [("BL HLCU123.pdf", "BILL OF LADING")]
    if invoice:
        files.append(("Factuur 2023-118.pdf", "FACTUUR"))
    for name, title in files:
        message.add_attachment(
            make_pdf([[title]]), maintype="application", subtype="pdf", filename=name
        )
    return message.as_bytes(policy=email.policy.SMTP)


def hostile(eta: datetime) -> bytes:
    """A notification whose subject, sender name, file names and HTML carry script."""
    message = EmailMessage()
    message["From"] = f'"{SCRIPT}" <evil@attacker.example.com>'
    message["To"] = DESK.address
    message["Subject"] = f"{HOSTILE_COI} {SCRIPT}{IMG}"
    message["Date"] = format_datetime(eta - timedelta(days=3))
    message["Message-ID"] = "<hostile-1@attacker.example.com>"
    message.set_content(f"ETA: {eta:%d-%m-%Y}\n{SCRIPT}\n")
    message.add_alternative(
        f'<html><body><p>Hi</p>{SCRIPT}{IMG}<a href="javascript:alert(2)">click</a>'
        '<iframe src="https://attacker.example.com/"></iframe>'
        "<svg onload=alert(3)></svg><style>body{display:none}</style>"
        '<form action="https://attacker.example.com/"><input name=q></form></body></html>',
        subtype="html",
    )
    message.add_attachment(
        make_pdf([["BILL OF LADING"]]),
        maintype="application",
        subtype="pdf",
        filename=f"BL {IMG}.pdf",
    )
    message.add_attachment(
        f"<html>{SCRIPT}</html>".encode(),
        maintype="text",
        subtype="html",
        filename=f"invoice{SCRIPT}.html",
    )
    return message.as_bytes(policy=email.policy.SMTP)


async def fill_store(store: CaseStore, *, now: datetime) -> None:
    """Clean notifications, a hostile one and a PRFC request, taken and placed."""
    eta = now + timedelta(days=3)
    mails = [
        notification("COI.EC.2023.0031337", eta=eta, number=1),
        notification("COI.EC.2023.0031338", eta=eta + timedelta(days=1), number=2),
        notification("COI.PE.2023.0000042", eta=eta, number=3, invoice=False),
        hostile(eta),
        (SAMPLES / "34_outlook_nl_prfc_request.eml").read_bytes(),
    ]
    for number, raw in enumerate(mails):
        report = read_mail(raw, source=f"test:{number}", context=context(now))
        await store.take(
            raw, report, source_ref=f"test:{number}", now=now, responder=Acknowledger(DESK)
        )
    await sweep(store, now=now)


@dataclass
class DeskRig:
    """A filled store, its accounts and an API token."""

    store: CaseStore
    url: str
    token: str
    admin_token: str
    disabled_token: str

    def app(self, *, secure: bool = True) -> FastAPI:
        """The desk over the store, built as ``importbio web`` builds it."""
        return create_app(
            self.store,
            desk=DESK,
            calendar=CALENDAR,
            triage_context=context,
            session=SessionOptions(secret=SECRET, secure=secure),
        )


@dataclass(frozen=True, slots=True)
class Template:
    """A filled store file and the tokens in it, copied for each test."""

    path: Path
    token: str
    admin_token: str
    disabled_token: str


async def build_template(path: Path) -> Template:
    """A migrated SQLite store at ``path``, filled, with users anna (officer), root (admin)
    and gone (disabled), and a token for each."""
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    store = CaseStore(connect(url), calendar=CALENDAR)
    try:
        now = datetime.now(UTC)
        await fill_store(store, now=now)
        accounts = Accounts(store.engine)
        await accounts.add("anna", PASSWORD, role=Role.OFFICER, now=now)
        await accounts.add("root", PASSWORD, role=Role.ADMIN, now=now)
        await accounts.add("gone", PASSWORD, role=Role.OFFICER, now=now)
        token = await accounts.issue_token("anna", label="test", now=now)
        admin_token = await accounts.issue_token("root", label="test", now=now)
        disabled_token = await accounts.issue_token("gone", label="test", now=now)
        await accounts.disable("gone")
    finally:
        await store.close()
    return Template(path, token, admin_token, disabled_token)


def make_rig(template: Template, folder: Path) -> DeskRig:
    """A store of its own, copied from the template, in ``folder``."""
    path = folder / "desk.db"
    shutil.copyfile(template.path, path)
    url = f"sqlite+aiosqlite:///{path}"
    store = CaseStore(connect(url), calendar=CALENDAR)
    return DeskRig(store, url, template.token, template.admin_token, template.disabled_token)


IMPORTBIO = Path(sys.executable).parent / "importbio"


@dataclass
class Served:
    """``importbio web`` running on a copy of the filled store."""

    url: str
    store_url: str
    process: subprocess.Popen[bytes]
    folder: Path


@contextlib.contextmanager
def serve_desk(template: Template, folder: Path) -> Iterator[Served]:
    """``importbio web`` (uvicorn) in its own process on a free loopback port, over a copy
    of the template store in ``folder``; stopped on exit."""
    shutil.copyfile(template.path, folder / "desk.db")
    store_url = f"sqlite+aiosqlite:///{folder / 'desk.db'}"
    port = free_port()
    env = {
        **os.environ,
        "IMPORTBIO_DATABASE_URL": store_url,
        "IMPORTBIO_VAR_DIR": str(folder / "var"),
        "IMPORTBIO_DESK_ADDRESS": DESK.address,
        "IMPORTBIO_DESK_DOMAINS": "landbouw.example.be",
        # Chromium keeps Secure cookies only from a secure origin; the test serves plain HTTP.
        "IMPORTBIO_WEB_SECURE_COOKIES": "false",
    }
    env.pop("IMPORTBIO_REDIS_URL", None)
    process = subprocess.Popen(
        [str(IMPORTBIO), "web", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        if not wait_for_port(port, timeout_s=60.0, alive=lambda: process.poll() is None):
            _, err = process.communicate(timeout=5)
            raise RuntimeError(f"importbio web did not start: {err.decode(errors='replace')}")
        yield Served(f"http://127.0.0.1:{port}", store_url, process, folder)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
