"""Tests for finding the expected arrival date (ETA) in a mail's subject and texts."""

from __future__ import annotations

import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.parse.mail import TextPart
from intake.triage.eta import MAX_TEXT_CHARS, EtaFinding, find_eta

REF = date(2023, 5, 10)
MAY_17 = date(2023, 5, 17)


def eta_in(body: str, *, subject: str = "", reference: date = REF) -> date | None:
    """The ETA found in a mail with this body (and subject), or None."""
    found = find_eta(subject, [TextPart("body", body)], reference=reference)
    return found.eta if found else None


FOUND = [
    # date forms
    ("iso", "ETA 2023-05-17", MAY_17),
    ("slashes", "ETA: 17/05/2023", MAY_17),
    ("dashes", "ETA 17-05-2023", MAY_17),
    ("dots", "ETA 17.05.2023", MAY_17),
    ("two-digit year", "ETA 17/05/23", MAY_17),
    ("short day and month", "ETA 17.5.23", MAY_17),
    ("no year", "ETA 17/05", MAY_17),
    ("abbreviated month, two-digit year", "ETA 17-May-23", MAY_17),
    ("upper-case month", "ETA 17-MAY-2023", MAY_17),
    ("us month first", "ETA May 17, 2023", MAY_17),
    ("ordinal", "ETA: 17th of May 2023", MAY_17),
    ("weekday and comma", "ETA: Wednesday, 17 May 2023", MAY_17),
    ("month first numeric when day > 12", "ETA 05/17/2023", MAY_17),
    ("time after the date", "ETA Antwerp: 17/05/2023 08:00", MAY_17),
    # English
    ("E.T.A.", "E.T.A. 17/05/2023", MAY_17),
    ("expected arrival", "Expected arrival: 17 May 2023", MAY_17),
    ("estimated time of arrival", "Estimated time of arrival 17/05/2023", MAY_17),
    ("arriving", "The container is arriving in Antwerp on 17/05/2023.", MAY_17),
    ("arrives", "The vessel arrives 17 May", MAY_17),
    ("expected in", "Vessel sailed on 01/05/2023 and is expected in Antwerp on 17/05/2023", MAY_17),
    ("port after ETA", "ETA Antwerp 17/05/2023", MAY_17),
    ("port after ETA, Dutch", "ETA Antwerpen: 17/05/2023", MAY_17),
    ("keyword after the date", "17/05/2023 (ETA)", MAY_17),
    ("keyword after, sentence", "On 17/05 the truck arrives at the PRFC", MAY_17),
    ("label on the line above", "ETA:\n17/05/2023", MAY_17),
    ("label with blank line", "Expected arrival date:\n\n  17/05/2023", MAY_17),
    ("box 20", "Box 20: 17/05/2023", MAY_17),
    # Dutch
    ("verwachte aankomst", "Verwachte aankomst 17 mei 2023", MAY_17),
    ("aankomstdatum", "Aankomstdatum: 17-05-2023", MAY_17),
    ("verwacht op", "De container wordt verwacht op 17/05", MAY_17),
    ("komt aan, split verb", "De container komt op 17/05/2023 aan in Antwerpen", MAY_17),
    ("komt toe, Flemish", "De goederen komen toe op 17 mei", MAY_17),
    ("vak 20", "Vak 20: 17/05/2023", MAY_17),
    # French
    ("arrivée prévue", "Arrivée prévue le 17 mai 2023", MAY_17),
    ("date d'arrivée", "Date d'arrivée : 17/05/2023", MAY_17),
    ("arrivera", "Le conteneur arrivera à Anvers le 17/05", MAY_17),
    ("weekday in French", "Arrivée : mardi 16 mai 2023", date(2023, 5, 16)),
    ("case 20", "Case 20 : 17/05/2023", MAY_17),
    # German
    ("voraussichtliche Ankunft", "Voraussichtliche Ankunft: 17. Mai 2023", MAY_17),
    ("Ankunftsdatum", "Ankunftsdatum 17.05.2023", MAY_17),
    ("Eintreffen", "Eintreffen am 17.5.", MAY_17),
    ("trifft ein, split verb", "Die Sendung trifft am 17.05.2023 in Antwerpen ein", MAY_17),
    ("Feld 20", "Feld 20: 17.05.2023", MAY_17),
    # Spanish, Italian, Portuguese
    ("llegada", "Fecha de llegada: 17 de mayo de 2023", MAY_17),
    ("llegará", "La mercancía llegará a Amberes el 17/05/2023", MAY_17),
    ("arrivo", "Data di arrivo 17 maggio 2023", MAY_17),
    ("arriverà", "La merce arriverà ad Anversa il 17/05/2023", MAY_17),
    ("chegada", "Previsão de chegada: 17 de maio de 2023", MAY_17),
    # several dates: the arrival one is chosen
    ("etd then eta", "ETD Shanghai 01/05/2023, ETA Antwerp 17/05/2023", MAY_17),
    ("etd then eta, no comma", "ETD Shanghai 01/05/2023 ETA Antwerp 17/05/2023", MAY_17),
    ("etd label then eta label", "ETD: 01/05/2023 ETA: 17/05/2023", MAY_17),
    ("keywords after dates", "01/05/2023 (ETD), 17/05/2023 (ETA)", MAY_17),
    ("paired keywords", "ETD/ETA: 01/05/2023 - 17/05/2023", MAY_17),
    ("table header", "Vessel ETD ETA\nMSC ANNA 01/05/2023 17/05/2023", MAY_17),
    ("German departure and arrival", "Abfahrt: 01.05.2023\nAnkunft: 17.05.2023", MAY_17),
    ("Dutch departure and arrival", "Vertrek 01/05/2023 - aankomst 17/05/2023", MAY_17),
    ("French departure and arrival", "Départ le 01/05/2023, arrivée le 17/05/2023", MAY_17),
    ("invoice date beside", "Invoice date 02/05/2023; ETA 17/05/2023", MAY_17),
    ("eta beats etd after it", "ETA 17/05/2023 (ETD 01/05/2023)", MAY_17),
    ("closest after keyword wins", "ETA Rotterdam 15/05, ETA Antwerp 17/05", MAY_17),
    ("changed date", "ETA changed from 15/05/2023 to 17/05/2023", MAY_17),
    ("arrow", "ETA 15/05 -> 17/05", MAY_17),
    ("old and new", "Old ETA 15/05, new ETA 17/05", MAY_17),
    ("postponed", "ETA 15/05 has been postponed to 17/05", MAY_17),
    ("range keeps its first day", "ETA from 15/05 to 17/05", date(2023, 5, 15)),
    ("day range with month name", "ETA 17-19 May 2023", MAY_17),
    ("bilingual label", "Arrival date / Aankomstdatum: 17/05/2023", MAY_17),
    ("actual time of arrival", "ATD 01/05/2023 ATA 17/05/2023", MAY_17),
    (
        "wrapped paragraph",
        "We would like to inform you that the expected arrival of the goods at\n"
        "17/05/2023 in the port of Antwerp.",
        MAY_17,
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for _, t, e in FOUND], ids=[i for i, _, _ in FOUND]
)
def test_finds_eta(text: str, expected: date) -> None:
    """Each way of writing the arrival date, in each language, gives that date."""
    assert eta_in(text) == expected


