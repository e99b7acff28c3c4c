"""Tests for the yearly extra-controls table: the shipped data, loading, and matching mail text."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.triage.result import ExtraControlMatch
from intake.triage.rules.extra_controls import (
    MAX_TEXT_CHARS,
    ExtraControlsTable,
    RulesError,
    TableSet,
    match_extra_controls,
)

TABLES = TableSet.load()
TABLE_2023 = TABLES.for_day(date(2023, 6, 1))

# The 2023 table as published by the desk (origin, product, CN codes, share).
EXPECTED_2023 = [
    ("CN", "ginger", ("0910.11.00", "2006.00.10"), 10),
    ("CN", "pumpkin seeds", ("0709.93.90", "1207.99.96", "1212.99.95"), 10),
    ("CN", "soybean oil-cake", ("2304.00.00",), 10),
    ("CN", "tea", ("0902.20.00", "0902.40.00"), 20),
    ("IN", "soybean oil-cake", ("2304.00.00",), 10),
    ("IN", "turmeric", ("0910.30.00", "1302.19.70"), 20),
    ("PY", "chia seeds", ("1207.99.96",), 10),
    ("PE", "quinoa", ("1008.50.00", "1104.29.89"), 10),
    ("SL", "cocoa beans", ("1801.00.00",), 10),
]

TABLE_2024 = """
year = 2024
valid_from = 2024-01-01
valid_until = 2024-12-31
source = "test table"

[[row]]
origin = "UA"
origin_names = ["Ukraine", "Ukrainian", "Oekraïne"]
product = "sunflower seeds"
product_words = ["sunflower seeds", "zonnebloempitten"]
cn_codes = ["1206.00.91"]
min_share_pct = 5
"""


def table() -> ExtraControlsTable:
    """The shipped 2023 table (asserted present by a test of its own)."""
    assert TABLE_2023 is not None
    return TABLE_2023


def match(*texts: tuple[str, str], coi: str | None = None) -> tuple[ExtraControlMatch, ...]:
    """Match the given (where, text) pairs against the 2023 table."""
    return match_extra_controls(table(), texts=list(texts), coi_country=coi)


def keys(matches: tuple[ExtraControlMatch, ...]) -> list[tuple[str, str]]:
    """(origin, product) of each match, in order."""
    return [(m.origin, m.product) for m in matches]


def write_table(folder: Path, name: str, text: str) -> Path:
    """Write a table file into ``folder`` (created when missing) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the shipped data -------------------------------------------------------------------


def test_shipped_2023_table_is_the_published_one() -> None:
    """The package's 2023 table has exactly the published rows, shares and validity."""
    shipped = table()
    assert shipped.year == 2023
    assert (shipped.valid_from, shipped.valid_until) == (date(2023, 1, 1), date(2023, 12, 31))
    assert "Extra voorwaarden" in shipped.source
    rows = [(r.origin, r.product, r.cn_codes, r.min_share_pct) for r in shipped.rows]
    assert rows == EXPECTED_2023


def test_first_origin_name_is_the_english_country_name() -> None:
    """Each row's first origin name is the English name shown to officers."""
    names = {r.origin: r.origin_names[0] for r in table().rows}
    assert names == {
        "CN": "China",
        "IN": "India",
        "PY": "Paraguay",
        "PE": "Peru",
        "SL": "Sierra Leone",
    }


# -- matching by CN code ----------------------------------------------------------------

CODE_CASES = [(o, p, code) for o, p, codes, _ in EXPECTED_2023 for code in codes]


@pytest.mark.parametrize(("origin", "product", "code"), CODE_CASES)
def test_every_row_matches_by_each_of_its_cn_codes(origin: str, product: str, code: str) -> None:
    """Each CN code of each row, with the row's origin in the COI, gives that row."""
    found = match(("invoice text 'invoice.pdf'", f"Pos 1  {code}  500 kg"), coi=origin)
    assert (origin, product) in keys(found)
    assert all(m.origin == origin for m in found)


def test_evidence_is_one_human_phrase() -> None:
    """The evidence names the code, where it stood and where the origin came from."""
    found = match(("invoice text 'invoice.pdf'", "CN code 0910.11.00, 20 t"), coi="CN")
    assert len(found) == 1
    assert found[0].evidence == (
        "CN code 0910.11.00 in the invoice text 'invoice.pdf'; origin CN from the COI reference"
    )
    assert found[0] == ExtraControlMatch(
        year=2023,
        origin="CN",
        origin_name="China",
        product="ginger",
        cn_codes=("0910.11.00", "2006.00.10"),
        min_share_pct=10,
        evidence=found[0].evidence,
    )


