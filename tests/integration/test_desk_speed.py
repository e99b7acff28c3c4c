"""The desk's fast paths keep its answers: a queue page read in one go beside a writer,
whom a session or token names remembered only while that is safe, the queue's count
reused for its time, and the API's page written as the ``CasePage`` model would."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from desk.accounts import Accounts
from desk.api import CasePage, CaseSummary, page_json
from desk.listing import CaseFilter, CaseListing, Cursor, is_index_range, page_query
from importbio import views
from intake.codes import CaseStatus, Queue
from tests.integration.test_desk_http import BASE, bearer, sign_in
from tests.support.desk import DeskRig, Template, make_rig
from tests.unit.test_desk_recent_users import Clock

pytestmark = pytest.mark.integration
CHECK_COI = "COI.EC.2023.0031337"


@pytest.fixture
async def rig(desk_template: Template, tmp_path: Path) -> AsyncIterator[DeskRig]:
    """A filled store with its users and tokens."""
    made = make_rig(desk_template, tmp_path)
    try:
        yield made
    finally:
        await made.store.close()


def db_path(rig: DeskRig) -> Path:
    """The rig's SQLite file."""
    return Path(rig.url.removeprefix("sqlite+aiosqlite:///"))


@pytest.fixture
def sqlite(rig: DeskRig) -> Iterator[sqlite3.Connection]:
    """A plain connection to the store, as another process would hold one."""
    conn = sqlite3.connect(db_path(rig), isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def add_check_case(conn: sqlite3.Connection, coi: str) -> None:
    """Another open case on the check queue, written as a second process would."""
    conn.execute(
        "INSERT INTO cases (coi, kind, status, queue, priority, risk, subject, importer, eta, "
        "window_opens, flags, missing, roles, why, version, placed_version, created_at, "
        "updated_at) SELECT ?, kind, status, queue, priority + 1, risk, subject, importer, eta, "
        "window_opens, flags, missing, roles, why, version, placed_version, created_at, "
        "updated_at FROM cases WHERE coi = ?",
        (coi, CHECK_COI),
    )


def client_of(rig: DeskRig, **options: float) -> httpx.AsyncClient:
    """An HTTP client of the desk app built with ``options``."""
    app = rig.app()
    if options:
        from desk.app import create_app
        from desk.security import SessionOptions
        from tests.support.desk import CALENDAR, DESK, SECRET, context

        app = create_app(
            rig.store,
            desk=DESK,
            calendar=CALENDAR,
            triage_context=context,
            session=SessionOptions(secret=SECRET),
            auth_cache_s=options.get("auth_cache_s", 0.0),
            count_cache_s=options.get("count_cache_s", 0.0),
        )
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE)


async def test_disabling_refuses_at_once_though_users_are_remembered(rig: DeskRig) -> None:
    """With a minute's memory, disabling an account in the process ends its session and
    its token on the very next request."""
    async with client_of(rig, auth_cache_s=60.0) as client:
        await sign_in(client)
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/api/queues", headers=bearer(rig.token))).status_code == 200
        await Accounts(rig.store.engine).disable("anna")
        after = await client.get("/")
        assert (after.status_code, after.headers["location"]) == (303, "/login")
        assert (await client.get("/api/queues", headers=bearer(rig.token))).status_code == 401


async def test_a_change_by_another_process_is_seen_within_the_memory_time(
    rig: DeskRig, sqlite: sqlite3.Connection
) -> None:
    """An account disabled by another process (``importbio users disable``) still opens the
    API while remembered, and is refused once ``remember_s`` has passed."""
    clock = Clock()
    async with client_of(rig, auth_cache_s=5.0) as client:
        app = client._transport.app  # type: ignore[attr-defined]
        app.state.desk.accounts = Accounts(rig.store.engine, remember_s=5.0, clock=clock)
        assert (await client.get("/api/queues", headers=bearer(rig.token))).status_code == 200
        sqlite.execute("UPDATE desk_users SET active = 0 WHERE name = 'anna'")
        clock.now_s += 4.0
        assert (await client.get("/api/queues", headers=bearer(rig.token))).status_code == 200
        clock.now_s += 1.5
        assert (await client.get("/api/queues", headers=bearer(rig.token))).status_code == 401


async def test_queue_reads_do_not_wait_for_a_writer(
    rig: DeskRig, sqlite: sqlite3.Connection
) -> None:
    """While another process holds the write lock mid-transaction, the queue page and API
    answer at once with the committed cases; the new case shows once committed."""
    async with client_of(rig) as client:
        await sign_in(client)
        sqlite.execute("BEGIN IMMEDIATE")
        add_check_case(sqlite, "COI.EC.2023.0099999")
        api = await asyncio.wait_for(
            client.get("/api/queues/check/cases", headers=bearer(rig.token)), timeout=10
        )
        page = await asyncio.wait_for(client.get("/queues/check"), timeout=10)
        assert "COI.EC.2023.0099999" not in api.text
        assert ">3 open<" in page.text
        sqlite.execute("COMMIT")
        api = await client.get("/api/queues/check/cases", headers=bearer(rig.token))
        assert "COI.EC.2023.0099999" in [c["coi"] for c in api.json()["cases"]]
        assert ">4 open<" in (await client.get("/queues/check")).text


