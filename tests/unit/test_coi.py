"""Tests for the COI reference grammar: scanning, validation, look-alikes and hostile input."""

from __future__ import annotations

import dataclasses
import time

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.triage.coi import CoiCandidate, CoiRef, CoiScan, parse_coi, scan_coi

REFERENCE_YEAR = 2026

COUNTRY_CODES = sorted({c.alpha_2 for c in pycountry.countries} | {"XK"})
SEPARATORS = [" ", "\t", "\u00a0", ".", "_", "/", "-", "\u2013", "\u2014"]


def scan(text: str, **kwargs: int) -> CoiScan:
    """Scan with the reference year every test here uses."""
    return scan_coi(text, reference_year=REFERENCE_YEAR, **kwargs)


VALID_FORMS = [
    ("COI.CN.2023.1234567", "COI.CN.2023.1234567"),
    ("coi.cn.2023.1234567", "COI.CN.2023.1234567"),
    ("Coi.Cn.2023.1234567", "COI.CN.2023.1234567"),
    ("coi cn 2023 1234567", "COI.CN.2023.1234567"),
    ("COI-CN-2023-1234567", "COI.CN.2023.1234567"),
    ("COI_CN_2023_1234567", "COI.CN.2023.1234567"),
    ("COI/CN/2023/1234567", "COI.CN.2023.1234567"),
    ("COICN20231234567", "COI.CN.2023.1234567"),
    ("coicn20231234567", "COI.CN.2023.1234567"),
    ("COI CN20231234567", "COI.CN.2023.1234567"),
    ("COI.CN2023.1234567", "COI.CN.2023.1234567"),
    ("COICN.2023.1234567", "COI.CN.2023.1234567"),
    ("COI - CN - 2023 - 1234567", "COI.CN.2023.1234567"),
    ("COI. CN. 2023. 1234567", "COI.CN.2023.1234567"),
    ("COI\u00a0CN\u00a02023\u00a01234567", "COI.CN.2023.1234567"),
    ("COI\u2013CN\u20132023\u20131234567", "COI.CN.2023.1234567"),
    ("COI.\u200bCN.\u200b2023.\u200b1234567", "COI.CN.2023.1234567"),
    ("COI.CN.2023.123456", "COI.CN.2023.0123456"),
    ("COI.CN.2023.12345", "COI.CN.2023.0012345"),
    ("COI CN 2023 1", "COI.CN.2023.0000001"),
    ("COI.EU.CN.2023.1234567", "COI.EU.CN.2023.1234567"),
    ("coi eu cn 2023 12345", "COI.EU.CN.2023.0012345"),
    ("COIEUCN20231234567", "COI.EU.CN.2023.1234567"),
    ("COI.XK.2023.1234567", "COI.XK.2023.1234567"),
    ("COI.PE.2017.0000001", "COI.PE.2017.0000001"),
    ("COI.IN.2027.1234567", "COI.IN.2027.1234567"),
    ("COI.EC.2025.0101010", "COI.EC.2025.0101010"),
    ("COI.CN.2023.0012345_invoice.pdf", "COI.CN.2023.0012345"),
    ("COI.cn.2023.1234567-BL.pdf", "COI.CN.2023.1234567"),
    ("scan_COI.TR.2024.7654321.PDF", "COI.TR.2024.7654321"),
    ("https://traces.example/cert/COI.CN.2023.0012345?lang=nl", "COI.CN.2023.0012345"),
    ("(COI.TR.2024.7654321)", "COI.TR.2024.7654321"),
    ("RE: FW: COI.UA.2024.0000123", "COI.UA.2024.0000123"),
    ("Antw: Doorst: coi-ua-2024-123", "COI.UA.2024.0000123"),
    ("COI CN 20231234567 5 pallets", "COI.CN.2023.1234567"),
    ("Aanmelding COI CN 2023 12345 - gember", "COI.CN.2023.0012345"),
    ("Notification bio COI.PE.2023.0001234 quinoa", "COI.PE.2023.0001234"),
    ("Voranmeldung COI-IN-2023-0098765", "COI.IN.2023.0098765"),
    ("Prenotifica: certificato coi LK 2024 45 (tè)", "COI.LK.2024.0000045"),
    ("Bijgaand de factuur voor COI.SL.2025.0004321.", "COI.SL.2025.0004321"),
    ("Avis d'arrivée COI/MA/2024/0054321 : dattes", "COI.MA.2024.0054321"),
]

