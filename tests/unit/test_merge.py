"""Tests for the pure case-state rules: opening a case, merging later mail, settling by day."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.calendar import WorkCalendar, local_date
from intake.case.merge import CaseState, merge, open_case, settle
from intake.codes import DocRole, Flag, Kind, Queue
from intake.report import MailReport, read_mail
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet
from tests.support.pdf import make_pdf

SAMPLES = Path(__file__).parent.parent / "data" / "samples"
CALENDAR = WorkCalendar()
COI = "COI.EC.2023.0031337"
TUESDAY = datetime.fromisoformat("2023-06-13T11:00:00+02:00")
BL = ("BL MSCU1234567.pdf", ["BILL OF LADING", "Port of discharge: Antwerp"])
INVOICE = ("Factuur 2023-001.pdf", ["FACTUUR", "Factuurnummer 2023-001"])
PROFORMA = ("Proforma Invoice PI-7.pdf", ["PROFORMA INVOICE"])


@cache
def _tables() -> TableSet:
    return TableSet.load()


def read_at(raw: bytes, now: datetime) -> MailReport:
    """The report of ``raw`` triaged at ``now``."""
    context = TriageContext(
        reference_day=local_date(now), calendar=CALENDAR, tables=_tables(), now=now
    )
    return read_mail(raw, source="test", context=context)


@cache
def sample(stem: str) -> MailReport:
    """A sample mail's report, read at the moment its expectations name."""
    path = SAMPLES / f"{stem}.eml"
    expected = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
    return read_at(path.read_bytes(), datetime.fromisoformat(expected["now"]))


def build_mail(
    subject: str,
    body: str,
    *,
    attachments: Sequence[tuple[str, list[str]]] = (),
    in_reply_to: str | None = None,
) -> bytes:
    """A small plain-text mail with PDF attachments."""
    message = EmailMessage()
    message["From"] = "Fruit Import <import@fruit.example.nl>"
    message["To"] = "importbio@landbouw.example.be"
    message["Subject"] = subject
    message["Date"] = format_datetime(TUESDAY)
    if in_reply_to is not None:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    for filename, lines in attachments:
        message.add_attachment(
            make_pdf([lines]), maintype="application", subtype="pdf", filename=filename
        )
    return message.as_bytes()


def notification(
    eta: date | None,
    *,
    attachments: Sequence[tuple[str, list[str]]] = (BL, INVOICE),
    coi: str = COI,
    extra: str = "",
    now: datetime = TUESDAY,
) -> MailReport:
    """A notification for ``coi`` announcing ``eta``, triaged at ``now``."""
    eta_line = f"ETA Antwerpen: {eta:%d/%m/%Y}\n" if eta else ""
    body = f"Beste,\n\nHierbij melden wij een zending aan.\n{extra}\n{eta_line}\nGroeten\n"
    return read_at(build_mail(f"{coi} bananen", body, attachments=attachments), now)


def reply(
    *,
    eta: date | None = None,
    attachments: Sequence[tuple[str, list[str]]] = (),
    coi: str = COI,
    now: datetime = TUESDAY,
) -> MailReport:
    """A reply to the desk's mail about ``coi``, optionally giving a new ETA."""
    eta_line = f"Nieuwe ETA Antwerpen: {eta:%d/%m/%Y}\n" if eta else ""
    body = f"Beste,\n\nIn bijlage wat u vroeg.\n{eta_line}\nGroeten\n"
    raw = build_mail(
        f"RE: {coi} bananen",
        body,
        attachments=attachments,
        in_reply_to="<desk-0001@landbouw.example.be>",
    )
    return read_at(raw, now)


def opened(report: MailReport, today: date) -> CaseState:
    """The case ``report`` opens on ``today``."""
    return open_case(report, today=today, calendar=CALENDAR)


# -- the reply flow of samples 05 and 37 ------------------------------------------------------


