"""The grammar of a TRACES NT certificate-of-inspection reference: ``COI.XX.YYYY.NNNNNNN``.

``scan_coi`` finds every reference in a text (subject, body, file name) however it was typed,
and reports the near-misses that were clearly meant as one but cannot be valid, each with a
reason a person can act on. ``parse_coi`` reads one reference that a whole string is.

A loose pattern finds the candidates; validation (country, year, serial) happens in Python so
that a failure can be explained. The pattern has no nested quantifiers and every repetition
of separators is bounded, so a match attempt costs a bounded number of steps per position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pycountry

FIRST_COI_YEAR = 2017
"""The year the electronic COI in TRACES came into use: no reference can be older."""

SERIAL_DIGITS = 7
_YEAR_DIGITS = 4
_GLUED_DIGITS = _YEAR_DIGITS + SERIAL_DIGITS
_MAX_PARSE_CHARS = 256

# TRACES uses XK for Kosovo, a user-assigned code that ISO 3166-1 does not list.
_EXTRA_COUNTRY_CODES = frozenset({"XK"})

# Horizontal whitespace (incl. no-break spaces), dots, underscores, slashes, the dashes that
# word processors substitute for a hyphen, and the invisible characters that copying out of
# HTML mail leaves behind. No line breaks: a reference is written on one line.
_SEP = r"[ \t\u00a0\u2007\u202f._/\-\u2010-\u2015\u2212\u00ad\u200b\u2060]"

_PATTERN = re.compile(
    rf"""
    (?<![A-Za-z])                       # not the tail of a word
    COI
    (?P<s0>{_SEP}{{0,3}})
    (?:(?P<eu>EU){_SEP}{{0,3}})?
    (?P<cc>[A-Z]{{2}})
    {_SEP}{{0,3}}
    (?P<d1>\d+)
    (?:{_SEP}{{1,3}}(?P<d2>\d+))?
    """,
    re.ASCII | re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class CoiRef:
    """A valid COI reference as found in a text."""

    canonical: str  # "COI.CN.2023.0012345" or "COI.EU.CN.2023.0012345"
    written: str  # the text as found in the input
    country: str  # ISO 3166-1 alpha-2, upper case
    year: int
    serial: str  # exactly 7 digits
    eu_form: bool


@dataclass(frozen=True, slots=True)
class CoiCandidate:
    """Text that was clearly meant as a COI reference but cannot be one, and why."""

    written: str
    reason: str


@dataclass(frozen=True, slots=True)
class CoiScan:
    """Every valid reference and every near-miss in a text, each in order of appearance."""

    references: tuple[CoiRef, ...]
    invalid: tuple[CoiCandidate, ...]


@cache
def _country_codes() -> frozenset[str]:
    """The officially assigned ISO 3166-1 alpha-2 codes, plus the ones TRACES adds."""
    return frozenset(c.alpha_2 for c in pycountry.countries) | _EXTRA_COUNTRY_CODES


def _split_digits(d1: str, d2: str | None) -> tuple[str, str, bool] | str | None:
    """Year text, serial text and whether both were written together in ``d1``.

    Returns a reason when the digits cannot be split, and None when they are too few to
    have been meant as a year and a serial.
    """
    if len(d1) == _YEAR_DIGITS and d2 is not None:
        return d1, d2, False
    if len(d1) >= _GLUED_DIGITS:
        # Without a separator the serial is exactly 7 digits; a number after it is other text.
        return d1[:_YEAR_DIGITS], d1[_YEAR_DIGITS:], True
    if d2 is not None:
        return f"year '{d1}' is not 4 digits"
    if len(d1) > _YEAR_DIGITS:
        return (
            f"year and serial '{d1}' are written together but are not 4 + 7 digits"
            f" ({len(d1)} digits)"
        )
    return None


def _problems(country: str, year_text: str, serial: str, reference_year: int) -> list[str]:
    """Everything wrong with an otherwise well-formed reference, for a person."""
    problems = []
    if country not in _country_codes():
        problems.append(f"country code '{country}' is not an ISO 3166-1 country")
    last_year = reference_year + 1
    if not FIRST_COI_YEAR <= int(year_text) <= last_year:
        problems.append(f"year {year_text} is out of range {FIRST_COI_YEAR}\u2013{last_year}")
    if len(serial) > SERIAL_DIGITS:
        problems.append(f"serial '{serial}' has more than {SERIAL_DIGITS} digits")
    return problems


def _interpret(
    text: str, match: re.Match[str], reference_year: int
) -> CoiRef | CoiCandidate | None:
    """What one pattern match is: a reference, a near-miss, or nothing worth reporting."""
    country = match["cc"].upper()
    glued_to_word = not match["s0"] and match["eu"] is None
    if glued_to_word and country not in _country_codes():
        # "COINS 2023 …", "coils …": a word that starts with "coi", not a reference.
        return None
    d1, d2 = match["d1"], match["d2"]
    split = _split_digits(d1, d2)
    if split is None:
        return None
    if isinstance(split, str):
        return CoiCandidate(written=match[0], reason=split)
    year_text, serial, glued = split
    end = match.end("d1") if glued else match.end()
    written = text[match.start() : end]
    problems = _problems(country, year_text, serial, reference_year)
    if problems:
        return CoiCandidate(written=written, reason="; ".join(problems))
    serial = serial.zfill(SERIAL_DIGITS)
    eu_form = match["eu"] is not None
    prefix = "COI.EU" if eu_form else "COI"
    return CoiRef(
        canonical=f"{prefix}.{country}.{year_text}.{serial}",
        written=written,
        country=country,
        year=int(year_text),
        serial=serial,
        eu_form=eu_form,
    )


def _dedup_key(written: str) -> str:
    """One key for the same near-miss typed with other case or separators."""
    return "".join(ch for ch in written.upper() if ch.isalnum())


def scan_coi(text: str, *, reference_year: int, max_chars: int = 65536) -> CoiScan:
    """Find the COI references and near-misses in the first ``max_chars`` characters."""
    head = text[:max_chars]
    if "coi" not in head.lower():
        return CoiScan(references=(), invalid=())
    references: dict[str, CoiRef] = {}
    invalid: dict[str, CoiCandidate] = {}
    for match in _PATTERN.finditer(head):
        found = _interpret(head, match, reference_year)
        if isinstance(found, CoiRef):
            references.setdefault(found.canonical, found)
        elif isinstance(found, CoiCandidate):
            invalid.setdefault(_dedup_key(found.written), found)
    return CoiScan(references=tuple(references.values()), invalid=tuple(invalid.values()))


def parse_coi(text: str, *, reference_year: int) -> CoiRef | None:
    """The one reference a whole string is (for command-line arguments), or None."""
    stripped = text.strip()
    if len(stripped) > _MAX_PARSE_CHARS:
        return None
    match = _PATTERN.fullmatch(stripped)
    if match is None:
        return None
    found = _interpret(stripped, match, reference_year)
    if isinstance(found, CoiRef) and found.written == stripped:
        return found
    return None