NOT_FOUND = [
    ("no date", "ETA to be confirmed"),
    ("week number only", "ETA week 20"),
    ("invoice and B/L dates", "Invoice 2023-001 dated 02/05/2023\nB/L MSKU123 date 28/04/2023"),
    ("shipped on board", "Shipped on board 30/04/2023, vessel MSC ANNA"),
    ("departure only", "ETD 01/05/2023"),
    ("departure before an undated ETA", "ETD: 01/05/2023 ETA: tbc"),
    ("Dutch departure", "Vertrekdatum 01/05/2023"),
    ("French departure", "Date de départ : 01/05/2023"),
    ("German departure", "Abfahrt am 01.05.2023"),
    ("date far from the keyword", "ETA " + "x" * 80 + " 17/05/2023"),
    ("date on a later unrelated line", "ETA: see below\nInvoice 17/05/2023"),
    ("date alone", "17/05/2023"),
    ("impossible date", "ETA 31/02/2023"),
    ("impossible month", "ETA 17/13/2023"),
    ("transit time, not a date", "Transit time ETA 10-12 days"),
    ("time, not a date", "ETA 14.30 h"),
    ("year far from reference", "ETA 17/05/1923"),
    ("risky month word without year", "ETA: 3 out of 5 containers"),
    ("arrival notice issue date", "Arrival notice dated 15/05/2023"),
    ("sent line", "Sent: 16/05/2023 ETA"),
]


