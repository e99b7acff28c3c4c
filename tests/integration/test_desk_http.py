"""The web desk over HTTP (in-process ASGI, a real migrated SQLite store filled by the real
intake): who gets in, what every response carries, hostile mail shown safely, and the
officer's changes recorded with their actor and their mail, through pages and the API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from desk.accounts import Accounts
from desk.security import CSP
from intake.case import tables as t
from intake.codes import EventKind, OutboxStatus
from intake.queue.checks import sweep
from tests.support.desk import HOSTILE_COI, PASSWORD, DeskRig, Template, make_rig

pytestmark = pytest.mark.integration
BASE = "https://desk.test"


@pytest.fixture
async def rig(desk_template: Template, tmp_path: Path) -> AsyncIterator[DeskRig]:
    """A filled store with its users and tokens."""
    made = make_rig(desk_template, tmp_path)
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


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, name: str = "anna") -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    form = await client.get("/login")
    answer = await client.post(
        "/login", data={"csrf": csrf_of(form.text), "name": name, "password": PASSWORD}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    return csrf_of((await client.get("/")).text)


async def case_id(rig: DeskRig, coi: str) -> int:
    """The number of the case of a COI reference."""
    found = await rig.store.find_case(coi)
    assert found is not None
    return found.id


async def events(rig: DeskRig, case: int, kind: EventKind) -> list[t.Event]:
    """A case's events of one kind."""
    return [e for e in await rig.store.timeline(case) if e.kind == kind.value]


def bearer(token: str) -> dict[str, str]:
    """The header of an API request with ``token``."""
    return {"Authorization": f"Bearer {token}"}


# -- access --------------------------------------------------------------------------------


async def test_nothing_but_healthz_and_login_answers_without_a_session(
    client: httpx.AsyncClient, rig: DeskRig
) -> None:
    """Every page redirects to the login form and every API call is 401 without a login."""
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    cid = await case_id(rig, "COI.EC.2023.0031337")
    for path in ("/", "/queues/check", f"/cases/{cid}", "/outbox", "/quarantine",
                 f"/cases/{cid}/messages/1/attachments/1"):  # fmt: skip
        answer = await client.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/login"), path
    for path in ("/api/queues", "/api/queues/check/cases", f"/api/cases/{cid}", "/api/outbox",
                 "/api/quarantine", "/api/openapi.json"):  # fmt: skip
        answer = await client.get(path)
        assert answer.status_code == 401, path
        assert answer.headers["www-authenticate"] == "Bearer"
    posted = await client.post(f"/api/cases/{cid}/notes", json={"text": "hi"})
    assert posted.status_code == 401
    form = await client.post(f"/cases/{cid}/notes", data={"text": "hi"})
    assert form.status_code == 403
    assert not await events(rig, cid, EventKind.NOTE)


async def test_a_session_cookie_is_signed_httponly_strict_and_secure(
    client: httpx.AsyncClient,
) -> None:
    """The login sets one session cookie with HttpOnly, SameSite=Strict and Secure."""
    form = await client.get("/login")
    answer = await client.post(
        "/login", data={"csrf": csrf_of(form.text), "name": "anna", "password": PASSWORD}
    )
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith("importbio_desk=")
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" in cookie


async def test_a_forged_or_missing_csrf_token_changes_nothing(
    client: httpx.AsyncClient, rig: DeskRig
) -> None:
    """A signed-in officer's form posted with a wrong or no CSRF token is refused (403)."""
    csrf = await sign_in(client)
    cid = await case_id(rig, "COI.EC.2023.0031337")
    wrong = await client.post(f"/cases/{cid}/notes", data={"csrf": csrf[:-2] + "xx", "text": "a"})
    missing = await client.post(f"/cases/{cid}/notes", data={"text": "a"})
    decided = await client.post(
        f"/cases/{cid}/decision", data={"csrf": "", "decision": "release_organic"}
    )
    assert (wrong.status_code, missing.status_code, decided.status_code) == (403, 403, 403)
    assert not await events(rig, cid, EventKind.NOTE)
    assert not await events(rig, cid, EventKind.DECIDED)
    good = await client.post(f"/cases/{cid}/notes", data={"csrf": csrf, "text": "checked"})
    assert good.status_code == 303
    assert [e.data["text"] for e in await events(rig, cid, EventKind.NOTE)] == ["checked"]


