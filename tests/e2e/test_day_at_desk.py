"""A day at the desk, end to end: an importer's notification arrives over LMTP, the desk's
processes (started as an operator starts them) take it in, acknowledge it through the SMTP
relay into the importer's mailbox, an officer decides, and the decision mail arrives; health,
metrics and logs show all of it and no secret."""

from __future__ import annotations

import json

import pytest

from tests.e2e.desk import DESK_PASSWORD, RELAY_PASSWORD, Desk, coi_of, wait_until
from tests.e2e.mail import coi, importer, notification

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(240)]

SECRET_LINE = "Kluiscode magazijn: 4815-1623-42"


def test_notification_acknowledged_decided_and_seen_in_metrics_and_logs(desk: Desk) -> None:
    """A notification is acknowledged in the importer's mailbox, the officer's decision
    mail follows, the ops endpoints count it, and no log line holds a password, token or
    the mail's body."""
    desk.add_mailbox(importer(1))
    intake = desk.start("intake")
    worker = desk.start("worker")

    desk.send_in(notification(1, secret=SECRET_LINE), sender=importer(1))
    wait_until(lambda: len(desk.read_mailbox(importer(1))) >= 1, timeout_s=60, what="the ack")
    ack = desk.read_mailbox(importer(1))[0]
    assert coi_of(ack) == coi(1)
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"]

    decided = desk.ok("decide", coi(1), "release_organic", "--by", "an officer")
    assert "release_organic recorded" in decided
    # the CLI enqueues the decision mail; the running worker sends it
    wait_until(
        lambda: len(desk.read_mailbox(importer(1))) >= 2, timeout_s=60, what="the decision mail"
    )
    mails = desk.read_mailbox(importer(1))
    assert len(mails) == 2
    assert {coi_of(mail) for mail in mails} == {coi(1)}
    # the taken mail left the desk's inbox for Processed
    assert desk.read_mailbox("intake@example.test") == []
    assert len(desk.read_mailbox("intake@example.test", "Processed")) == 1

    assert (
        intake.metric("importbio_mails_taken_total", kind="notification", outcome="new_case") == 1
    )
    assert intake.metric("importbio_triage_total", queue="check") == 1
    assert intake.metric("importbio_take_seconds_count") == 1
    assert worker.metric("importbio_mail_attempts_total", delivery="sent") == 2
    assert worker.metric("importbio_send_seconds_count") == 2
    assert worker.metric("importbio_place_seconds_count") >= 1
    assert worker.metric("importbio_outbox_mails", status="pending") == 0
    # the case was decided: it left every officer queue
    assert (
        sum(
            worker.metric("importbio_queue_depth", queue=q)
            for q in ("check", "incomplete", "review", "early", "late", "extra_controls")
        )
        == 0
    )
    status, body = worker.get("/readyz")
    assert status == 200
    assert json.loads(body)["ready"] is True

    health = json.loads(desk.ok("health", "--json"))
    assert health["healthy"] is True
    assert [check["name"] for check in health["checks"]] == ["store", "redis", "mailbox", "smtp"]

    for process in (intake, worker):
        assert process.stop() == 0
    logs = desk.logs()
    for secret in (DESK_PASSWORD, RELAY_PASSWORD, SECRET_LINE, "4815-1623"):
        assert secret not in logs
    events = intake.log_events() + worker.log_events()
    taken = [e for e in events if e["event"] == "message taken"]
    assert len(taken) == 1
    assert taken[0]["message_id"]
    assert taken[0]["case_id"]
    placed = [e for e in events if e["event"] == "check placed"]
    assert placed
    assert placed[0]["job_id"].startswith("check:")
    sent = [e for e in events if e["event"] == "mail attempt"]
    assert all(e["job_id"] for e in sent)