INVALID_FORMS = [
    ("COI.XY.2023.1234567", "country code 'XY' is not an ISO 3166-1 country"),
    ("COI.UK.2023.1234567", "country code 'UK' is not an ISO 3166-1 country"),
    ("coi.xx.2023.0000001", "country code 'XX' is not an ISO 3166-1 country"),
    ("COI.EU.2023.1234567", "country code 'EU' is not an ISO 3166-1 country"),
    ("COI.EU.XY.2023.1234567", "country code 'XY' is not an ISO 3166-1 country"),
    ("COI.CN.2031.1234567", "year 2031 is out of range 2017\u20132027"),
    ("COI.CN.2028.1234567", "year 2028 is out of range 2017\u20132027"),
    ("COI.CN.2016.1234567", "year 2016 is out of range 2017\u20132027"),
    ("COI.CN.2023.12345678", "serial '12345678' has more than 7 digits"),
    ("COICN202312345678", "serial '12345678' has more than 7 digits"),
    ("COI.CN.23.1234567", "year '23' is not 4 digits"),
    (
        "COI CN 202312345",
        "year and serial '202312345' are written together but are not 4 + 7 digits (9 digits)",
    ),
    (
        "COI.XY.2031.12345678",
        "country code 'XY' is not an ISO 3166-1 country; year 2031 is out of range"
        " 2017\u20132027; serial '12345678' has more than 7 digits",
    ),
]

LOOK_ALIKES = [
    "coin",
    "COIN 2023 1234567",
    "coins 2023 1234567",
    "Coinbase CN 2023 1234567",
    "bitcoin 2023 1234567",
    "ECOI.CN.2023.1234567",
    "COI.CN.2023",
    "COI CN",
    "the COI of 2023 shipment",
    "COI.C.2023.1234567",
    "COI.CHN.2023.1234567",
    "COI 2023 1234567",
    "CO.CN.2023.1234567",
    "COI\nCN\n2023\n1234567",
    "COI.CN.2023.ABCDEFG",
    "COICN2023",
    "https://example.com/coin/2023/1234567",
    "link naar het COI.\n2023",
]


@pytest.mark.parametrize(("written", "canonical"), VALID_FORMS)
def test_valid_form_is_found_with_its_canonical_form(written: str, canonical: str) -> None:
    """Every tolerated way of writing a reference yields exactly its canonical form."""
    result = scan(written)
    assert [ref.canonical for ref in result.references] == [canonical]
    assert result.invalid == ()


@pytest.mark.parametrize(("written", "reason"), INVALID_FORMS)
def test_near_miss_is_reported_with_reason(written: str, reason: str) -> None:
    """A reference that was meant as one but cannot be valid is reported, with why."""
    result = scan(f"Onderwerp: {written} (zie bijlage)")
    assert result.references == ()
    assert result.invalid == (CoiCandidate(written=written, reason=reason),)


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alike_matches_nothing(text: str) -> None:
    """Words and numbers that only resemble a reference are neither found nor reported."""
    assert scan(text) == CoiScan(references=(), invalid=())


def test_reference_fields_and_written_text() -> None:
    """A found reference carries its parts and the exact text it was written as."""
    result = scan("Voranmeldung coi-eu-in-2024-98765, Ingwer")
    assert result.references == (
        CoiRef(
            canonical="COI.EU.IN.2024.0098765",
            written="coi-eu-in-2024-98765",
            country="IN",
            year=2024,
            serial="0098765",
            eu_form=True,
        ),
    )