@pytest.mark.parametrize("text", [t for _, t in NOT_FOUND], ids=[i for i, _ in NOT_FOUND])
def test_no_eta(text: str) -> None:
    """Dates without an arrival keyword of their own, and impossible dates, are not an ETA."""
    assert eta_in(text) is None


QUOTED = [
    ("quoted lines", "Please find the documents attached.\n\n> ETA 20/05/2023\n> Regards"),
    (
        "gmail attribution",
        "Attached.\n\nOn Tue, May 16, 2023 at 10:00 AM Jan <jan@example.com> wrote:\n"
        "ETA 20/05/2023",
    ),
    (
        "wrapped attribution",
        "Attached.\n\nOn Tue, May 16, 2023 at 10:00 AM Jan Peeters <\njan@example.com> wrote:\n"
        "ETA 20/05/2023",
    ),
    (
        "original message",
        "Attached.\n-----Original Message-----\nFrom: desk\nSent: 16 May 2023\nETA 20/05/2023",
    ),
    (
        "outlook block, Dutch",
        "Hierbij.\n\nVan: Desk\nVerzonden: dinsdag 16 mei 2023 10:00\nAan: Importer\n"
        "Onderwerp: COI\n\nUw ETA 20/05/2023 is te vroeg.",
    ),
    (
        "outlook block, English",
        "Attached.\n\nFrom: Desk\nSent: Tuesday, May 16, 2023 10:00 AM\nTo: Importer\n\n"
        "Your ETA 20/05/2023 is too early.",
    ),
    (
        "French attribution",
        "Ci-joint.\n\nLe mar. 16 mai 2023 à 10:00, Desk a écrit :\nETA 20/05/2023",
    ),
    ("German attribution", "Anbei.\n\nAm 16.05.2023 um 10:00 schrieb Desk:\nAnkunft 20.05.2023"),
    ("Dutch attribution", "Bijgevoegd.\n\nOp 16 mei 2023 om 10:00 schreef Desk:\nETA 20/05/2023"),
]


@pytest.mark.parametrize("text", [t for _, t in QUOTED], ids=[i for i, _ in QUOTED])
def test_quoted_history_is_not_read(text: str) -> None:
    """An ETA that only appears in quoted earlier mail is not taken."""
    assert eta_in(text, subject="RE: COI.CN.2023.1234567") is None


def test_fresh_text_before_quote_is_read() -> None:
    """The new text above the quoted history still counts."""
    body = "New ETA: 18/05/2023\n\nOn Tue, May 16, 2023 at 10:00 AM Desk wrote:\n> ETA 20/05/2023"
    assert eta_in(body, subject="RE: COI.CN.2023.1234567") == date(2023, 5, 18)


def test_forwarded_message_is_read() -> None:
    """A forward keeps the forwarded message, such as a carrier's arrival notice."""
    body = (
        "Please see below.\n\nFrom: Agent\nSent: Monday, May 15, 2023 9:00 AM\nTo: Importer\n"
        "Subject: Arrival notice\n\nETA Antwerp 20/05/2023\n\n"
        "From: Carrier\nSent: Friday, May 12, 2023\n\nETA 25/05/2023"
    )
    assert eta_in(body, subject="FW: COI.CN.2023.1234567") == date(2023, 5, 20)