def test_case_opened_by_notification_missing_its_invoice_is_incomplete() -> None:
    """A notification with only the B/L opens an incomplete case that misses the invoice."""
    state = opened(sample("05_outlook_nl_missing_invoice"), date(2023, 6, 13))
    assert state.kind is Kind.NOTIFICATION
    assert state.coi == COI
    assert state.queue is Queue.INCOMPLETE
    assert state.missing == (DocRole.INVOICE,)
    assert state.roles == frozenset({DocRole.TRANSPORT})
    assert state.why == "the invoice is missing"


def test_reply_bringing_the_invoice_makes_the_case_ready_for_check() -> None:
    """Merging the reply that brings the missing invoice completes the case: queue check."""
    case = opened(sample("05_outlook_nl_missing_invoice"), date(2023, 6, 13))
    answer = sample("37_outlook_nl_reply_with_missing_invoice")
    merged = merge(case, answer, today=date(2023, 6, 14), calendar=CALENDAR)
    assert merged.kind is Kind.NOTIFICATION
    assert merged.queue is Queue.CHECK
    assert merged.missing == ()
    assert merged.roles == frozenset({DocRole.TRANSPORT, DocRole.INVOICE})
    assert merged.eta == case.eta == date(2023, 6, 16)


@pytest.mark.parametrize(
    "stem",
    ["38_outlook_nl_out_of_office", "39_gmail_en_out_of_office", "42_postfix_dsn_bounce"],
)
def test_machine_mail_changes_nothing(stem: str) -> None:
    """An auto-reply or a bounce joins the case's timeline but leaves its state as it was."""
    report = sample(stem)
    assert report.kind in {Kind.AUTO_REPLY, Kind.BOUNCE}
    case = opened(sample("05_outlook_nl_missing_invoice"), date(2023, 6, 13))
    assert merge(case, report, today=date(2023, 6, 20), calendar=CALENDAR) == case


def test_case_opened_by_a_reply_becomes_a_notification_when_it_arrives() -> None:
    """A reply that comes first opens a reply case; the notification then makes it one."""
    first = opened(sample("37_outlook_nl_reply_with_missing_invoice"), date(2023, 6, 14))
    assert first.kind is Kind.REPLY
    assert first.queue is Queue.REPLIES
    assert first.missing == ()
    merged = merge(
        first, sample("05_outlook_nl_missing_invoice"), today=date(2023, 6, 14), calendar=CALENDAR
    )
    assert merged.kind is Kind.NOTIFICATION
    assert merged.coi == COI
    assert merged.eta == date(2023, 6, 16)
    assert merged.queue is Queue.CHECK  # the reply's invoice and the notification's B/L


def test_later_reply_does_not_demote_a_notification() -> None:
    """A reply merged into a notification case leaves it a notification."""
    case = opened(notification(date(2023, 6, 16)), date(2023, 6, 13))
    merged = merge(case, reply(), today=date(2023, 6, 13), calendar=CALENDAR)
    assert merged.kind is Kind.NOTIFICATION
    assert merged == case


# -- timing -------------------------------------------------------------------------------------


def test_later_eta_replaces_the_earlier_and_timing_is_judged_again() -> None:
    """A new ETA from a reply replaces the old one; too early now, the case waits on early."""
    case = opened(notification(date(2023, 6, 16)), date(2023, 6, 13))
    assert case.queue is Queue.CHECK
    moved = merge(case, reply(eta=date(2023, 6, 30)), today=date(2023, 6, 14), calendar=CALENDAR)
    assert moved.eta == date(2023, 6, 30)
    assert moved.window_opens == CALENDAR.window_opens(date(2023, 6, 30)) == date(2023, 6, 23)
    assert Flag.TOO_EARLY in moved.flags
    assert moved.queue is Queue.EARLY


@pytest.mark.parametrize(
    ("today", "queue", "too_early"),
    [
        (date(2023, 6, 22), Queue.EARLY, True),
        (date(2023, 6, 23), Queue.CHECK, False),  # the day the window opens
        (date(2023, 6, 26), Queue.CHECK, False),
        (date(2023, 7, 1), Queue.LATE, False),
    ],
)
def test_settle_moves_an_early_case_as_days_pass(
    today: date, queue: Queue, too_early: bool
) -> None:
    """Settled again on a later day, an early case moves to check once its window opens."""
    case = opened(notification(date(2023, 6, 16)), date(2023, 6, 13))
    early = merge(case, reply(eta=date(2023, 6, 30)), today=date(2023, 6, 14), calendar=CALENDAR)
    settled = settle(early, today=today, calendar=CALENDAR)
    assert settled.queue is queue
    assert (Flag.TOO_EARLY in settled.flags) is too_early