def test_multiple_references_keep_order_and_are_deduplicated() -> None:
    """Several references come back in order of appearance, each canonical form once."""
    text = (
        "Betreft COI.IN.2024.0000042 en COI.CN.2023.1234567; "
        "nogmaals coi cn 2023 1234567 en COI.IN.2024.42, ook COI.EU.IN.2024.0000042"
    )
    result = scan(text)
    assert [ref.canonical for ref in result.references] == [
        "COI.IN.2024.0000042",
        "COI.CN.2023.1234567",
        "COI.EU.IN.2024.0000042",
    ]
    assert result.references[0].written == "COI.IN.2024.0000042"


def test_invalid_candidates_keep_order_and_are_deduplicated() -> None:
    """Near-misses come back in order, the same one typed twice reported once."""
    text = "COI.XY.2023.1234567 / coi xy 2023 1234567 / COI.CN.2031.0000001 / COI.CN.2023.7"
    result = scan(text)
    assert [c.written for c in result.invalid] == ["COI.XY.2023.1234567", "COI.CN.2031.0000001"]
    assert [ref.canonical for ref in result.references] == ["COI.CN.2023.0000007"]


@pytest.mark.parametrize(
    ("reference_year", "year", "valid"),
    [
        (2026, 2027, True),
        (2026, 2028, False),
        (2023, 2024, True),
        (2023, 2025, False),
        (2030, 2017, True),
        (2030, 2016, False),
    ],
)
def test_year_range_follows_the_reference_year(reference_year: int, year: int, valid: bool) -> None:
    """The year is valid from 2017 up to one year after the reference year, inclusive."""
    result = scan_coi(f"COI.CN.{year}.1234567", reference_year=reference_year)
    assert bool(result.references) is valid
    assert bool(result.invalid) is not valid
    if not valid:
        expected = f"year {year} is out of range 2017\u2013{reference_year + 1}"
        assert result.invalid[0].reason == expected


@pytest.mark.parametrize(
    ("serial", "padded"),
    [("1", "0000001"), ("12", "0000012"), ("12345", "0012345"), ("0012345", "0012345")],
)
def test_short_serial_is_zero_padded(serial: str, padded: str) -> None:
    """A serial with its leading zeros left out is padded to 7 digits."""
    ref = parse_coi(f"COI.CN.2023.{serial}", reference_year=REFERENCE_YEAR)
    assert ref is not None
    assert ref.serial == padded
    assert ref.canonical == f"COI.CN.2023.{padded}"


def test_only_the_first_max_chars_are_scanned() -> None:
    """A reference past ``max_chars`` is not looked at."""
    text = "x" * 100 + " COI.CN.2023.1234567"
    assert scan(text, max_chars=100).references == ()
    assert len(scan(text, max_chars=200).references) == 1


def test_text_without_coi_is_empty_scan() -> None:
    """Text that never mentions COI yields an empty scan."""
    assert scan("Bijgaand de factuur en de CMR voor de zending gember.") == CoiScan((), ())


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("COI.CN.2023.1234567", "COI.CN.2023.1234567"),
        ("  coi cn 2023 12345\n", "COI.CN.2023.0012345"),
        ("COI.EU.PE.2024.0000001", "COI.EU.PE.2024.0000001"),
        ("COI.XY.2023.1234567", None),
        ("COI.CN.2023.1234567 extra", None),
        ("see COI.CN.2023.1234567", None),
        ("COI CN 20231234567 5", None),
        ("COI.CN.2023.1234567 COI.IN.2023.1234567", None),
        ("", None),
        ("coin", None),
    ],
)
def test_parse_coi_accepts_only_a_whole_reference(text: str, canonical: str | None) -> None:
    """``parse_coi`` returns a reference only when the whole string (trimmed) is one."""
    ref = parse_coi(text, reference_year=REFERENCE_YEAR)
    assert (ref.canonical if ref else None) == canonical


def test_parse_coi_rejects_overlong_input() -> None:
    """A huge argument is refused before any matching work."""
    assert parse_coi("COI.CN.2023.1" + "0" * 10_000, reference_year=REFERENCE_YEAR) is None