async def test_a_disabled_user_is_refused_everywhere(
    client: httpx.AsyncClient, rig: DeskRig
) -> None:
    """A disabled account cannot sign in, its token is refused, and disabling ends a session
    already open."""
    form = await client.get("/login")
    refused = await client.post(
        "/login", data={"csrf": csrf_of(form.text), "name": "gone", "password": PASSWORD}
    )
    assert refused.status_code == 401
    assert (await client.get("/api/queues", headers=bearer(rig.disabled_token))).status_code == 401
    await sign_in(client)
    assert (await client.get("/")).status_code == 200
    await Accounts(rig.store.engine).disable("anna")
    after = await client.get("/")
    assert after.status_code == 303
    assert after.headers["location"] == "/login"
    assert (await client.get("/api/queues", headers=bearer(rig.token))).status_code == 401


async def test_a_password_reset_ends_older_sessions(
    client: httpx.AsyncClient, rig: DeskRig
) -> None:
    """After ``users reset`` a session signed in with the old password no longer works."""
    await sign_in(client)
    await Accounts(rig.store.engine).reset("anna", "another long password")
    assert (await client.get("/")).headers["location"] == "/login"


async def test_logins_are_throttled_per_name(client: httpx.AsyncClient) -> None:
    """After five wrong passwords for a name, even the right one is refused for a while."""
    for _ in range(5):
        form = await client.get("/login")
        wrong = await client.post(
            "/login", data={"csrf": csrf_of(form.text), "name": "anna", "password": "nope" * 4}
        )
        assert wrong.status_code == 401
    form = await client.get("/login")
    right = await client.post(
        "/login", data={"csrf": csrf_of(form.text), "name": "anna", "password": PASSWORD}
    )
    assert right.status_code == 429
    assert int(right.headers["retry-after"]) > 0


# -- what every answer carries --------------------------------------------------------------


async def test_pages_carry_a_strict_csp_and_are_not_cached(client: httpx.AsyncClient) -> None:
    """Pages and API answers forbid scripts, frames and sniffing, and are not cached."""
    await sign_in(client)
    for path in ("/", "/login", "/healthz", "/queues/check"):
        answer = await client.get(path)
        assert answer.headers["content-security-policy"] == CSP
        assert "script-src" not in CSP
        assert "default-src 'none'" in CSP
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["cache-control"] == "no-store"


async def test_hostile_mail_is_escaped_and_sanitised(
    client: httpx.AsyncClient, rig: DeskRig
) -> None:
    """Script in the subject, sender, file names and HTML body reaches the page only as
    text: no tag, handler or javascript: link survives."""
    await sign_in(client)
    cid = await case_id(rig, HOSTILE_COI)
    page = (await client.get(f"/cases/{cid}")).text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    for dangerous in ("<script", "<img", "<iframe", "<svg", "<style>", '<form action="https'):
        assert dangerous not in page.lower(), dangerous
    assert not re.search(r"<[^>]*\son\w+\s*=", page), "an event handler survived"
    assert not re.search(r"href=\"\s*javascript:", page, re.IGNORECASE)
    queue = (await client.get("/queues/review")).text + (await client.get("/queues/check")).text
    assert "<script" not in queue


async def test_attachments_are_only_downloads(client: httpx.AsyncClient, rig: DeskRig) -> None:
    """An attachment (even an HTML one) is served as an octet-stream download, nosniff."""
    await sign_in(client)
    cid = await case_id(rig, HOSTILE_COI)
    page = (await client.get(f"/cases/{cid}")).text
    links = re.findall(rf'href="(/cases/{cid}/messages/\d+/attachments/\d+)"', page)
    assert len(links) == 2
    for link in links:
        answer = await client.get(link)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/octet-stream"
        assert answer.headers["content-disposition"].startswith("attachment;")
        assert answer.headers["x-content-type-options"] == "nosniff"
    html = await client.get(links[1])
    assert html.content == b"<html><script>alert('x')</script></html>"
    assert "filename*=UTF-8''invoice%3Cscript%3E" in html.headers["content-disposition"]
    missing = await client.get(f"/cases/{cid}/messages/999/attachments/0")
    assert missing.status_code == 404


# -- the officer's work through the pages ------------------------------------------------


