"""What the web desk tells the logs and the metrics: sign-ins, refused forms, decisions.

One call per happening, each a log line with the ids an operator searches by and a counter
Prometheus alerts on. Names and addresses are logged; a password, a session cookie or a
CSRF token never is.
"""

from __future__ import annotations

from enum import StrEnum

import structlog

from intake.metrics import DESK_DECISIONS, DESK_FORMS_REFUSED, DESK_SIGN_INS
from notify.codes import Decision

log = structlog.get_logger(__name__)


class SignIn(StrEnum):
    """How a sign-in attempt ended."""

    OK = "ok"
    REFUSED = "refused"
    THROTTLED = "throttled"


def sign_in(outcome: SignIn, *, name: str, client: str) -> None:
    """Count and log one sign-in attempt (a refused one as a warning)."""
    DESK_SIGN_INS.labels(outcome.value).inc()
    if outcome is SignIn.OK:
        log.info("desk sign-in", officer=name, client=client)
    else:
        log.warning("desk sign-in refused", officer=name, client=client, outcome=outcome.value)


def form_refused(*, path: str, client: str) -> None:
    """Count and log a form posted without a valid CSRF token or session."""
    DESK_FORMS_REFUSED.inc()
    log.warning("desk form refused", path=path, client=client)


def decided(*, case_id: int, decision: Decision, by: str, outgoing_id: int | None) -> None:
    """Count and log a decision recorded in the desk (page or API)."""
    DESK_DECISIONS.labels(decision.value).inc()
    log.info(
        "desk decision recorded",
        case_id=case_id,
        decision=decision.value,
        officer=by,
        outgoing_id=outgoing_id,
    )
