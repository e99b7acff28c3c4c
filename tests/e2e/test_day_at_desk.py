"""A day at the desk, end to end: importers' notifications arrive over LMTP, the desk's four
processes (started as an operator starts them) take them in and acknowledge them through the
SMTP relay into the importers' mailboxes, an officer signs in to the web desk and decides,
the decision mail arrives, and a week of reminder runs sends the missing-documents reminder
on the right working days only; what goes wrong on the way (a refused sign-in, a forged form,
a mail the relay refuses) shows in the logs and the metrics, and no log holds a secret."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from email.message import Message
from email.utils import parsedate_to_datetime

import pytest

from intake.calendar import BRUSSELS, WorkCalendar
from tests.e2e.desk import (
    DESK_PASSWORD,
    RELAY_PASSWORD,
    Desk,
    Process,
    coi_of,
    store_rows,
    subject_of,
    wait_until,
)
from tests.e2e.mail import coi, importer, notification
from tests.e2e.officer import Officer

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(240)]

SECRET_LINE = "Kluiscode magazijn: 4815-1623-42"
OFFICER = "anna"
OFFICER_PASSWORD = "Desk-pw-3c1d9e-long"
WRONG_PASSWORD = "Guess-pw-77aa01-long"
# importer 3's mailbox does not exist: the relay refuses its acknowledgment for good
UNKNOWN = 3


def _events(process: Process, event: str) -> list[dict[str, object]]:
    return [e for e in process.log_events() if e["event"] == event]


def test_day_notifications_acknowledged_decided_in_the_web_desk_and_failures_seen(
    desk: Desk,
) -> None:
    """Two notifications are acknowledged, a third's refused acknowledgment is counted and
    logged as failed, an officer decides in the web desk (after a refused sign-in and a
    forged form, both counted and logged) and the decision mail arrives; every process is
    healthy and ready, and no log line holds a password, token or the mail's body."""
    desk.add_mailbox(importer(1))
    intake = desk.start("intake")
    worker = desk.start("worker")
    scheduler = desk.start("scheduler")
    web = desk.start("web")

    desk.send_in(notification(1, secret=SECRET_LINE), sender=importer(1))
    desk.send_in(notification(UNKNOWN), sender=importer(UNKNOWN))
    wait_until(lambda: len(desk.read_mailbox(importer(1))) >= 1, timeout_s=60, what="the ack")
    ack = desk.read_mailbox(importer(1))[0]
    assert coi_of(ack) == coi(1)
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"]
    wait_until(
        lambda: worker.metric("importbio_mail_attempts_total", delivery="permanent") == 1,
        timeout_s=60,
        what="the refused acknowledgment",
    )
    assert worker.metric("importbio_outbox_mails", status="failed") == 1
    refused = [e for e in _events(worker, "mail attempt") if e["delivery"] == "permanent"]
    assert len(refused) == 1
    assert "550" in json.dumps(refused[0])

    desk.ok("users", "add", OFFICER, "--password-stdin", stdin=OFFICER_PASSWORD + "\n")
    officer = Officer(web.web_port)
    try:
        status, body = web.get("/readyz", port=web.web_port)
        assert status == 200, body
        assert [c["name"] for c in json.loads(body)["checks"]] == ["store", "redis"]

        assert officer.sign_in(OFFICER, WRONG_PASSWORD).status_code == 401
        assert web.metric("importbio_desk_sign_ins_total", outcome="refused") == 1
        signed_in = officer.sign_in(OFFICER, OFFICER_PASSWORD)
        assert signed_in.status_code == 303, signed_in.text
        assert officer.get("/").status_code == 200
        case_id = officer.case_id_in_queue("check", coi(1))

        forged = officer.post(
            f"/cases/{case_id}/decision", {"csrf": "forged", "decision": "rejected"}
        )
        assert forged.status_code == 403
        assert web.metric("importbio_desk_forms_refused_total") == 1

        recorded = officer.decide(case_id, "release_organic", note="Alles in orde.")
        assert recorded.status_code == 303, recorded.text
        assert recorded.headers["location"] == f"/cases/{case_id}"
        page = officer.get(f"/cases/{case_id}")
        assert "release_organic" in page.text
    finally:
        officer.close()
    assert web.metric("importbio_desk_decisions_total", decision="release_organic") == 1

    # the desk tells the workers at once; the running worker sends the decision mail
    wait_until(
        lambda: len(desk.read_mailbox(importer(1))) >= 2, timeout_s=60, what="the decision mail"
    )
    mails = desk.read_mailbox(importer(1))
    assert len(mails) == 2
    assert {coi_of(mail) for mail in mails} == {coi(1)}
    assert subject_of(mails[1]) != subject_of(mails[0])
    # the taken mails left the desk's inbox for Processed
    assert desk.read_mailbox("intake@example.test") == []
    assert len(desk.read_mailbox("intake@example.test", "Processed")) == 2

    assert (
        intake.metric("importbio_mails_taken_total", kind="notification", outcome="new_case") == 2
    )
    assert intake.metric("importbio_triage_total", queue="check") == 2
    assert intake.metric("importbio_take_seconds_count") == 2
    assert worker.metric("importbio_mail_attempts_total", delivery="sent") == 2
    assert worker.metric("importbio_send_seconds_count") == 3
    assert worker.metric("importbio_place_seconds_count") >= 1
    assert worker.metric("importbio_outbox_mails", status="pending") == 0
    # the decided case left the queues; the other waits on check
    assert worker.metric("importbio_queue_depth", queue="check") == 1

    assert scheduler.metric("importbio_scheduler_leader") == 1
    for process in (intake, worker, scheduler):
        status, body = process.get("/readyz")
        assert status == 200, body
        assert json.loads(body)["ready"] is True
    health = json.loads(desk.ok("health", "--json"))
    assert health["healthy"] is True
    assert [check["name"] for check in health["checks"]] == ["store", "redis", "mailbox", "smtp"]

    for process in (intake, worker, scheduler, web):
        assert process.stop() == 0, process.log()[-3000:]
    logs = desk.logs()
    for secret in (
        DESK_PASSWORD,
        RELAY_PASSWORD,
        SECRET_LINE,
        "4815-1623",
        OFFICER_PASSWORD,
        WRONG_PASSWORD,
    ):
        assert secret not in logs
    assert len(_events(scheduler, "scheduler leadership taken")) == 1
    refused_sign_ins = _events(web, "desk sign-in refused")
    assert [(e["officer"], e["outcome"]) for e in refused_sign_ins] == [(OFFICER, "refused")]
    assert [e["path"] for e in _events(web, "desk form refused")] == [f"/cases/{case_id}/decision"]
    decided = _events(web, "desk decision recorded")
    assert [(e["case_id"], e["decision"], e["officer"]) for e in decided] == [
        (case_id, "release_organic", OFFICER)
    ]
    events = intake.log_events() + worker.log_events()
    taken = [e for e in events if e["event"] == "message taken"]
    assert len(taken) == 2
    assert all(e["message_id"] and e["case_id"] for e in taken)
    placed = [e for e in events if e["event"] == "check placed"]
    assert placed
    assert str(placed[0]["job_id"]).startswith("check:")
    sent = [e for e in events if e["event"] == "mail attempt"]
    assert all(e["job_id"] for e in sent)