def test_forward_with_original_message_separator_is_read() -> None:
    """An older client's forward, a separator line then a header block, is one forward."""
    body = (
        "FYI\n\n-----Original Message-----\nFrom: Agent\nSent: 15 May 2023 09:00\n"
        "To: Importer\nSubject: Arrival\n\nETA: 20/05/2023"
    )
    assert eta_in(body, subject="TR: COI.CN.2023.1234567") == date(2023, 5, 20)


def test_route_lines_are_not_a_reply_header() -> None:
    """Shipping details with From:/Date: lines are the mail's own text, not quoted history."""
    body = "From: Ningbo, China\nTo: Antwerp, Belgium\nDate: 01/05/2023\nETA: 17/05/2023"
    assert eta_in(body, subject="COI.CN.2023.1234567") == MAY_17


def test_explicit_forward_marker_keeps_the_forwarded_message() -> None:
    """A "Forwarded message" separator does not hide the message below it."""
    body = (
        "FYI\n\n---------- Forwarded message ---------\nFrom: Agent <a@example.com>\n"
        "Date: Mon, May 15, 2023 at 9:00 AM\nSubject: Arrival\n\nETA: 20/05/2023"
    )
    assert eta_in(body, subject="COI.CN.2023.1234567") == date(2023, 5, 20)


YEAR_INFERENCE = [
    ("same year ahead", date(2023, 5, 10), "ETA 17/05", date(2023, 5, 17)),
    ("next year across new year", date(2023, 12, 20), "ETA 05/01", date(2024, 1, 5)),
    ("last year, just passed", date(2024, 1, 3), "ETA 28/12", date(2023, 12, 28)),
    ("future preferred over far past", date(2023, 5, 10), "ETA 01/12", date(2023, 12, 1)),
    ("recent past kept", date(2023, 5, 10), "ETA 01/04", date(2023, 4, 1)),
    ("month name", date(2023, 11, 28), "ETA 3 January", date(2024, 1, 3)),
    ("29 February only in leap years", date(2023, 12, 1), "ETA 29/02", date(2024, 2, 29)),
    ("weekday picks the year", date(2023, 12, 1), "ETA Wednesday 31 May", date(2023, 5, 31)),
]


@pytest.mark.parametrize(
    ("reference", "text", "expected"),
    [(r, t, e) for _, r, t, e in YEAR_INFERENCE],
    ids=[i for i, _, _, _ in YEAR_INFERENCE],
)
def test_year_inference(reference: date, text: str, expected: date) -> None:
    """A date without a year gets the year that puts it nearest the reference day."""
    assert eta_in(text, reference=reference) == expected


def test_inferred_year_is_never_ten_months_back() -> None:
    """Whatever the reference, a yearless ETA is at most about four months in the past."""
    for month in range(1, 13):
        reference = date(2023, month, 15)
        for text in ("ETA 01/01", "ETA 15/06", "ETA 31/12", "ETA 28/02"):
            found = eta_in(text, reference=reference)
            assert found is not None
            assert (reference - found).days < 10 * 30


AMBIGUOUS = [
    ("both under 13: day first", "ETA 05/06/2023", date(2023, 6, 5)),
    ("second over 12: month first", "ETA 06/13/2023", date(2023, 6, 13)),
    ("first over 12: day first", "ETA 13/06/2023", date(2023, 6, 13)),
    ("iso with day and month swapped", "ETA 2023-17-05", MAY_17),
    ("dotted, German order", "ETA 01.06.2023", date(2023, 6, 1)),
]


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for _, t, e in AMBIGUOUS], ids=[i for i, _, _ in AMBIGUOUS]
)
def test_numeric_order(text: str, expected: date) -> None:
    """Numeric dates are read day first, unless only month first is possible."""
    assert eta_in(text) == expected


def test_subject_comes_first() -> None:
    """An ETA in the subject wins over one in the body, and says it came from the subject."""
    found = find_eta(
        "COI.CN.2023.1234567 ETA 17/05",
        [TextPart("body", "ETA 20/05/2023")],
        reference=REF,
    )
    assert found == EtaFinding(MAY_17, "subject", "COI.CN.2023.1234567 ETA 17/05")