@pytest.mark.parametrize(
    "text",
    [
        "0910.11.00",
        "0910 11 00",
        "09101100",
        "HS code 0910.11",
        "HS-code: 091011",
        "GN-code 0910 11",
        "TARIC 0910110000",
        "0910.11.00.00",
        "(0910.11.00)",
        "code:0910.11.00;",
        "0910.11.00 1.000 kg",
    ],
)
def test_cn_code_forms(text: str) -> None:
    """Dotted, spaced, plain, six-digit (after a code word) and TARIC forms all count."""
    assert keys(match(("body", f"Goods: {text}"), coi="CN")) == [("CN", "ginger")]


@pytest.mark.parametrize(
    "text",
    [
        "Tel. +86 0910 1100 5678",
        "Invoice no. 20230910110012",
        "Ref 109101100",
        "09101100123",
        "INV-091011",
        "PO/0910.11.00",
        "amount 0910.11 USD",
        "date 091011",
        "total 1.0910,11",
        "version 0910.11.00.5",
        "ABC09101100",
        "0910-11-00",
    ],
)
def test_cn_like_digits_inside_other_numbers_do_not_count(text: str) -> None:
    """Digits that belong to phone, invoice or amount numbers are not a CN code."""
    assert match(("invoice text 'x.pdf'", text), coi="CN") == ()


def test_amount_looking_like_a_short_code_needs_a_code_word() -> None:
    """'1008.50' is an amount unless a word like 'HS code' stands before it."""
    assert match(("body", "Total: 1008.50 EUR"), coi="PE") == ()
    assert keys(match(("body", "HS code: 1008.50"), coi="PE")) == [("PE", "quinoa")]


def test_shared_code_goes_to_the_row_of_the_established_origin() -> None:
    """2304.00.00 is a row for China and for India: the origin picks which."""
    assert keys(match(("body", "2304.00.00"), coi="IN")) == [("IN", "soybean oil-cake")]
    assert keys(match(("body", "1207.99.96"), coi="PY")) == [("PY", "chia seeds")]
    assert keys(match(("body", "1207.99.96"), coi="CN")) == [("CN", "pumpkin seeds")]


# -- matching by product words ----------------------------------------------------------

WORD_CASES = [
    (
        "CN",
        "ginger",
        ["ginger", "Gember", "gingembre", "Ingwer", "jengibre", "zenzero", "gengibre"],
    ),
    (
        "CN",
        "pumpkin seeds",
        [
            "pumpkin seeds",
            "pompoenpitten",
            "graines de courge",
            "Kürbiskerne",
            "Kuerbiskerne",
            "semillas de calabaza",
            "semi di zucca",
            "sementes de abóbora",
            "sementes de abobora",
        ],
    ),
    (
        "CN",
        "soybean oil-cake",
        ["soybean oil cake", "soybean oilcake", "sojaperskoeken", "tourteau de soja", "Sojaschrot"],
    ),
    ("CN", "tea", ["green tea", "groene thee", "thé vert", "Grüntee", "Tee", "té verde", "chá"]),
    ("IN", "soybean oil-cake", ["soybean meal", "soya DOC", "farelo de soja", "harina de soja"]),
    ("IN", "turmeric", ["turmeric", "kurkuma", "curcuma", "cúrcuma", "Gelbwurzel", "curcumina"]),
    (
        "PY",
        "chia seeds",
        ["chia seeds", "chiazaad", "graines de chia", "Chiasamen", "semillas de chía"],
    ),
    ("PE", "quinoa", ["quinoa", "Quinoa", "quinua", "quinoavlokken", "QUINOA FLAKES"]),
    ("SL", "cocoa beans", ["cocoa beans", "cacaobonen", "fèves de cacao", "Kakaobohnen", "cacau"]),
]


@pytest.mark.parametrize(
    ("origin", "product", "word"),
    [(o, p, w) for o, p, words in WORD_CASES for w in words],
)
def test_every_row_matches_by_words_in_several_languages(
    origin: str, product: str, word: str
) -> None:
    """A product word in any of the desk's languages, with the COI's origin, gives the row."""
    found = match(("body", f"Consignment of organic {word}, 20 t."), coi=origin)
    assert (origin, product) in keys(found)
    assert "product word" in next(m for m in found if m.product == product).evidence