def test_values_are_frozen() -> None:
    """The result values cannot be changed after they are made."""
    ref = scan("COI.CN.2023.1234567").references[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.serial = "7654321"  # type: ignore[misc]


def _cased(draw: st.DrawFn, text: str) -> str:
    """The text with each letter's case chosen at random."""
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(ch.lower() if flip else ch.upper() for ch, flip in zip(text, flips, strict=True))


_separator = st.lists(st.sampled_from(SEPARATORS), max_size=3).map("".join)


@st.composite
def written_references(draw: st.DrawFn) -> tuple[str, str]:
    """A valid reference written with random case and separators, and its canonical form."""
    country = draw(st.sampled_from(COUNTRY_CODES))
    year = draw(st.integers(2017, REFERENCE_YEAR + 1))
    serial = draw(st.integers(0, 9_999_999))
    eu_form = draw(st.booleans())
    padded = f"{serial:07d}"
    s0, s_eu, s1, s2 = (draw(_separator) for _ in range(4))
    if s2:
        width = draw(st.integers(len(str(serial)), 7))
        serial_text = str(serial).zfill(width)
    else:
        serial_text = padded
    eu = _cased(draw, "EU") + s_eu if eu_form else ""
    written = f"{_cased(draw, 'COI')}{s0}{eu}{_cased(draw, country)}{s1}{year}{s2}{serial_text}"
    canonical = f"COI.{'EU.' if eu_form else ''}{country}.{year}.{padded}"
    return written, canonical


@given(
    written_references(),
    st.sampled_from(["", "RE: ", "Aanmelding ", "scan_", "https://traces.example/c/", "("]),
    st.sampled_from(["", " - gember", "_invoice.pdf", ".", ")", " quinoa", ", 3 pallets"]),
)
def test_any_written_valid_reference_is_found(
    reference: tuple[str, str], prefix: str, suffix: str
) -> None:
    """Any valid reference in any case and with any separators scans to its canonical form."""
    written, canonical = reference
    result = scan(prefix + written + suffix)
    assert [ref.canonical for ref in result.references] == [canonical]
    assert result.references[0].written == written
    assert result.invalid == ()


_GRAMMAR_ALPHABET = "COIcoiEUeuCNXYKin0123456789 ._-/\u2013\n"


@given(st.one_of(st.text(), st.text(alphabet=_GRAMMAR_ALPHABET, max_size=80)))
def test_scan_never_raises_and_references_reparse(text: str) -> None:
    """Scanning any text never fails, and each reference re-parses to itself."""
    result = scan(text)
    for ref in result.references:
        assert parse_coi(ref.written, reference_year=REFERENCE_YEAR) == ref
        reparsed = parse_coi(ref.canonical, reference_year=REFERENCE_YEAR)
        assert reparsed == dataclasses.replace(ref, written=ref.canonical)
    for candidate in result.invalid:
        assert parse_coi(candidate.written, reference_year=REFERENCE_YEAR) is None


@pytest.mark.parametrize(
    "unit",
    ["COI ", "COI.CN.", "COI.CN.2023.", "COI.EU.", "COICOI", "coi-eu-cn-", "COI.CN.2023.1234567 "],
)
def test_hostile_repetition_is_fast(unit: str) -> None:
    """A hundred thousand repetitions of a reference's prefix scan in well under a second."""
    text = unit * 100_000
    started = time.perf_counter()
    scan(text, max_chars=len(text))
    assert time.perf_counter() - started < 1.0


def test_long_digit_run_is_fast_and_reported() -> None:
    """A reference followed by a huge run of digits is scanned quickly and reported once."""
    text = "COI.CN.2023." + "1" * 200_000
    started = time.perf_counter()
    result = scan(text, max_chars=len(text))
    assert time.perf_counter() - started < 1.0
    assert len(result.invalid) == 1
    assert result.invalid[0].reason.startswith("serial '1111111")


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet=_GRAMMAR_ALPHABET, min_size=1, max_size=24))
def test_any_repeated_fragment_is_fast(unit: str) -> None:
    """Any short fragment built from the grammar's characters, repeated, scans quickly."""
    text = unit * (200_000 // len(unit))
    started = time.perf_counter()
    scan(text, max_chars=len(text))
    assert time.perf_counter() - started < 1.0
