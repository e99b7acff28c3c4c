"""The desk's JSON API under ``/api/``: the same operations as the pages, for API tokens.

Only a bearer token opens it (``Authorization: Bearer <token>``); a browser's session
cookie does not, so no cross-site form can reach it and it needs no CSRF token. Bodies
and answers are pydantic models, which the OpenAPI schema at ``/api/openapi.json``
(behind the same token) documents.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_json

from desk.accounts import User
from desk.actions import ActionError, Changed
from desk.app import DeskState, desk_state, state
from desk.listing import CaseFilter, Cursor, Page
from importbio import views
from intake.codes import CaseStatus, OutboxStatus, Queue
from notify.codes import Decision

MIN_YEAR, MAX_YEAR = 2000, 2100
CaseId = Annotated[int, Path(ge=1, le=2**53, description="The case number.")]
MailId = Annotated[int, Path(ge=1, le=2**53, description="The outgoing mail's number.")]
EntryId = Annotated[int, Path(ge=1, le=2**53, description="The quarantine entry's number.")]
Text = Annotated[str, Field(max_length=4000)]

_bearer = HTTPBearer(auto_error=False, description="An API token from `importbio users token`.")
router = APIRouter(prefix="/api", tags=["desk"])


async def api_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The officer an API token belongs to; 401 without a valid one."""
    user = None
    if credentials is not None and credentials.scheme.lower() == "bearer":
        user = await state(request).accounts.token_user(credentials.credentials)
    if user is None:
        raise HTTPException(401, "a valid API token is needed", {"WWW-Authenticate": "Bearer"})
    return user


Officer = Annotated[User, Depends(api_user)]
State = Annotated[DeskState, Depends(desk_state)]


class Problem(BaseModel):
    """Why a request was refused."""

    detail: str


class QueueCount(BaseModel):
    """A queue and how many open cases it holds."""

    queue: Queue
    open: int


class CaseSummary(BaseModel):
    """A case as a queue lists it."""

    model_config = ConfigDict(extra="ignore")

    id: int
    coi: str | None
    kind: str
    status: str
    queue: str
    eta: date | None
    window_opens: date | None
    risk: int
    importer: str | None
    subject: str
    missing: list[str]
    flags: list[str]
    why: str
    version: int
    placed: bool
    created_at: datetime
    updated_at: datetime


class CasePage(BaseModel):
    """A page of a queue's cases; ``next`` is the ``after`` of the following page."""

    cases: list[CaseSummary]
    next: str | None


class ReleasePointOut(BaseModel):
    """A confirmed point of release for free circulation."""

    id: int
    company: str
    address: str
    confirmed_at: datetime
    confirmed_by: str
    superseded_at: datetime | None


class CaseDetail(CaseSummary):
    """A whole case: its documents, messages (with triage reasons) and timeline."""

    reply_to: str | None
    decision: str | None
    documents: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    release_points: list[ReleasePointOut]


class NoteIn(BaseModel):
    """A note for a case's timeline."""

    text: Text = Field(min_length=1)


class EtaIn(BaseModel):
    """The corrected expected arrival (TRACES box 20)."""

    eta: date


class DecisionIn(BaseModel):
    """An officer's decision, with an optional note and the documents still needed."""

    decision: Decision
    note: Text | None = None
    documents: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20
    )


class PrfcIn(BaseModel):
    """The answer to a request for a point of release for free circulation."""

    confirmed: bool
    company: Annotated[str, Field(max_length=300)] = ""
    address: Annotated[str, Field(max_length=2000)] = ""
    note: Text | None = None


class MailPreview(BaseModel):
    """The mail a decision would send."""

    to: list[str]
    subject: str
    text: str


class ChangeOut(BaseModel):
    """What a change recorded: its event, and the mail it queued."""

    case_id: int
    event_id: int
    outgoing: int | None


class OutgoingOut(BaseModel):
    """An outgoing mail's state."""

    id: int
    case_id: int
    kind: str
    status: str
    to: list[str]
    subject: str
    message_id: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_result: str


class QuarantineOut(BaseModel):
    """A message held because it could not be read whole."""

    id: int
    at: datetime
    status: str
    from_addr: str | None
    subject: str
    reason: str
    source_ref: str


class ReplayOut(BaseModel):
    """What replaying a quarantined message made of it."""

    outcome: str
    case_id: int | None