@pytest.mark.parametrize(
    "text",
    [
        "Our team will call you",
        "steady supply",
        "instead of rice",
        "teaspoon",
        "the goods are rice",
        "Te koop: de artikelen",
        "Tear-off labels, theatre, athlete",
    ],
)
def test_tea_matches_only_as_a_whole_word(text: str) -> None:
    """'tea' inside 'team' or 'steady', and 'the'/'te' without an accent, are not tea."""
    assert match(("body", text), coi="CN") == ()


def test_plain_the_is_not_the_french_tea() -> None:
    """Only 'thé' with its accent is tea; the English article is not."""
    assert match(("body", "the the THE"), coi="CN") == ()
    assert keys(match(("body", "THÉ VERT"), coi="CN")) == [("CN", "tea")]


def test_chia_inside_a_name_is_not_chia() -> None:
    """'Chiara' does not contain the product 'chia'."""
    assert match(("body", "Kind regards, Chiara"), coi="PY") == ()


# -- the origin -------------------------------------------------------------------------

ORIGIN_CASES = [
    ("organic ginger, country of origin: China", ("CN", "ginger")),
    ("Origin: P.R. China - ginger", ("CN", "ginger")),
    ("gember, land van oorsprong: China", ("CN", "ginger")),
    ("oorsprong China; gember", ("CN", "ginger")),
    ("gingembre, pays d'origine : Chine", ("CN", "ginger")),
    ("gingembre d'origine chinoise", ("CN", "ginger")),
    ("Ingwer, Ursprung China", ("CN", "ginger")),
    ("Ingwer chinesischer Herkunft", ("CN", "ginger")),
    ("Kurkuma, Herkunft: Indien", ("IN", "turmeric")),
    ("turmeric, made in India", ("IN", "turmeric")),
    ("quinoa, origen: Perú", ("PE", "quinoa")),
    ("quinoa, paese di origine: Perù", ("PE", "quinoa")),
    ("sementes de chia, origem: Paraguai", ("PY", "chia seeds")),
    ("cocoa beans of Sierra Leonean origin", ("SL", "cocoa beans")),
    ("Country of origin of the goods: the People's Republic of China. Tea.", ("CN", "tea")),
    ("Chinese organic ginger", ("CN", "ginger")),
    ("gember uit China", ("CN", "ginger")),
    ("Peruvian quinoa", ("PE", "quinoa")),
    ("quinoa del Perú", ("PE", "quinoa")),
    ("gingembre bio d'Inde et curcuma indien", ("IN", "turmeric")),
]


@pytest.mark.parametrize(("text", "expected"), ORIGIN_CASES)
def test_origin_stated_in_the_text(text: str, expected: tuple[str, str]) -> None:
    """An explicit origin counts even when the COI names another (exporting) country."""
    found = match(("body", text), coi="VN")
    assert keys(found) == [expected]
    assert "stated as" in found[0].evidence


def test_origin_and_product_may_stand_in_different_texts() -> None:
    """The origin from the body and the code from the invoice make one match."""
    found = match(
        ("body", "Country of origin: India"),
        ("invoice text 'INV-1.pdf'", "0910.30.00 Turmeric fingers"),
        coi="AE",
    )
    assert keys(found) == [("IN", "turmeric")]
    assert found[0].evidence == (
        "CN code 0910.30.00 in the invoice text 'INV-1.pdf'; "
        "origin IN stated as 'origin: India' in the body"
    )


@pytest.mark.parametrize(
    ("texts", "coi"),
    [
        ([("body", "organic ginger, 20 t")], None),
        ([("body", "organic ginger, 20 t")], "VN"),
        ([("invoice text 'x.pdf'", "0910.11.00")], None),
        ([("body", "country of origin: China; long grain rice")], "CN"),
        ([("body", "Chinese customer, rice")], None),
        ([("body", "ginger, country of origin: Peru")], "PE"),
        ([("body", "Peruvian ginger")], None),
        ([("body", "turmeric, country of origin: Indonesia")], None),
        ([("body", "China. \n\n We also sell ginger")], None),
        ([("body", "origin: see attached; China Ocean Shipping; ginger")], None),
    ],
)
def test_no_match_without_both_origin_and_product(
    texts: list[tuple[str, str]], coi: str | None
) -> None:
    """Product without origin, origin without product, or a pair not in the table: no match."""
    assert match_extra_controls(table(), texts=texts, coi_country=coi) == ()


def test_coi_country_is_read_case_insensitively() -> None:
    """A lower-case or padded COI country still establishes the origin."""
    assert keys(match(("body", "ginger"), coi=" cn ")) == [("CN", "ginger")]