def test_message_without_eta_keeps_the_case_eta() -> None:
    """A later message that names no ETA leaves the case's ETA and window as they were."""
    case = opened(notification(date(2023, 6, 16), attachments=(BL,)), date(2023, 6, 13))
    merged = merge(case, reply(attachments=(INVOICE,)), today=date(2023, 6, 13), calendar=CALENDAR)
    assert merged.eta == date(2023, 6, 16)
    assert merged.window_opens == case.window_opens


def test_timing_flags_are_judged_for_today_not_copied_from_the_message() -> None:
    """A report triaged too early opens a case on a later day without the too_early flag."""
    report = notification(date(2023, 6, 30))  # triaged on 13 June: too early
    assert Flag.TOO_EARLY in report.flags
    assert report.queue is Queue.EARLY
    state = opened(report, date(2023, 6, 26))
    assert Flag.TOO_EARLY not in state.flags
    assert state.queue is Queue.CHECK


def test_case_becomes_late_once_its_eta_has_passed() -> None:
    """Settled after the ETA, a case is flagged late and goes to the late queue."""
    case = opened(notification(date(2023, 6, 16)), date(2023, 6, 13))
    assert Flag.LATE not in case.flags
    late = settle(case, today=date(2023, 6, 19), calendar=CALENDAR)
    assert Flag.LATE in late.flags
    assert late.queue is Queue.LATE


def test_eta_unknown_clears_when_a_reply_gives_the_eta() -> None:
    """A notification without an ETA is flagged eta_unknown until a later message gives one."""
    case = opened(notification(None), date(2023, 6, 13))
    assert Flag.ETA_UNKNOWN in case.flags
    assert case.eta is None
    assert case.window_opens is None
    merged = merge(case, reply(eta=date(2023, 6, 16)), today=date(2023, 6, 13), calendar=CALENDAR)
    assert Flag.ETA_UNKNOWN not in merged.flags
    assert merged.eta == date(2023, 6, 16)
    assert merged.window_opens == date(2023, 6, 9)
    assert merged.queue is Queue.CHECK


def test_coi_missing_clears_when_a_later_message_names_the_coi() -> None:
    """A case without a COI is flagged coi_missing (review) until a message names one."""
    no_coi = sample("48_outlook_nl_no_coi_at_all")
    case = opened(no_coi, local_date(no_coi.date or TUESDAY))
    assert case.coi is None
    assert Flag.COI_MISSING in case.flags
    assert case.queue is Queue.REVIEW
    merged = merge(case, reply(coi=COI), today=date(2023, 9, 14), calendar=CALENDAR)
    assert merged.coi == COI
    assert Flag.COI_MISSING not in merged.flags
    assert merged.queue is not Queue.REVIEW


def test_case_keeps_its_first_coi() -> None:
    """A later message naming another COI does not change the case's reference."""
    case = opened(notification(date(2023, 6, 16)), date(2023, 6, 13))
    merged = merge(
        case, reply(coi="COI.EC.2023.0031338"), today=date(2023, 6, 13), calendar=CALENDAR
    )
    assert merged.coi == COI


# -- flags that stay ----------------------------------------------------------------------------


def test_extra_controls_are_sticky() -> None:
    """Once a message puts a case under extra controls, later mail cannot take it off."""
    ginger = notification(
        date(2023, 6, 16),
        coi="COI.CN.2023.0034567",
        extra="Biologische gember uit China, GN-code 0910.11.00.",
    )
    assert ginger.extra_controls
    case = opened(ginger, date(2023, 6, 13))
    assert case.extra_controls
    assert case.queue is Queue.EXTRA_CONTROLS
    plain = notification(date(2023, 6, 16), coi="COI.CN.2023.0034567")
    assert not plain.extra_controls
    for later in (reply(coi="COI.CN.2023.0034567"), plain):
        merged = merge(case, later, today=date(2023, 6, 14), calendar=CALENDAR)
        assert merged.extra_controls
        assert Flag.EXTRA_CONTROLS in merged.flags
        assert merged.queue is Queue.EXTRA_CONTROLS