def _week_with_a_weekend(calendar: WorkCalendar) -> list[date]:
    """Wednesday to the Tuesday after, at least a week ahead, with no holiday on a weekday."""
    day = date.today() + timedelta(days=8)
    while True:
        day += timedelta(days=(2 - day.weekday()) % 7)  # the next Wednesday
        week = [day + timedelta(days=n) for n in range(7)]
        if all(calendar.is_working_day(d) for d in week if d.weekday() < 5):
            return week
        day += timedelta(days=1)


def test_week_of_reminder_runs_reminds_on_the_working_days_before_the_eta_once_each(
    desk: Desk,
) -> None:
    """A notification without its invoice, for goods arriving on a Tuesday: the desk lives
    through Wednesday to Tuesday (each day the reminder run at 10:00; a worker on the clock
    of Friday evening, then of Tuesday evening, sends what the runs queued), and the
    importer's mailbox gets the reminder of Thursday, Friday and Monday (the three working
    days before the ETA) and of no other day, once each, however often a run is repeated."""
    week = _week_with_a_weekend(WorkCalendar())
    wednesday, thursday, friday, saturday, sunday, monday, eta = week
    number = 2
    desk.add_mailbox(importer(number))
    intake = desk.start("intake")
    worker = desk.start("worker")
    desk.send_in(notification(number, eta=eta, invoice=False), sender=importer(number))
    wait_until(lambda: len(desk.read_mailbox(importer(number))) >= 1, timeout_s=60, what="ack")
    # from here on the desk's clock is the simulated week's: no process runs on today's
    for process in (intake, worker):
        assert process.stop() == 0, process.log()[-3000:]

    def reminded_on() -> list[date]:
        mails = desk.read_mailbox(importer(number))
        return sorted(
            _sent_on(m) for m in mails if subject_of(m).startswith("Herinnering / Reminder")
        )

    expected: list[date] = []
    for day in week:
        ten = datetime.combine(day, time(10), BRUSSELS)
        said = desk.ok("remind", "--now", ten.isoformat())
        if day in (saturday, sunday):
            assert "is not a working day" in said
        if day == thursday:
            # a catch-up run later the same day (after an outage) records nothing again
            desk.ok("remind", "--now", (ten + timedelta(hours=6)).isoformat())
        if day in (thursday, friday, monday):
            expected.append(day)
        if day in (friday, eta):
            # the worker of that evening: CLI runs take seconds each, so not one every day
            desk.ok("worker", "--burst", clock=ten + timedelta(hours=7))
            assert reminded_on() == expected, day

    mails = desk.read_mailbox(importer(number))
    # acknowledgment, the notice that the check window opened (on Wednesday), 3 reminders
    assert len(mails) == 5
    assert {coi_of(mail) for mail in mails} == {coi(number)}
    reminders = [m for m in mails if subject_of(m).startswith("Herinnering / Reminder")]
    assert all(m["In-Reply-To"] and m["Auto-Submitted"] == "auto-generated" for m in reminders)
    assert not {wednesday, saturday, sunday, eta} & set(reminded_on())
    assert store_rows(
        desk,
        "SELECT status, count(*) FROM outbox WHERE kind = 'reminder_missing' GROUP BY status",
    ) == [("sent", 3)]


def _sent_on(mail: Message) -> date:
    """The Brussels day a mail is dated (the simulated day of the run that made it)."""
    return parsedate_to_datetime(str(mail["Date"])).astimezone(BRUSSELS).date()