async def test_a_decision_is_previewed_then_recorded_with_its_mail(
    client: httpx.AsyncClient, rig: DeskRig
) -> None:
    """The preview shows the importer's mail; recording it adds a decided event by the
    officer and the decision mail to the outbox, once."""
    csrf = await sign_in(client)
    cid = await case_id(rig, "COI.EC.2023.0031337")
    fields = {"csrf": csrf, "decision": "release_organic", "note": "Alles in orde."}
    preview = await client.post(f"/cases/{cid}/decision/preview", data=fields)
    assert preview.status_code == 200
    assert "tom1@vandammefruit.example.be" in preview.text
    assert "Beslissing / Decision: COI.EC.2023.0031337" in preview.text
    assert not await events(rig, cid, EventKind.DECIDED)
    recorded = await client.post(f"/cases/{cid}/decision", data=fields)
    assert recorded.status_code == 303
    [event] = await events(rig, cid, EventKind.DECIDED)
    assert (event.actor, event.data["decision"]) == ("anna", "release_organic")
    mails = [m for m in await rig.store.outbox() if m.kind == "decision"]
    assert [(m.case_id, m.status, m.event_id) for m in mails] == [(cid, "pending", event.id)]
    again = await client.post(f"/cases/{cid}/decision", data=fields)
    assert again.status_code == 409
    page = (await client.get(f"/cases/{cid}")).text
    assert "release_organic" in page
    assert "decision/preview" not in page


async def test_the_eta_correction_is_audited_and_the_case_placed_again(
    client: httpx.AsyncClient, rig: DeskRig
) -> None:
    """A corrected ETA records eta_changed by the officer, bumps the case version and the
    sweep places the new version (its timing judged again)."""
    csrf = await sign_in(client)
    cid = await case_id(rig, "COI.EC.2023.0031338")
    before = await rig.store.find_case(str(cid))
    assert before is not None
    far = date.today() + timedelta(days=40)
    answer = await client.post(f"/cases/{cid}/eta", data={"csrf": csrf, "eta": far.isoformat()})
    assert answer.status_code == 303
    [event] = await events(rig, cid, EventKind.ETA_CHANGED)
    assert event.actor == "anna"
    assert event.data["eta"] == far.isoformat()
    assert event.data["queue"] == "early"
    assert await sweep(rig.store, now=datetime.now(UTC)) == 1
    after = await rig.store.find_case(str(cid))
    assert after is not None
    assert (after.eta, after.queue, after.version) == (far, "early", before.version + 1)
    assert after.placed_version == after.version
    bad = await client.post(f"/cases/{cid}/eta", data={"csrf": csrf, "eta": "tomorrow"})
    assert bad.status_code == 400


async def test_a_prfc_request_is_confirmed_listed_and_answered(
    client: httpx.AsyncClient, rig: DeskRig
) -> None:
    """Confirming a PRFC request lists the point of release with who and when, and mails
    the requester the confirmation (Dutch, then English)."""
    csrf = await sign_in(client)
    async with rig.store.transaction() as session:
        cid = await session.scalar(select(t.Case.id).where(t.Case.kind == "prfc_request"))
    assert cid is not None
    page = await client.get(f"/cases/{cid}")
    assert "Confirm and list" in page.text
    answer = await client.post(
        f"/cases/{cid}/prfc",
        data={
            "csrf": csrf,
            "answer": "confirm",
            "company": "Van Damme Fruit NV",
            "address": "Noorderlaan 12\n2030 Antwerpen",
        },
    )
    assert answer.status_code == 303
    async with rig.store.transaction() as session:
        points = (await session.scalars(select(t.ReleasePoint))).all()
    assert [(p.company, p.address, p.confirmed_by) for p in points] == [
        ("Van Damme Fruit NV", "Noorderlaan 12\n2030 Antwerpen", "anna")
    ]
    [mail] = [m for m in await rig.store.outbox() if m.kind == "prfc_confirmed"]
    raw = (await rig.store.outbox())[0]
    assert raw.case_id == cid
    assert mail.subject.startswith("Bevestigd / Confirmed")
    [event] = await events(rig, cid, EventKind.DECIDED)
    assert (event.actor, event.data["decision"]) == ("anna", "prfc_confirmed")


# -- the JSON API ----------------------------------------------------------------------------


