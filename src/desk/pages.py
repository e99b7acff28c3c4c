"""The desk's pages: login, queues, a queue's cases, a case, decisions, outbox, quarantine.

Server-rendered, no script. Every page but the login form needs a signed-in officer;
every form posts the session's CSRF token, checked before anything is read or changed.
A change answers with a redirect (post/redirect/get), so reloading never repeats it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.utils import quote
from typing import Annotated, Any
from urllib.parse import quote as url_quote
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from desk import audit
from desk.accounts import User
from desk.actions import ActionError, Changed
from desk.app import DeskState, NotSignedIn, desk_state, session_user, state
from desk.listing import OPEN_STATUSES, CaseFilter, Cursor
from desk.mailview import attachment_bytes, view_mail
from desk.security import CSRF_FIELD, RefusedForm, csrf_matches, new_csrf_token
from intake.codes import CaseStatus, Kind, OutboxStatus, Queue
from notify.codes import Decision

router = APIRouter(include_in_schema=False)
MIN_YEAR, MAX_YEAR = 2000, 2100
_QUEUE_LABELS = {
    Queue.REVIEW: "Review",
    Queue.EXTRA_CONTROLS: "Extra controls",
    Queue.INCOMPLETE: "Incomplete",
    Queue.EARLY: "Early",
    Queue.LATE: "Late",
    Queue.CHECK: "Documentary check",
    Queue.PRFC: "Points of release",
    Queue.ACCOUNT: "Account questions",
    Queue.REPLIES: "Replies",
    Queue.DISCARD: "Discard",
}


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = new_csrf_token()
        request.session["csrf"] = token
    return token


async def page_user(request: Request) -> User:
    """The signed-in officer; anyone else is sent to the login page."""
    user = await session_user(request)
    if user is None:
        raise NotSignedIn
    return user


async def checked_form(request: Request) -> FormData:
    """The posted form, after its CSRF token was checked (403 otherwise)."""
    form = await request.form(max_files=0, max_fields=60, max_part_size=64 * 1024)
    if not csrf_matches(request.session.get("csrf"), form.get(CSRF_FIELD)):
        raise RefusedForm
    return form


Officer = Annotated[User, Depends(page_user)]
State = Annotated[DeskState, Depends(desk_state)]
Form = Annotated[FormData, Depends(checked_form)]


def render(
    request: Request, name: str, user: User | None, status_code: int = 200, **values: Any
) -> HTMLResponse:
    """A page from its template, with what every page needs."""
    template = state(request).templates.get_template(name)
    html = template.render(
        user=user,
        csrf=csrf_token(request),
        queue_labels=_QUEUE_LABELS,
        **values,
    )
    return HTMLResponse(html, status_code=status_code)


def problem(request: Request, user: User | None, message: str, status_code: int) -> HTMLResponse:
    """A page that says why something was refused."""
    return render(request, "problem.html", user, status_code, message=message)


def _field(form: FormData, name: str, max_chars: int = 4000) -> str:
    value = form.get(name)
    return value[:max_chars] if isinstance(value, str) else ""


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


async def _done(request: Request, changed: Changed, to: str) -> Response:
    await state(request).announce(changed)
    return RedirectResponse(to, status_code=303)


# -- signing in and out ----------------------------------------------------------------


@router.get("/login")
async def login_form(request: Request) -> Response:
    """The login form."""
    if await session_user(request) is not None:
        return RedirectResponse("/", status_code=303)
    return render(request, "login.html", None, error="")


@router.post("/login")
async def login(request: Request, form: Form, desk: State) -> Response:
    """Sign in: throttled per name and per address, a new session on success."""
    name, password = _field(form, "name", 100).strip(), _field(form, "password", 1000)
    client = request.client.host if request.client else "-"
    keys = (f"name:{name.lower()}", f"addr:{client}")
    wait_s = desk.throttle.retry_after_s(*keys)
    if wait_s > 0:
        audit.sign_in(audit.SignIn.THROTTLED, name=name, client=client)
        response = render(
            request,
            "login.html",
            None,
            429,
            error=f"Too many failed logins: try again in {int(wait_s) // 60 + 1} minutes.",
        )
        response.headers["Retry-After"] = str(int(wait_s) + 1)
        return response
    user = await desk.accounts.authenticate(name, password, now=datetime.now(UTC))
    if user is None:
        desk.throttle.failed(*keys)
        audit.sign_in(audit.SignIn.REFUSED, name=name, client=client)
        return render(request, "login.html", None, 401, error="Wrong name or password.")
    desk.throttle.succeeded(*keys)
    audit.sign_in(audit.SignIn.OK, name=name, client=client)
    request.session.clear()
    request.session.update({"uid": user.id, "epoch": user.session_epoch, "csrf": new_csrf_token()})
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
async def logout(request: Request, form: Form) -> Response:
    """Sign out: the session is emptied."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