def test_parts_are_read_in_order() -> None:
    """Without one in the subject, the first part that has an ETA gives it, with its place."""
    parts = [
        TextPart("body", "Dear desk, documents attached."),
        TextPart("attachment 'notice.pdf'", "Arrival date: 18/05/2023"),
        TextPart("attachment 'other.pdf'", "ETA 20/05/2023"),
    ]
    found = find_eta("COI.CN.2023.1234567", parts, reference=REF)
    assert found is not None
    assert (found.eta, found.where) == (date(2023, 5, 18), "attachment 'notice.pdf'")


def test_no_texts_no_eta() -> None:
    """A mail with no subject and no texts has no ETA."""
    assert find_eta("", [], reference=REF) is None


def test_evidence_is_short_collapsed_and_shows_the_date() -> None:
    """The evidence is one line of at most ~80 characters holding the keyword and the date."""
    body = (
        "Dear colleagues,\n\nplease note that the   expected    arrival of the consignment in "
        "the port of Antwerp is\n17/05/2023 according to the carrier, who confirmed it today "
        "by phone after a long discussion about the booking."
    )
    found = find_eta("", [TextPart("body", body)], reference=REF)
    assert found is not None
    assert found.eta == MAY_17
    assert "17/05/2023" in found.evidence
    assert "\n" not in found.evidence
    assert "  " not in found.evidence
    assert len(found.evidence) <= 82


def test_evidence_of_far_keyword_is_shortened() -> None:
    """A keyword and date far apart are shown as both ends, not the whole sentence."""
    body = "Expected arrival " + "at the port of Antwerp, Belgium, on " + "17/05/2023"
    found = find_eta("", [TextPart("body", body)], reference=REF)
    assert found is not None
    assert found.evidence.startswith("Expected arrival")
    assert found.evidence.endswith("17/05/2023")
    assert len(found.evidence) <= 82


def test_only_the_first_64_kib_of_a_part_is_read() -> None:
    """A date beyond the read limit of a part is not found, and a huge part stays fast."""
    body = "x " * MAX_TEXT_CHARS + "ETA 17/05/2023"
    started = time.perf_counter()
    assert eta_in(body) is None
    assert time.perf_counter() - started < 5


HOSTILE = [
    "ETA 1/1 " * 8000,
    "1/" * 32000,
    "komt " * 12000,
    "ETA:\n" * 12000,
    "wrote" + " " * 60000 + "x",
    "ETA" + " " * 60000 + "x ETD",
    "ETD/ETA: 01/05/2023 - 17/05/2023 -> 18/05 " * 1500,
    "From: x\nSent: y\n" * 4000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_is_linear(text: str) -> None:
    """Repetitive hostile text of 64 KiB is read in well under a second."""
    started = time.perf_counter()
    find_eta(text, [TextPart("body", text)], reference=REF)
    assert time.perf_counter() - started < 2


_TOKENS = st.sampled_from(
    [
        "ETA",
        "ETD",
        "arrival",
        "aankomst",
        "komt",
        "aan",
        "vak 20",
        ":",
        "/",
        "-",
        ".",
        ",",
        "(",
        ")",
        "->",
        "17",
        "05",
        "2023",
        "31",
        "02",
        "May",
        "mei",
        "mardi",
        "\n",
        " ",
        "> ",
        "From: x\n",
        "Sent: y\n",
        "wrote:\n",
        "-----Original Message-----\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    subject=st.text(max_size=200),
    body=st.one_of(st.text(max_size=2000), st.lists(_TOKENS, max_size=200).map("".join)),
    reference=st.dates(),
)
def test_never_raises(subject: str, body: str, reference: date) -> None:
    """Any subject, body and reference day give a finding or None, never an exception."""
    found = find_eta(subject, [TextPart("body", body)], reference=reference)
    if found is not None:
        assert found.where in {"subject", "body"}
        assert len(found.evidence) <= 82