async def test_the_api_lists_queues_pages_and_searches(
    client: httpx.AsyncClient, rig: DeskRig
) -> None:
    """Counts, a queue's cases in priority order with a keyset cursor, and search by COI
    in any spelling or by importer."""
    auth = bearer(rig.token)
    counts = {c["queue"]: c["open"] for c in (await client.get("/api/queues", headers=auth)).json()}
    assert (counts["check"], counts["incomplete"], counts["prfc"]) == (3, 1, 1)
    page = (await client.get("/api/queues/check/cases", headers=auth)).json()
    listed = [c["coi"] for c in page["cases"]]
    assert set(listed) == {"COI.EC.2023.0031337", "COI.EC.2023.0031338", HOSTILE_COI}
    # the later ETA comes last: priority is ETA first
    assert listed[-1] == "COI.EC.2023.0031338"
    assert page["next"] is None
    found = await client.get(
        "/api/queues/check/cases", headers=auth, params={"search": "coi ec 2023 31338"}
    )
    assert [c["coi"] for c in found.json()["cases"]] == ["COI.EC.2023.0031338"]
    by_importer = await client.get(
        "/api/queues/check/cases", headers=auth, params={"search": "TOM1@"}
    )
    assert [c["coi"] for c in by_importer.json()["cases"]] == ["COI.EC.2023.0031337"]
    none = await client.get("/api/queues/check/cases", headers=auth, params={"status": "decided"})
    assert none.json() == {"cases": [], "next": None}


async def test_the_api_records_decisions_and_refuses_a_second(
    client: httpx.AsyncClient, rig: DeskRig
) -> None:
    """A decision through the API is recorded with the token's officer; a second is 409."""
    auth = bearer(rig.token)
    cid = await case_id(rig, "COI.PE.2023.0000042")
    body = {"decision": "documents_requested", "documents": ["commercial invoice"]}
    preview = await client.post(f"/api/cases/{cid}/decision/preview", headers=auth, json=body)
    assert "commercial invoice" in preview.json()["text"]
    decided = await client.post(f"/api/cases/{cid}/decision", headers=auth, json=body)
    assert decided.status_code == 200
    assert decided.json()["outgoing"] is not None
    [event] = await events(rig, cid, EventKind.DECIDED)
    assert event.actor == "anna"
    detail = (await client.get(f"/api/cases/{cid}", headers=auth)).json()
    assert detail["status"] == "waiting"
    assert detail["decision"] == "documents_requested"
    final = await client.post(
        f"/api/cases/{cid}/decision", headers=auth, json={"decision": "rejected"}
    )
    assert final.status_code == 200
    again = await client.post(
        f"/api/cases/{cid}/decision", headers=auth, json={"decision": "rejected"}
    )
    assert again.status_code == 409
    empty = await client.post(
        f"/api/cases/{cid}/decision/preview", headers=auth, json={"decision": "nonsense"}
    )
    assert empty.status_code == 422
    assert (await client.get("/api/cases/999999", headers=auth)).status_code == 404


async def test_failed_mail_is_retried_and_quarantine_replay_is_for_admins(
    client: httpx.AsyncClient, rig: DeskRig
) -> None:
    """A failed mail is due again after a retry (audited); replaying quarantine needs the
    admin role."""
    auth = bearer(rig.token)
    async with rig.store.transaction() as session:
        mail = await session.scalar(select(t.Outgoing).limit(1))
        assert mail is not None
        mail.status = OutboxStatus.FAILED.value
        mail_id, mail_case = mail.id, mail.case_id
    listed = (await client.get("/api/outbox", headers=auth)).json()
    assert mail_id in [m["id"] for m in listed if m["status"] == "failed"]
    retried = await client.post(f"/api/outbox/{mail_id}/retry", headers=auth)
    assert retried.status_code == 200
    [row] = [m for m in await rig.store.outbox() if m.id == mail_id]
    assert row.status == "pending"
    [event] = await events(rig, mail_case, EventKind.MAIL_RETRIED)
    assert event.actor == "anna"
    again = await client.post(f"/api/outbox/{mail_id}/retry", headers=auth)
    assert again.status_code == 409
    raw = b"From: a@b.example\r\nSubject: COI.EC.2023.0077777\r\n\r\nhello\r\n"
    await rig.store.hold(
        raw, sha256="f" * 64, source_ref="test", reason="test", now=datetime.now(UTC)
    )
    [held] = (await client.get("/api/quarantine", headers=auth)).json()
    refused = await client.post(f"/api/quarantine/{held['id']}/replay", headers=auth)
    assert refused.status_code == 403
    admin = bearer(rig.admin_token)
    replayed = await client.post(f"/api/quarantine/{held['id']}/replay", headers=admin)
    assert replayed.status_code == 200
    assert replayed.json()["case_id"] is not None
    assert (await client.get("/api/quarantine", headers=auth)).json() == []