# -- queues and cases ------------------------------------------------------------------


@router.get("/")
async def home(request: Request, user: Officer, desk: State) -> Response:
    """Today's queues with their counts, most urgent first."""
    counts = await desk.store.queue_counts()
    return render(request, "queues.html", user, counts=counts)


@router.get("/queues/{queue}")
async def queue_page(request: Request, queue: Queue, user: Officer, desk: State) -> Response:
    """A queue's cases in priority order, 50 a page, with filters and search."""
    params = request.query_params
    status_value = params.get("status", "")
    status = CaseStatus(status_value) if status_value in set(CaseStatus) else None
    where = CaseFilter(
        queue=queue,
        search=params.get("search", "")[:200],
        status=status,
        eta_from=_day(params.get("eta_from")),
        eta_to=_day(params.get("eta_to")),
        received_from=_day(params.get("received_from")),
        received_to=_day(params.get("received_to")),
    )
    page = await desk.listing.page(
        where, after=Cursor.decode(params.get("after")), with_open_count=True
    )
    kept = {k: v for k, v in params.items() if k != "after" and v and len(v) <= 200}
    next_url = (
        f"/queues/{queue.value}?{urlencode(kept | {'after': page.next_cursor.encode()})}"
        if page.next_cursor
        else None
    )
    return render(
        request,
        "queue.html",
        user,
        queue=queue,
        open_count=page.open_count,
        cases=page.cases,
        where=where,
        statuses=list(CaseStatus),
        open_statuses=OPEN_STATUSES,
        next_url=next_url,
        paged=bool(params.get("after")),
    )


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: int, user: Officer, desk: State) -> Response:
    """A case: reasons, flags, ETA, notes, its mails and attachments, the timeline, and
    the decision (or PRFC answer) form."""
    found = await desk.listing.case(case_id) if 0 < case_id < 2**62 else None
    if found is None:
        return problem(request, user, f"There is no case {case_id}.", 404)
    messages = await desk.store.case_messages(case_id)
    mails = []
    for message in messages:
        raw = await desk.store.raw(message.sha256)
        mails.append((message, view_mail(raw or b"")))
    documents = await desk.store.case_documents(case_id)
    return render(
        request,
        "case.html",
        user,
        case=found,
        mails=mails,
        documents=documents,
        timeline=await desk.store.timeline(case_id),
        decisions=list(Decision),
        is_prfc=found.kind == Kind.PRFC_REQUEST.value,
        is_open=found.status not in (CaseStatus.DECIDED.value, CaseStatus.CLOSED.value),
        release_points=await desk.listing.release_points(case_id=case_id),
        sampling=await desk.store.case_sampling(case_id),
    )


@router.get("/cases/{case_id}/messages/{message_pk}/attachments/{index}")
async def download(
    request: Request, case_id: int, message_pk: int, index: int, user: Officer, desk: State
) -> Response:
    """An attachment, only ever as a download: never rendered by the browser."""
    messages = await desk.store.case_messages(case_id) if 0 < case_id < 2**62 else []
    message = next((m for m in messages if m.id == message_pk), None)
    raw = await desk.store.raw(message.sha256) if message else None
    found = attachment_bytes(raw, index) if raw is not None and 0 <= index < 10_000 else None
    if found is None:
        return problem(request, user, "There is no such attachment.", 404)
    filename, data = found
    fallback = "".join(c if (c.isascii() and c.isalnum()) or c in "._-" else "_" for c in filename)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{quote(fallback[:100] or "attachment")}"; '
                f"filename*=UTF-8''{url_quote(filename, safe='')}"
            ),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/cases/{case_id}/notes")
async def add_note(
    request: Request, case_id: int, form: Form, user: Officer, desk: State
) -> Response:
    """Add a note to the case."""
    try:
        changed = await desk.actions.add_note(
            case_id, _field(form, "text"), by=user.name, now=datetime.now(UTC)
        )
    except ActionError as exc:
        return problem(request, user, str(exc), 409)
    return await _done(request, changed, f"/cases/{case_id}#timeline")


@router.post("/cases/{case_id}/eta")
async def change_eta(
    request: Request, case_id: int, form: Form, user: Officer, desk: State
) -> Response:
    """Correct the ETA from TRACES box 20."""
    eta = _day(_field(form, "eta", 20))
    if eta is None:
        return problem(request, user, "The ETA must be a date (YYYY-MM-DD).", 400)
    try:
        changed = await desk.actions.change_eta(case_id, eta, by=user.name, now=datetime.now(UTC))
    except ActionError as exc:
        return problem(request, user, str(exc), 409)
    return await _done(request, changed, f"/cases/{case_id}")