def test_extra_controls_from_a_later_message_apply() -> None:
    """A later message that brings an extra-controls product puts the case under them."""
    case = opened(notification(date(2023, 6, 16), coi="COI.CN.2023.0034567"), date(2023, 6, 13))
    assert case.queue is Queue.CHECK
    ginger = notification(
        date(2023, 6, 16),
        coi="COI.CN.2023.0034567",
        extra="Biologische gember uit China, GN-code 0910.11.00.",
    )
    merged = merge(case, ginger, today=date(2023, 6, 13), calendar=CALENDAR)
    assert merged.extra_controls
    assert merged.queue is Queue.EXTRA_CONTROLS


def test_message_flags_accumulate_without_repeats() -> None:
    """Flags that describe a message (a proforma invoice) stay on the case, each once."""
    case = opened(notification(date(2023, 6, 16), attachments=(BL, PROFORMA)), date(2023, 6, 13))
    assert Flag.PROFORMA_INVOICE in case.flags
    again = notification(date(2023, 6, 16), attachments=(PROFORMA,))
    merged = merge(case, again, today=date(2023, 6, 13), calendar=CALENDAR)
    assert merged.flags.count(Flag.PROFORMA_INVOICE) == 1
    later = merge(merged, reply(), today=date(2023, 6, 13), calendar=CALENDAR)
    assert Flag.PROFORMA_INVOICE in later.flags


def test_documents_in_traces_stands_in_for_missing_documents() -> None:
    """A case whose documents are said to be in TRACES misses them but still goes to check."""
    report = sample("08_outlook_nl_documents_in_traces")
    case = opened(report, local_date(report.date or TUESDAY))
    assert Flag.DOCUMENTS_IN_TRACES in case.flags
    assert set(case.missing) == {DocRole.TRANSPORT, DocRole.INVOICE}
    assert case.queue is Queue.CHECK


# -- properties ---------------------------------------------------------------------------------

_DAYS = st.integers(min_value=-30, max_value=60)


@given(eta_offset=st.one_of(st.none(), _DAYS), today_offset=_DAYS, invoice=st.booleans())
def test_settle_is_idempotent_and_timing_flags_exclusive(
    eta_offset: int | None, today_offset: int, invoice: bool
) -> None:
    """Settling twice on one day changes nothing, and at most one timing flag ever holds."""
    base = date(2023, 6, 13)
    eta = base + timedelta(days=eta_offset) if eta_offset is not None else None
    roles = {DocRole.TRANSPORT, DocRole.INVOICE} if invoice else {DocRole.TRANSPORT}
    state = CaseState(
        kind=Kind.NOTIFICATION,
        coi=COI,
        queue=Queue.CHECK,
        why="",
        eta=eta,
        window_opens=CALENDAR.window_opens(eta) if eta else None,
        flags=(Flag.TOO_EARLY, Flag.LATE),  # stale: both are judged again
        roles=frozenset(roles),
        missing=(),
        extra_controls=False,
        quarantined=False,
    )
    today = base + timedelta(days=today_offset)
    once = settle(state, today=today, calendar=CALENDAR)
    assert settle(once, today=today, calendar=CALENDAR) == once
    timing = {Flag.TOO_EARLY, Flag.LATE, Flag.ETA_UNKNOWN} & set(once.flags)
    assert len(timing) <= 1
    assert (Flag.ETA_UNKNOWN in timing) is (eta is None)
    assert (Flag.LATE in timing) is (eta is not None and eta < today)
    assert (once.queue is Queue.INCOMPLETE) is not invoice
    assert (DocRole.INVOICE in once.missing) is not invoice