_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No valid API token."},
    404: {"model": Problem, "description": "No such thing."},
}
_CHANGE: dict[int | str, dict[str, Any]] = {
    **_REFUSED,
    409: {"model": Problem, "description": "The change is refused."},
}


def bounded_day(day: date | None, name: str) -> date | None:
    """``day`` if within the years the desk deals with; 422 otherwise."""
    if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
        raise HTTPException(422, f"{name} must be between {MIN_YEAR} and {MAX_YEAR}")
    return day


async def _announced(desk: DeskState, changed: Changed) -> ChangeOut:
    await desk.announce(changed)
    return ChangeOut(case_id=changed.case_id, event_id=changed.event_id, outgoing=changed.outgoing)


def _refused(exc: ActionError) -> HTTPException:
    message = str(exc)
    return HTTPException(404 if message.startswith("there is no") else 409, message)


@router.get("/queues", response_model=list[QueueCount], responses=_REFUSED)
async def queues(user: Officer, desk: State) -> list[QueueCount]:
    """Every queue with its number of open cases, most urgent first."""
    counts = await desk.store.queue_counts()
    return [QueueCount(queue=q, open=n) for q, n in counts.items()]


@router.get("/queues/{queue}/cases", response_model=CasePage, responses=_REFUSED)
async def queue_cases(
    queue: Queue,
    user: Officer,
    desk: State,
    search: Annotated[str, Query(max_length=200, description="COI, importer or subject")] = "",
    status: CaseStatus | None = None,
    eta_from: date | None = None,
    eta_to: date | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    after: Annotated[str | None, Query(max_length=60, description="`next` of a page")] = None,
) -> Response:
    """A queue's cases in priority order (ETA, risk), 50 a page, filtered."""
    where = CaseFilter(
        queue=queue,
        search=search,
        status=status,
        eta_from=bounded_day(eta_from, "eta_from"),
        eta_to=bounded_day(eta_to, "eta_to"),
        received_from=bounded_day(received_from, "received_from"),
        received_to=bounded_day(received_to, "received_to"),
    )
    page = await desk.listing.page(where, after=Cursor.decode(after))
    # The rows are typed values already: written as JSON in one pass, not validated into
    # 50 models and again as the response model (the schema stays ``CasePage``).
    return Response(page_json(page), media_type="application/json")


_SUMMARY_FIELDS = tuple(CaseSummary.model_fields)


def page_json(page: Page) -> bytes:
    """A page of cases as the JSON of ``CasePage``."""
    cases = [{name: getattr(row, name) for name in _SUMMARY_FIELDS} for row in page.cases]
    return to_json(
        {"cases": cases, "next": page.next_cursor.encode() if page.next_cursor else None}
    )


@router.get("/cases/{case_id}", response_model=CaseDetail, responses=_REFUSED)
async def case_detail(case_id: CaseId, user: Officer, desk: State) -> CaseDetail:
    """One case with its documents, messages and timeline."""
    found = await desk.listing.case(case_id)
    if found is None:
        raise HTTPException(404, f"there is no case {case_id}")
    detail = views.case_detail(
        found,
        await desk.store.timeline(case_id),
        await desk.store.case_messages(case_id),
        await desk.store.case_documents(case_id),
    )
    points = await desk.listing.release_points(case_id=case_id)
    return CaseDetail.model_validate(
        detail
        | {
            "decision": found.decision,
            "release_points": [
                ReleasePointOut.model_validate(p, from_attributes=True) for p in points
            ],
        }
    )


@router.post("/cases/{case_id}/notes", response_model=ChangeOut, responses=_CHANGE)
async def add_note(case_id: CaseId, body: NoteIn, user: Officer, desk: State) -> ChangeOut:
    """Add a note to the case's timeline."""
    try:
        changed = await desk.actions.add_note(
            case_id, body.text, by=user.name, now=datetime.now(UTC)
        )
    except ActionError as exc:
        raise _refused(exc) from None
    return await _announced(desk, changed)


@router.put("/cases/{case_id}/eta", response_model=ChangeOut, responses=_CHANGE)
async def change_eta(case_id: CaseId, body: EtaIn, user: Officer, desk: State) -> ChangeOut:
    """Correct the ETA (from TRACES box 20); the case is judged and placed again."""
    eta = bounded_day(body.eta, "eta")
    assert eta is not None
    try:
        changed = await desk.actions.change_eta(case_id, eta, by=user.name, now=datetime.now(UTC))
    except ActionError as exc:
        raise _refused(exc) from None
    return await _announced(desk, changed)