def _decision_fields(form: FormData) -> tuple[Decision | None, str, tuple[str, ...]]:
    value = _field(form, "decision", 40)
    decision = Decision(value) if value in set(Decision) else None
    documents = tuple(
        line.strip()[:200] for line in _field(form, "documents").splitlines() if line.strip()
    )
    return decision, _field(form, "note"), documents[:20]


@router.post("/cases/{case_id}/decision/preview")
async def preview_decision(
    request: Request, case_id: int, form: Form, user: Officer, desk: State
) -> Response:
    """The decision's mail as it will go out, and the button that records it."""
    decision, note, documents = _decision_fields(form)
    if decision is None:
        return problem(request, user, "Choose a decision.", 400)
    try:
        planned = await desk.actions.preview_decision(
            case_id, decision, note=note, documents=documents
        )
    except ActionError as exc:
        return problem(request, user, str(exc), 409)
    found = await desk.listing.case(case_id)
    return render(
        request,
        "preview.html",
        user,
        case=found,
        decision=decision,
        note=note,
        documents="\n".join(documents),
        mail=planned,
        mail_text=view_mail(planned.raw).text if planned else "",
    )


@router.post("/cases/{case_id}/decision")
async def decide(
    request: Request, case_id: int, form: Form, user: Officer, desk: State
) -> Response:
    """Record the decision and queue its mail."""
    decision, note, documents = _decision_fields(form)
    if decision is None:
        return problem(request, user, "Choose a decision.", 400)
    try:
        changed = await desk.actions.decide(
            case_id, decision, note=note, documents=documents, by=user.name, now=datetime.now(UTC)
        )
    except ActionError as exc:
        return problem(request, user, str(exc), 409)
    return await _done(request, changed, f"/cases/{case_id}")


@router.post("/cases/{case_id}/prfc")
async def answer_prfc(
    request: Request, case_id: int, form: Form, user: Officer, desk: State
) -> Response:
    """Confirm or refuse a request for a point of release."""
    answer = _field(form, "answer", 10)
    if answer not in ("confirm", "refuse"):
        return problem(request, user, "Choose to confirm or to refuse.", 400)
    try:
        changed = await desk.actions.answer_prfc(
            case_id,
            confirmed=answer == "confirm",
            company=_field(form, "company", 300),
            address=_field(form, "address", 2000),
            note=_field(form, "note"),
            by=user.name,
            now=datetime.now(UTC),
        )
    except ActionError as exc:
        return problem(request, user, str(exc), 409)
    return await _done(request, changed, f"/cases/{case_id}")


# -- outbox and quarantine ------------------------------------------------------------


@router.get("/outbox")
async def outbox_page(request: Request, user: Officer, desk: State) -> Response:
    """Mail that failed, bounced or waits to be sent, newest first."""
    rows = await desk.store.outbox(
        statuses=(
            OutboxStatus.FAILED,
            OutboxStatus.BOUNCED,
            OutboxStatus.PENDING,
            OutboxStatus.SENDING,
        )
    )
    return render(request, "outbox.html", user, rows=rows[:500])


@router.post("/outbox/{outgoing_id}/retry")
async def retry(
    request: Request, outgoing_id: int, form: Form, user: Officer, desk: State
) -> Response:
    """Send a failed or bounced mail again."""
    try:
        changed = await desk.actions.retry_mail(outgoing_id, by=user.name, now=datetime.now(UTC))
    except ActionError as exc:
        return problem(request, user, str(exc), 409)
    return await _done(request, changed, "/outbox")


@router.get("/quarantine")
async def quarantine_page(request: Request, user: Officer, desk: State) -> Response:
    """Messages held because they could not be read whole."""
    return render(request, "quarantine.html", user, entries=await desk.store.quarantined())


@router.post("/quarantine/{entry_id}/replay")
async def replay(
    request: Request, entry_id: int, form: Form, user: Officer, desk: State
) -> Response:
    """Read a held message again (admins only)."""
    if not user.is_admin:
        return problem(request, user, "Only an admin replays quarantine.", 403)
    try:
        _, changed = await desk.actions.replay(
            entry_id, context=desk.triage_context, by=user.name, now=datetime.now(UTC)
        )
    except ActionError as exc:
        return problem(request, user, str(exc), 409)
    if changed is None:
        return RedirectResponse("/quarantine", status_code=303)
    return await _done(request, changed, f"/cases/{changed.case_id}")