def test_several_rows_return_all_once_in_table_order() -> None:
    """Two products give two matches; repeated evidence gives no duplicates."""
    found = match(
        ("subject", "COI.CN.2023.1234567 green tea and ginger"),
        ("body", "Ginger 0910.11.00, ginger again; tea 0902.20.00"),
        coi="CN",
    )
    assert keys(found) == [("CN", "ginger"), ("CN", "tea")]
    assert found[0].evidence.startswith("CN code 0910.11.00 in the body")


def test_text_beyond_64_kib_is_not_read() -> None:
    """Each text is bounded to its first 64 KiB before any matching."""
    padding = "x " * (MAX_TEXT_CHARS // 2)
    assert match(("body", padding + "ginger"), coi="CN") == ()
    assert keys(match(("body", "ginger " + padding), coi="CN")) == [("CN", "ginger")]


# -- hostile and arbitrary input --------------------------------------------------------

HOSTILE = [
    "0" * MAX_TEXT_CHARS,
    "0910 " * 20_000,
    "origin " * 12_000,
    "origin of the of the of the " * 3_000,
    "chinese " * 10_000 + "ginger",
    "ginger " * 10_000 + "china",
    ". " * 40_000,
    "é" * MAX_TEXT_CHARS,
    "soja " * 15_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=[t[:12] for t in HOSTILE])
def test_hostile_text_is_matched_quickly(text: str) -> None:
    """Long repetitive input stays well under a second per 64 KiB text."""
    started = time.perf_counter()
    match(("body", text), coi=None)
    assert time.perf_counter() - started < 1.0


def test_a_typical_message_costs_milliseconds() -> None:
    """Subject, body and two document texts of ordinary size match in a few milliseconds."""
    body = "Dear desk, please find attached the documents. ETA 12/05. Kind regards, Jan\n" * 20
    invoice = "Pos 1 Organic dried ginger 0910.11.00 20.000 kg USD 24.000,00\n" * 40
    texts = [
        ("subject", "COI.CN.2023.1234567"),
        ("body", body),
        ("invoice text 'a.pdf'", invoice),
        ("b/l text 'b.pdf'", body),
    ]
    match_extra_controls(table(), texts=texts, coi_country="CN")
    started = time.perf_counter()
    for _ in range(20):
        match_extra_controls(table(), texts=texts, coi_country="CN")
    assert (time.perf_counter() - started) / 20 < 0.02


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.tuples(st.text(max_size=20), st.text(max_size=400)), max_size=4),
    coi=st.one_of(st.none(), st.text(max_size=4)),
)
def test_matching_never_raises(texts: list[tuple[str, str]], coi: str | None) -> None:
    """Arbitrary text and COI country give a tuple of matches, never an exception."""
    found = match_extra_controls(table(), texts=texts, coi_country=coi)
    assert isinstance(found, tuple)
    assert len({(m.origin, m.product) for m in found}) == len(found)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "origin",
                ":",
                " ",
                "China",
                "chinese",
                "ginger",
                "thé",
                "0910",
                ".11",
                ".00",
                "-",
                "\n",
                "Perú",
                "of the",
                "7",
            ]
        ),
        max_size=40,
    )
)
def test_matching_never_raises_on_near_miss_text(parts: list[str]) -> None:
    """Text built from the matcher's own vocabulary never makes it raise."""
    found = match(("body", "".join(parts)), coi=None)
    assert all(m.year == 2023 for m in found)


# -- choosing the table for a day -------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2023, 1, 1), 2023),
        (date(2023, 12, 31), 2023),
        (date(2024, 3, 1), 2023),
        (date(2030, 1, 1), 2023),
        (date(2022, 12, 31), None),
    ],
)
def test_table_for_day_with_the_shipped_tables(day: date, year: int | None) -> None:
    """The covering table, else the newest earlier one, else none."""
    chosen = TABLES.for_day(day)
    assert (chosen.year if chosen else None) == year


def test_an_older_table_applied_later_says_so() -> None:
    """A table used outside its validity explains why; inside it there is nothing to say."""
    assert table().stale_note(date(2023, 5, 1)) is None
    note = table().stale_note(date(2024, 2, 1))
    assert note is not None
    assert "2023 table" in note
    assert "still applies" in note
    assert "2024-02-01" in note