@router.post("/cases/{case_id}/decision/preview", response_model=MailPreview, responses=_CHANGE)
async def preview_decision(
    case_id: CaseId, body: DecisionIn, user: Officer, desk: State
) -> MailPreview:
    """The mail the decision would send, recording nothing."""
    from desk.mailview import view_mail

    try:
        planned = await desk.actions.preview_decision(
            case_id, body.decision, note=body.note, documents=tuple(body.documents)
        )
    except ActionError as exc:
        raise _refused(exc) from None
    if planned is None:
        raise HTTPException(409, "the case has no valid address to mail the decision to")
    return MailPreview(
        to=list(planned.recipients), subject=planned.subject, text=view_mail(planned.raw).text
    )


@router.post("/cases/{case_id}/decision", response_model=ChangeOut, responses=_CHANGE)
async def decide(case_id: CaseId, body: DecisionIn, user: Officer, desk: State) -> ChangeOut:
    """Record the decision and queue the mail that tells the importer."""
    try:
        changed = await desk.actions.decide(
            case_id,
            body.decision,
            note=body.note,
            documents=tuple(body.documents),
            by=user.name,
            now=datetime.now(UTC),
        )
    except ActionError as exc:
        raise _refused(exc) from None
    return await _announced(desk, changed)


@router.post("/cases/{case_id}/prfc", response_model=ChangeOut, responses=_CHANGE)
async def answer_prfc(case_id: CaseId, body: PrfcIn, user: Officer, desk: State) -> ChangeOut:
    """Confirm (and list) or refuse a point of release, and mail the requester."""
    try:
        changed = await desk.actions.answer_prfc(
            case_id,
            confirmed=body.confirmed,
            company=body.company,
            address=body.address,
            note=body.note,
            by=user.name,
            now=datetime.now(UTC),
        )
    except ActionError as exc:
        raise _refused(exc) from None
    return await _announced(desk, changed)


@router.get("/outbox", response_model=list[OutgoingOut], responses=_REFUSED)
async def outbox(
    user: Officer,
    desk: State,
    status: Annotated[list[OutboxStatus] | None, Query(max_length=5)] = None,
) -> list[OutgoingOut]:
    """Outgoing mail, newest first (default: failed, bounced and pending), at most 500."""
    statuses = tuple(status or (OutboxStatus.FAILED, OutboxStatus.BOUNCED, OutboxStatus.PENDING))
    rows = await desk.store.outbox(statuses=statuses)
    return [OutgoingOut.model_validate(views.outgoing_summary(r)) for r in rows[:500]]


@router.post("/outbox/{outgoing_id}/retry", response_model=ChangeOut, responses=_CHANGE)
async def retry(outgoing_id: MailId, user: Officer, desk: State) -> ChangeOut:
    """Send a failed or bounced mail again."""
    try:
        changed = await desk.actions.retry_mail(outgoing_id, by=user.name, now=datetime.now(UTC))
    except ActionError as exc:
        raise HTTPException(409, str(exc)) from None
    return await _announced(desk, changed)


@router.get("/quarantine", response_model=list[QuarantineOut], responses=_REFUSED)
async def quarantine(user: Officer, desk: State) -> list[QuarantineOut]:
    """Messages held in quarantine, newest first."""
    return [
        QuarantineOut.model_validate(q, from_attributes=True)
        for q in await desk.store.quarantined()
    ]


@router.post(
    "/quarantine/{entry_id}/replay",
    response_model=ReplayOut,
    responses={**_CHANGE, 403: {"model": Problem, "description": "Admins only."}},
)
async def replay(entry_id: EntryId, user: Officer, desk: State) -> ReplayOut:
    """Read a held message again with today's settings (admins only)."""
    if not user.is_admin:
        raise HTTPException(403, "only an admin replays quarantine")
    try:
        outcome, changed = await desk.actions.replay(
            entry_id, context=desk.triage_context, by=user.name, now=datetime.now(UTC)
        )
    except ActionError as exc:
        raise _refused(exc) from None
    if changed is not None:
        await desk.announce(changed)
    return ReplayOut(outcome=outcome, case_id=changed.case_id if changed else None)


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request, user: Officer) -> dict[str, Any]:
    """This API's OpenAPI schema."""
    schema: dict[str, Any] = request.app.openapi()
    return schema