async def test_the_desk_reader_cannot_write(rig: DeskRig) -> None:
    """The connections the desk reads through are query-only: a write fails, nothing is
    changed."""
    listing = CaseListing(rig.store.engine)
    try:
        with pytest.raises(OperationalError, match="readonly"):
            await listing.reader.read(lambda conn: conn.execute(text("DELETE FROM cases")))
        assert (await listing.page(CaseFilter(queue=Queue.CHECK))).cases
    finally:
        listing.reader.close()


async def test_the_queue_count_is_reused_for_its_time_only(
    rig: DeskRig, sqlite: sqlite3.Connection
) -> None:
    """A page within ``count_cache_s`` shows the count read before; after it, a new count.
    The cases listed are always read afresh."""
    clock = Clock()
    listing = CaseListing(rig.store.engine, count_cache_s=2.0, clock=clock)
    fresh = CaseListing(rig.store.engine)
    check = CaseFilter(queue=Queue.CHECK)
    try:
        assert (await listing.page(check, with_open_count=True)).open_count == 3
        add_check_case(sqlite, "COI.EC.2023.0099999")
        clock.now_s += 1.9
        reused = await listing.page(check, with_open_count=True)
        assert (reused.open_count, len(reused.cases)) == (3, 4)
        assert (await fresh.page(check, with_open_count=True)).open_count == 4
        clock.now_s += 0.2
        assert (await listing.page(check, with_open_count=True)).open_count == 4
        assert (await listing.page(check)).open_count is None
    finally:
        listing.reader.close()
        fresh.reader.close()


async def test_the_api_page_is_what_the_case_page_model_writes(rig: DeskRig) -> None:
    """The API's page, written from the rows directly, is the JSON the ``CasePage`` model
    makes of the same cases read as ORM objects."""
    listing = CaseListing(rig.store.engine)
    try:
        page = await listing.page(CaseFilter(queue=Queue.CHECK), size=2)
        assert page.next_cursor is not None
        assert len(page.cases) == 2
        cases = [await listing.case(row.id) for row in page.cases]
        model = CasePage(
            cases=[CaseSummary.model_validate(views.case_summary(c)) for c in cases if c],
            next=page.next_cursor.encode(),
        )
        assert json.loads(page_json(page)) == json.loads(model.model_dump_json())
    finally:
        listing.reader.close()


async def test_a_deep_page_is_an_index_range_not_a_walk(rig: DeskRig) -> None:
    """SQLite plans the page after a cursor, with its parameters bound as the desk binds
    them, as a range of the queue's (priority, id) index that starts at the cursor."""
    after = Cursor(priority=10**9, case_id=123)
    query = page_query(CaseFilter(queue=Queue.CHECK), after=after, size=50)
    listing = CaseListing(rig.store.engine)

    def plan(conn: Connection) -> str:
        compiled = query.compile(conn, compile_kwargs={"render_postcompile": True})
        params = [compiled.params[name] for name in compiled.positiontup or ()]
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled.string}", tuple(params))
        return " ".join(str(row[-1]) for row in rows)

    try:
        found = await listing.reader.read(plan)
    finally:
        listing.reader.close()
    assert "ix_cases_queue_priority (queue=? AND priority>?)" in found


@pytest.mark.parametrize(
    ("where", "bounded"),
    [
        (CaseFilter(queue=Queue.CHECK), True),
        (CaseFilter(queue=Queue.LATE), True),
        (CaseFilter(), False),
        (CaseFilter(queue=Queue.CHECK, search="importer77@"), False),
        (CaseFilter(queue=Queue.CHECK, status=CaseStatus.CLOSED), False),
        (CaseFilter(queue=Queue.CHECK, eta_from=date(2030, 1, 1)), False),
        (CaseFilter(queue=Queue.CHECK, received_to=date(2000, 1, 1)), False),
    ],
)
def test_only_a_queues_open_cases_count_as_an_index_range(where: CaseFilter, bounded: bool) -> None:
    """A queue's open cases, unfiltered, are read on the event loop; a search, a status or a
    date (which may scan the whole queue for a page) is not."""
    assert is_index_range(where) is bounded


async def test_bounded_reads_run_on_the_loop_and_others_in_a_worker(rig: DeskRig) -> None:
    """On SQLite a bounded read runs in the calling thread, any other in a worker thread,
    so a scan never holds up the event loop."""
    listing = CaseListing(rig.store.engine)
    here = threading.get_ident()
    try:
        inline = await listing.reader.read(lambda conn: threading.get_ident(), bounded=True)
        worker = await listing.reader.read(lambda conn: threading.get_ident())
    finally:
        listing.reader.close()
    assert inline == here
    assert worker != here