def test_extra_folder_adds_2024_and_replaces_nothing(tmp_path: Path) -> None:
    """A 2024 table in an operator folder is chosen for 2024; 2023 stays as shipped."""
    write_table(tmp_path, "2024.toml", TABLE_2024)
    (tmp_path / "notes.txt").write_text("not a table", encoding="utf-8")
    tables = TableSet.load([tmp_path])
    assert [t.year for t in tables.tables] == [2023, 2024]
    chosen_2024 = tables.for_day(date(2024, 5, 1))
    assert chosen_2024 is not None
    assert chosen_2024.year == 2024
    assert chosen_2024.rows[0].min_share_pct == 5
    assert tables.for_day(date(2023, 5, 1)) == table()
    found = match_extra_controls(
        chosen_2024, texts=[("body", "zonnebloempitten uit Oekraïne")], coi_country=None
    )
    assert [(m.year, m.origin, m.product) for m in found] == [(2024, "UA", "sunflower seeds")]


def test_extra_folder_may_keep_tables_in_an_extra_controls_subfolder(tmp_path: Path) -> None:
    """An operator folder's ``extra_controls/`` subfolder is read when it exists."""
    write_table(tmp_path / "extra_controls", "2024.toml", TABLE_2024)
    assert [t.year for t in TableSet.load([tmp_path]).tables] == [2023, 2024]


def test_a_later_folder_replaces_the_same_year(tmp_path: Path) -> None:
    """The last folder's file for a year wins over the package's and earlier folders'."""
    first, second = tmp_path / "a", tmp_path / "b"
    write_table(first, "2024.toml", TABLE_2024)
    write_table(second, "2024.toml", TABLE_2024.replace("min_share_pct = 5", "min_share_pct = 30"))
    replaced_2023 = TABLE_2024.replace("2024", "2023").replace('"test table"', '"replaced"')
    write_table(second, "2023.toml", replaced_2023)
    tables = TableSet.load([first, second])
    by_year = {t.year: t for t in tables.tables}
    assert by_year[2024].rows[0].min_share_pct == 30
    assert by_year[2023].source == "replaced"


BROKEN = [
    ("2024.toml", "year = 2024\nvalid_from = 2024-01-01\n[[row]\n", "not valid TOML"),
    ("2024.toml", TABLE_2024.replace('source = "test table"\n', ""), "source"),
    ("2024.toml", TABLE_2024.replace('"1206.00.91"', '"12060091"'), "row[1].cn_codes[1]"),
    ("2024.toml", TABLE_2024.replace('origin = "UA"', 'origin = "XX"'), "no ISO country"),
    ("2024.toml", TABLE_2024.replace('origin = "UA"', 'origin = "ua"'), "row[1].origin"),
    ("2024.toml", TABLE_2024.replace("min_share_pct = 5", 'min_share_pct = "5"'), "min_share_pct"),
    ("2024.toml", TABLE_2024.replace("year = 2024", "year = 2025"), "named 2024.toml"),
    ("2024.toml", TABLE_2024.replace("2024-12-31", "2023-12-31"), "valid_until"),
    ("2024.toml", TABLE_2024 + "\nextra = 1\n", "extra"),
    ("2024.toml", TABLE_2024.split("[[row]]")[0], "row"),
    ("2024.toml", TABLE_2024 + TABLE_2024[TABLE_2024.index("[[row]]") :], "listed twice"),
    ("table-2024.toml", TABLE_2024, "named after its year"),
]


@pytest.mark.parametrize(("name", "text", "problem"), BROKEN)
def test_broken_table_raises_rules_error_naming_the_file(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    """A file that cannot be used stops loading with its path and the problem."""
    path = write_table(tmp_path, name, text)
    with pytest.raises(RulesError) as caught:
        TableSet.load([tmp_path])
    assert caught.value.source == str(path)
    assert str(path) in str(caught.value)
    assert problem in caught.value.problem


def test_undecodable_table_raises_rules_error(tmp_path: Path) -> None:
    """A file that is not UTF-8 is reported, not a traceback."""
    (tmp_path / "2024.toml").write_bytes(b'year = 2024\nsource = "\xff"\n')
    with pytest.raises(RulesError, match="not UTF-8"):
        TableSet.load([tmp_path])


def test_missing_operator_folder_raises_rules_error(tmp_path: Path) -> None:
    """A configured folder that does not exist is a setup error naming the folder."""
    missing = tmp_path / "nowhere"
    with pytest.raises(RulesError, match="is not a folder") as caught:
        TableSet.load([missing])
    assert caught.value.source == str(missing)


def test_surrogate_escaped_text_is_matched_without_error() -> None:
    """Undecodable bytes kept as lone surrogates neither raise nor hide the words around them."""
    found = match(("body", "ginger \udcff origin: China \ud800"), coi="\udcff")
    assert keys(found) == [("CN", "ginger")]
