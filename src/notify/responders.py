"""notify plugged into the case store: the acknowledgment of an incoming mail and the
mail of a decision, each planned in the transaction of the event that causes it."""

from __future__ import annotations

from datetime import datetime

import structlog

from intake.case.effects import CaseSnapshot, PlannedMail
from intake.report import MailReport
from notify.addresses import case_recipient
from notify.codes import Decision
from notify.compose import compose_ack, compose_decision
from notify.desk import Desk
from notify.facts import CaseFacts
from notify.policy import auto_reply_allowed

log = structlog.get_logger(__name__)


class Acknowledger:
    """Answers each new notification, PRFC request and account question, unless the
    policy (RFC 3834, loops, the daily limit per sender) says no."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def may_answer(self, report: MailReport) -> bool:
        """Whether the policy could let an answer go, before the daily count is known."""
        allowed, why = auto_reply_allowed(report, self.desk, sent_today_to_sender=0)
        if not allowed:
            log.info("no acknowledgment", message_id=report.message_id, why=why)
        return allowed

    def __call__(
        self, report: MailReport, case: CaseSnapshot, *, sent_today_to_sender: int, now: datetime
    ) -> PlannedMail | None:
        allowed, why = auto_reply_allowed(
            report, self.desk, sent_today_to_sender=sent_today_to_sender
        )
        if not allowed:
            log.info(
                "no acknowledgment", case_id=case.case_id, message_id=report.message_id, why=why
            )
            return None
        key = f"ack:{report.sha256}"
        mail = compose_ack(
            report,
            CaseFacts(
                case,
                extra_controls=tuple((m.product, m.min_share_pct) for m in report.extra_controls),
                importer_name=report.from_name,
            ),
            self.desk,
            key=key,
        )
        return mail.planned(self.desk, key=key, now=now) if mail else None


class DecisionNotice:
    """Tells the importer (its Reply-To when it gave a valid one) an officer's decision."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def __call__(
        self,
        case: CaseSnapshot,
        decision: str,
        *,
        note: str | None,
        documents_requested: tuple[str, ...],
        event_id: int,
        now: datetime,
    ) -> PlannedMail | None:
        recipient = case_recipient(
            reply_to=case.reply_to, sender=case.importer, flags=case.flags, desk=self.desk
        )
        if recipient is None:
            log.warning("decision mail not possible", case_id=case.case_id, why="no valid address")
            return None
        key = f"decision:{event_id}"
        try:
            mail = compose_decision(
                CaseFacts(case),
                Decision(decision),
                note=note,
                documents_requested=documents_requested,
                desk=self.desk,
                to=(recipient,),
                in_reply_to=case.thread[-1] if case.thread else None,
                references=case.thread,
                key=key,
            )
        except ValueError as exc:  # no valid outside address to tell: the officer sees it
            log.warning("decision mail not possible", case_id=case.case_id, why=str(exc))
            return None
        return mail.planned(self.desk, key=key, now=now)
