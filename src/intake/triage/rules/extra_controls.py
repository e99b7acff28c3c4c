"""The yearly extra-controls table: loading it from data, and matching a message against it.

Each year the EU names products that, when they originate in a given country, must be
sampled in more than a given share of consignments. The table lives in TOML files
(``data/extra_controls/YYYY.toml``, format in the README beside them); the desk adds a year
by dropping a file into an operator folder, without a code change.

A row matches a message when both the origin and the product are established:

- origin: the COI's country part (the exporting country), or an explicit statement in any
  text ("country of origin: China", "origine chinoise", "Herkunft: Indien"), or a country
  name or adjective right beside a product word ("Chinese ginger", "gember uit China");
- product: a CN code of the row (full or a prefix of at least six digits), or one of the
  row's product words as a whole word, case- and accent-insensitively.

Loading (``TableSet.load``) is the only I/O here. Errors::

    Exception
     └── RulesError  (source, problem): a table file or folder that cannot be used
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from threading import Lock
from typing import Annotated, Any

import pycountry
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from intake.text import fold_char as _fold_char
from intake.triage.result import ExtraControlMatch

MAX_TEXT_CHARS = 64 * 1024
MAX_TOTAL_CHARS = 4 * 1024 * 1024
MAX_TABLE_FILE_BYTES = 1024 * 1024
_PACKAGE = "intake.triage.rules"
_DATA_FOLDER = ("data", "extra_controls")
_FILE_NAME = re.compile(r"(\d{4})\.toml")


class RulesError(Exception):
    """A rules file or folder that cannot be used; names the file and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


# -- the table as values ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExtraControlsRow:
    """One line of the table. ``min_share_pct`` is exclusive: more than it must be sampled.

    ``origin_names[0]`` is the country's English name, used when telling a person.
    """

    origin: str
    origin_names: tuple[str, ...]
    product: str
    product_words: tuple[str, ...]
    cn_codes: tuple[str, ...]
    min_share_pct: int


@dataclass(frozen=True, slots=True)
class ExtraControlsTable:
    """One year's table, valid from ``valid_from`` to ``valid_until`` inclusive."""

    year: int
    valid_from: date
    valid_until: date
    source: str
    rows: tuple[ExtraControlsRow, ...]

    def covers(self, day: date) -> bool:
        """True when ``day`` falls inside the table's own validity."""
        return self.valid_from <= day <= self.valid_until

    def stale_note(self, day: date) -> str | None:
        """Why this table is applied to ``day`` outside its validity, or None when it covers it."""
        if self.covers(day):
            return None
        return (
            f"the {self.year} table (valid until {self.valid_until.isoformat()}) still applies "
            f"on {day.isoformat()}: no table covering that day is loaded"
        )


@dataclass(frozen=True, slots=True)
class TableSet:
    """Every year's table that is available, oldest first."""

    tables: tuple[ExtraControlsTable, ...] = ()

    @classmethod
    def load(cls, extra_dirs: Sequence[Path] = ()) -> TableSet:
        """The package's tables, then each operator folder's; a later file's year replaces."""
        by_year: dict[int, ExtraControlsTable] = {}
        package_folder = (
            resources.files(_PACKAGE).joinpath(_DATA_FOLDER[0]).joinpath(_DATA_FOLDER[1])
        )
        for table in _load_folder(package_folder):
            by_year[table.year] = table
        for folder in extra_dirs:
            for table in _load_folder(_operator_folder(folder)):
                by_year[table.year] = table
        return cls(tuple(by_year[year] for year in sorted(by_year)))

    def for_day(self, day: date) -> ExtraControlsTable | None:
        """The table covering ``day``; else the newest of an earlier or equal year; else None.

        An older table keeps applying until a newer one is loaded (see ``stale_note``).
        """
        covering = [t for t in self.tables if t.covers(day)]
        if covering:
            return max(covering, key=lambda t: t.year)
        earlier = [t for t in self.tables if t.year <= day.year]
        return max(earlier, key=lambda t: t.year) if earlier else None


# -- loading ----------------------------------------------------------------------------

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _RowFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    origin: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    origin_names: Annotated[list[_Text], Field(min_length=1, max_length=500)]
    product: _Text
    product_words: Annotated[list[_Text], Field(min_length=1, max_length=500)]
    cn_codes: Annotated[
        list[Annotated[str, StringConstraints(pattern=r"^\d{4}\.\d{2}\.\d{2}$")]],
        Field(min_length=1, max_length=100),
    ]
    min_share_pct: Annotated[int, Field(ge=0, le=100)]


class _TableFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    year: Annotated[int, Field(ge=2000, le=2999)]
    valid_from: date
    valid_until: date
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    row: Annotated[list[_RowFile], Field(min_length=1, max_length=1000)]


def _operator_folder(folder: Path) -> Path:
    if not folder.is_dir():
        raise RulesError(str(folder), "is not a folder")
    nested = folder / _DATA_FOLDER[-1]
    return nested if nested.is_dir() else folder


def _load_folder(folder: Traversable) -> Iterator[ExtraControlsTable]:
    try:
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    except OSError as exc:
        raise RulesError(str(folder), f"cannot be listed ({exc.strerror or exc})") from exc
    for entry in entries:
        if entry.name.endswith(".toml"):
            yield _load_file(entry)


def _load_file(entry: Traversable) -> ExtraControlsTable:
    source = str(entry)
    name = _FILE_NAME.fullmatch(entry.name)
    if name is None:
        raise RulesError(source, "a table file must be named after its year, e.g. 2024.toml")
    try:
        raw = entry.read_bytes()
    except OSError as exc:
        raise RulesError(source, f"cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > MAX_TABLE_FILE_BYTES:
        raise RulesError(source, f"is larger than {MAX_TABLE_FILE_BYTES} bytes")
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RulesError(source, f"is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(source, f"is not valid TOML ({exc})") from exc
    try:
        parsed = _TableFile.model_validate(document)
    except ValidationError as exc:
        raise RulesError(source, _describe(exc)) from exc
    table = _to_table(parsed)
    _check_table(source, table, int(name.group(1)))
    return table


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors()[:5]:
        where = ""
        for part in error["loc"]:
            where += f"[{part + 1}]" if isinstance(part, int) else f".{part}"
        problems.append(f"{where.lstrip('.') or 'file'}: {error['msg']}")
    more = exc.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def _to_table(parsed: _TableFile) -> ExtraControlsTable:
    rows = tuple(
        ExtraControlsRow(
            origin=row.origin,
            origin_names=tuple(row.origin_names),
            product=row.product,
            product_words=tuple(row.product_words),
            cn_codes=tuple(row.cn_codes),
            min_share_pct=row.min_share_pct,
        )
        for row in parsed.row
    )
    return ExtraControlsTable(
        year=parsed.year,
        valid_from=parsed.valid_from,
        valid_until=parsed.valid_until,
        source=parsed.source,
        rows=rows,
    )


def _check_table(source: str, table: ExtraControlsTable, file_year: int) -> None:
    if table.year != file_year:
        raise RulesError(source, f"says year = {table.year} but is named {file_year}.toml")
    if table.valid_until < table.valid_from:
        raise RulesError(source, "valid_until is before valid_from")
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(table.rows, start=1):
        if pycountry.countries.get(alpha_2=row.origin) is None:
            raise RulesError(source, f"row[{number}].origin: '{row.origin}' is no ISO country")
        key = (row.origin, row.product.casefold())
        if key in seen:
            raise RulesError(source, f"row[{number}]: {row.origin} {row.product} is listed twice")
        seen.add(key)


# -- text folding -----------------------------------------------------------------------

_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"}


@lru_cache(maxsize=4096)
def _lower_char(char: str) -> str:
    """One character without case, accents kept; length-preserving like ``_fold_char``."""
    if char in _APOSTROPHES:
        return _APOSTROPHES[char]
    lower = char.lower()
    return lower if len(lower) == 1 else char


def _translate(text: str, fold: bool) -> str:
    # Length-preserving, so positions in the result quote the NFC text one-to-one.
    if text.isascii():
        return text.lower().replace("`", "'")
    convert = _fold_char if fold else _lower_char
    mapping = {ord(c): convert(c) for c in set(text)}
    return text.translate(mapping)


def _fold(text: str) -> str:
    """Case- and accent-free form of NFC text, one character for one character."""
    return _translate(text, fold=True)


def _has_accents(word: str) -> bool:
    return _translate(word, fold=True) != _translate(word, fold=False)


def _word_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "", text)


# Trie keys besides single characters: a separator inside a phrase, and a phrase's end.
_SEPARATOR = "separator"
_END = "end"


def _trie_pattern(phrases: Iterable[str]) -> str:
    """One regex for many words or phrases, prefixes shared so a position fails fast.

    Inside a phrase, a run of spaces or hyphens matches any such run or none, so
    "oil-cake", "oil cake" and "oilcake" are one entry.
    """
    root: dict[str, dict[str, Any]] = {}
    for phrase in phrases:
        node = root
        parts = [part for part in re.split(r"[\s\-]+", phrase.strip()) if part]
        for number, part in enumerate(parts):
            for key in ([_SEPARATOR] if number else []) + list(part):
                node = node.setdefault(key, {})
        node[_END] = {}
    return _emit(root)


def _emit(node: dict[str, dict[str, Any]]) -> str:
    branches = [
        (r"[\s\-]*" if key == _SEPARATOR else re.escape(key)) + _emit(child)
        for key, child in sorted(node.items())
        if key != _END
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:
        return f"(?:{body})?"
    return body


def _alternation(phrases: Iterable[str]) -> re.Pattern[str] | None:
    unique = {p for p in phrases if p.strip()}
    if not unique:
        return None
    return re.compile(rf"(?<![^\W_])(?:{_trie_pattern(unique)})(?![^\W_])")


# -- patterns common to every table -----------------------------------------------------


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# A CN code as people write it: 0910.11.00, 0910 11 00, 09101100, 0910.11, or a TARIC
# 10-digit form, one separator throughout. Not glued to letters, digits, amounts
# (1.234,56) or references (INV-091011).
_CN_CODE = re.compile(
    r"(?<![^\W_])(?<![.,/])(?<![^\W_]-)"
    r"(?P<code>\d{4}(?P<sep>[. ]?)\d{2}(?:(?P=sep)\d{2}){0,2})"
    r"(?!\d)(?![.,/-]\d)"
)
# Six digits (0910.11) also read as an amount or a date, so they need a word like
# "CN", "HS code" or "GN-code" shortly before them.
_CODE_CONTEXT = re.compile(
    r"(?<![^\W_])(?:cn|gn|nc|kn|hs|sh|taric|code[sn]?|tariff?|tarief|tarifa|commodity|"
    r"nomenclature|nomenclatuur|warennummer|zolltarif|goederencode)(?![^\W_])"
)
_CODE_CONTEXT_CHARS = 40

# Words that introduce an origin. Nouns may also follow the country ("Chinese origin",
# "indischer Herkunft"); the others only precede it ("made in", "afkomstig uit").
_ORIGIN_NOUNS = _word_set(
    "origin origins oorsprong herkomst origine provenance ursprung ursprungs ursprungsland "
    "herkunft herkunftsland origen procedencia provenienza origem proveniencia coo"
)
_ORIGIN_LEADS = _word_set(
    "made produce product grown cultivated harvested originating originates afkomstig geteeld "
    "gemaakt geproduceerd originaire produit fabrique cultive hergestellt erzeugt angebaut "
    "stammt hecho producido cultivado producto prodotto coltivato fabbricato produzido feito "
    "produto"
)
# What may stand between an origin keyword and the country: punctuation and glue words
# ("country of origin of the goods: the People's Republic of China").
_ORIGIN_GLUE = _word_set(
    "of the goods good product products is are from in country van het de der goederen "
    "producten uit land du des d la le les l marchandise marchandises produits est en pays au "
    "aux die das ware waren produkt produkte ist aus von del el mercancia mercancias productos "
    "es pais di della dei delle merce merci prodotti e paese do da dos mercadoria mercadorias "
    "produtos em no na p r pr s people peoples republic republiek republique republik "
    "republica repubblica popular populaire popolare volksrepubliek volksrepublik rep"
)
_ORIGIN_KEYWORD = re.compile(
    rf"(?<![^\W_])(?:{_trie_pattern(_ORIGIN_NOUNS | _ORIGIN_LEADS)})(?![^\W_])"
)
_ORIGIN_GAP = re.compile(rf"(?:[\W\d_]|(?:{_trie_pattern(_ORIGIN_GLUE)})(?![^\W_]))*")
_ORIGIN_WINDOW_CHARS = 48
# Between a product word and a country name beside it ("Chinese organic ginger",
# "gember uit China", "gingembre bio d'Inde").
_ADJACENT_GLUE = _word_set(
    "organic bio biological biologisch biologische biologique biologiques biologico biologica "
    "biologicos biologicas biologici biologiche ecologico ecologica ecologische oko okologisch "
    "okologische okologischer okologischen dried gedroogde getrocknete from of uit van aus von "
    "de du d des del della dalla dal di da do dos das la l the en"
)
_ADJACENT_GAP = re.compile(
    rf"[\s\-'(]{{1,3}}(?:(?:{_trie_pattern(_ADJACENT_GLUE)})[\s\-'(]{{1,3}}){{0,3}}"
)
_ADJACENT_GAP_CHARS = 40
_MAX_HITS_PER_TEXT = 500
_QUOTE_CHARS = 80
_TRAILING_SEPARATORS = re.compile(r"[\s\-]+\Z")


# -- the compiled table -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A table turned into lookups and regexes, built once per table."""

    table: ExtraControlsTable
    code_rows: dict[str, tuple[int, ...]]
    word_rows: dict[str, frozenset[int]]
    folded_words: re.Pattern[str] | None
    accented_words: re.Pattern[str] | None
    names: re.Pattern[str] | None
    name_before_noun: re.Pattern[str] | None
    name_origins: dict[str, frozenset[str]]
    origins: frozenset[str]


def _compile(table: ExtraControlsTable) -> _Compiled:
    code_rows: dict[str, list[int]] = {}
    word_rows: dict[str, set[int]] = {}
    folded: set[str] = set()
    accented: set[str] = set()
    name_origins: dict[str, set[str]] = {}
    name_phrases: set[str] = set()
    for index, row in enumerate(table.rows):
        for code in row.cn_codes:
            digits = re.sub(r"\D", "", code)
            for prefix in {digits[:6], digits}:
                code_rows.setdefault(prefix, []).append(index)
        for word in row.product_words:
            # Short accented words keep their accents: "thé" must not become "the".
            nfc = unicodedata.normalize("NFC", word)
            key_folded = _word_key(_fold(nfc))
            keep = _has_accents(nfc) and len(key_folded) <= 3
            spelled = _translate(nfc, fold=False) if keep else _fold(nfc)
            (accented if keep else folded).add(spelled)
            word_rows.setdefault(_word_key(spelled), set()).add(index)
        for name in row.origin_names:
            spelled = _fold(unicodedata.normalize("NFC", name))
            name_phrases.add(spelled)
            name_origins.setdefault(_word_key(spelled), set()).add(row.origin)
    names = _alternation(name_phrases)
    return _Compiled(
        table=table,
        code_rows={k: tuple(dict.fromkeys(v)) for k, v in code_rows.items()},
        word_rows={k: frozenset(v) for k, v in word_rows.items()},
        folded_words=_alternation(folded),
        accented_words=_alternation(accented),
        names=names,
        name_before_noun=None if names is None else re.compile(rf"{names.pattern}[\s\-]{{1,3}}\Z"),
        name_origins={k: frozenset(v) for k, v in name_origins.items()},
        origins=frozenset(row.origin for row in table.rows),
    )


_CACHE_SIZE = 8
_cache: dict[int, _Compiled] = {}
_cache_lock = Lock()


def _compiled(table: ExtraControlsTable) -> _Compiled:
    """The compiled form of ``table``, cached by identity (a set holds few tables)."""
    found = _cache.get(id(table))
    if found is not None and found.table is table:
        return found
    built = _compile(table)
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[id(table)] = built
    return built


# -- matching ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Prepared:
    where: str
    nfc: str
    folded: str
    lowered: str | None


@dataclass(frozen=True, slots=True)
class _WordHit:
    start: int
    end: int
    rows: frozenset[int]


@dataclass(slots=True)
class _Findings:
    """Evidence gathered over every text of a message, the first of each kind kept."""

    code_evidence: dict[int, str] = field(default_factory=dict)
    word_evidence: dict[int, str] = field(default_factory=dict)
    origin_evidence: dict[str, str] = field(default_factory=dict)

    def product_evidence(self, index: int) -> str | None:
        return self.code_evidence.get(index) or self.word_evidence.get(index)


def match_extra_controls(
    table: ExtraControlsTable,
    *,
    texts: Sequence[tuple[str, str]],
    coi_country: str | None,
) -> tuple[ExtraControlMatch, ...]:
    """Every row of ``table`` whose origin and product the message establishes, in table order."""
    compiled = _compiled(table)
    findings = _Findings()
    country = (coi_country or "").strip().upper()
    if country in compiled.origins:
        findings.origin_evidence[country] = f"origin {country} from the COI reference"
    for prepared in _prepare(texts, need_lowered=compiled.accented_words is not None):
        _scan_codes(compiled, prepared, findings)
        word_hits = _scan_words(compiled, prepared, findings)
        _scan_origin_statements(compiled, prepared, findings)
        if word_hits:
            _scan_adjacent_names(compiled, prepared, word_hits, findings)
    return tuple(_matches(table, findings))


def _prepare(texts: Sequence[tuple[str, str]], *, need_lowered: bool) -> Iterator[_Prepared]:
    budget = MAX_TOTAL_CHARS
    for where, text in texts:
        if budget <= 0:
            return
        nfc = unicodedata.normalize("NFC", text[: min(MAX_TEXT_CHARS, budget)])
        nfc = nfc[:MAX_TEXT_CHARS]
        budget -= len(nfc)
        lowered = _translate(nfc, fold=False) if need_lowered and not nfc.isascii() else None
        yield _Prepared(where=where, nfc=nfc, folded=_fold(nfc), lowered=lowered)


def _quote(prepared: _Prepared, start: int, end: int) -> str:
    snippet = " ".join(prepared.nfc[start:end].split())
    if len(snippet) > _QUOTE_CHARS:
        snippet = snippet[: _QUOTE_CHARS - 1] + "…"
    return snippet.replace("'", "\u2019")


def _scan_codes(compiled: _Compiled, prepared: _Prepared, findings: _Findings) -> None:
    for count, hit in enumerate(_CN_CODE.finditer(prepared.folded)):
        if count >= _MAX_HITS_PER_TEXT:
            return
        if hit.group("sep") == " " and _spaced_neighbours(prepared.folded, hit):
            continue
        digits = re.sub(r"\D", "", hit.group("code"))
        key = digits if len(digits) <= 8 else digits[:8]
        rows = compiled.code_rows.get(key)
        if not rows:
            continue
        if len(digits) == 6 and not _has_code_context(prepared.folded, hit.start()):
            continue
        written = _quote(prepared, hit.start(), hit.end())
        for index in rows:
            if index in findings.code_evidence:
                continue
            code = _code_for(compiled.table.rows[index], digits)
            shown = f"CN code {code}" + ("" if written == code else f" (written '{written}')")
            findings.code_evidence[index] = f"{shown} in the {prepared.where}"


def _spaced_neighbours(folded: str, hit: re.Match[str]) -> bool:
    """True when space-separated digits go on around the code, as in a phone number."""
    before = folded[max(0, hit.start() - 2) : hit.start()]
    after = folded[hit.end() : hit.end() + 2]
    phone_before = before[:1].isdigit() and before[1:] == " "
    return phone_before or (after[:1] == " " and after[1:].isdigit())


def _has_code_context(folded: str, start: int) -> bool:
    return _CODE_CONTEXT.search(folded, max(0, start - _CODE_CONTEXT_CHARS), start) is not None


def _code_for(row: ExtraControlsRow, digits: str) -> str:
    for code in row.cn_codes:
        plain = code.replace(".", "")
        if plain.startswith(digits) or digits.startswith(plain):
            return code
    return row.cn_codes[0]


def _scan_words(compiled: _Compiled, prepared: _Prepared, findings: _Findings) -> list[_WordHit]:
    """Record product words; return where they stand, for the adjacency check."""
    hits: list[_WordHit] = []
    searches = [(compiled.folded_words, prepared.folded)]
    if prepared.lowered is not None:
        searches.append((compiled.accented_words, prepared.lowered))
    for pattern, text in searches:
        if pattern is None:
            continue
        for hit in pattern.finditer(text):
            rows = compiled.word_rows.get(_word_key(hit.group()), frozenset())
            hits.append(_WordHit(hit.start(), hit.end(), rows))
            written = _quote(prepared, hit.start(), hit.end())
            for index in rows:
                findings.word_evidence.setdefault(
                    index, f"product word '{written}' in the {prepared.where}"
                )
            if len(hits) >= _MAX_HITS_PER_TEXT:
                return hits
    return hits


def _scan_origin_statements(compiled: _Compiled, prepared: _Prepared, findings: _Findings) -> None:
    if compiled.names is None or compiled.origins <= findings.origin_evidence.keys():
        return
    folded = prepared.folded
    for count, keyword in enumerate(_ORIGIN_KEYWORD.finditer(folded)):
        if count >= _MAX_HITS_PER_TEXT:
            return
        gap = _ORIGIN_GAP.match(folded, keyword.end(), keyword.end() + _ORIGIN_WINDOW_CHARS)
        name = compiled.names.match(folded, gap.end()) if gap else None
        if name is not None:
            _record_origin(compiled, prepared, findings, name.group(), keyword.start(), name.end())
        elif keyword.group() in _ORIGIN_NOUNS and compiled.name_before_noun is not None:
            window_start = max(0, keyword.start() - _ORIGIN_WINDOW_CHARS)
            before = compiled.name_before_noun.search(folded, window_start, keyword.start())
            if before is not None:
                named = _TRAILING_SEPARATORS.sub("", before.group())
                _record_origin(compiled, prepared, findings, named, before.start(), keyword.end())


def _scan_adjacent_names(
    compiled: _Compiled,
    prepared: _Prepared,
    word_hits: list[_WordHit],
    findings: _Findings,
) -> None:
    rows = compiled.table.rows
    wanted = {rows[i].origin for hit in word_hits for i in hit.rows}
    if compiled.names is None or wanted <= findings.origin_evidence.keys():
        return
    folded = prepared.folded
    by_start = sorted(word_hits, key=lambda hit: hit.start)
    starts = [hit.start for hit in by_start]
    by_end = sorted(word_hits, key=lambda hit: hit.end)
    ends = [hit.end for hit in by_end]
    for count, name in enumerate(compiled.names.finditer(folded)):
        if count >= _MAX_HITS_PER_TEXT:
            return
        origins = compiled.name_origins.get(_word_key(name.group()), frozenset()) & wanted
        if not origins:
            continue
        after = by_start[
            bisect_left(starts, name.end()) : bisect_right(starts, name.end() + _ADJACENT_GAP_CHARS)
        ]
        before = by_end[
            bisect_left(ends, name.start() - _ADJACENT_GAP_CHARS) : bisect_right(ends, name.start())
        ]
        spans = [(name.end(), hit.start, hit) for hit in after]
        spans += [(hit.end, name.start(), hit) for hit in before]
        for gap_start, gap_end, hit in spans:
            if not any(rows[i].origin in origins for i in hit.rows):
                continue
            if _ADJACENT_GAP.fullmatch(folded, gap_start, gap_end) is not None:
                start, end = min(hit.start, name.start()), max(hit.end, name.end())
                _record_origin(compiled, prepared, findings, name.group(), start, end)
                break


def _record_origin(
    compiled: _Compiled,
    prepared: _Prepared,
    findings: _Findings,
    name: str,
    start: int,
    end: int,
) -> None:
    quoted = _quote(prepared, start, end)
    for origin in sorted(compiled.name_origins.get(_word_key(name), frozenset())):
        findings.origin_evidence.setdefault(
            origin, f"origin {origin} stated as '{quoted}' in the {prepared.where}"
        )


def _matches(table: ExtraControlsTable, findings: _Findings) -> Iterator[ExtraControlMatch]:
    seen: set[tuple[str, str]] = set()
    for index, row in enumerate(table.rows):
        product = findings.product_evidence(index)
        origin = findings.origin_evidence.get(row.origin)
        if product is None or origin is None or (row.origin, row.product) in seen:
            continue
        seen.add((row.origin, row.product))
        yield ExtraControlMatch(
            year=table.year,
            origin=row.origin,
            origin_name=row.origin_names[0],
            product=row.product,
            cn_codes=row.cn_codes,
            min_share_pct=row.min_share_pct,
            evidence=f"{product}; {origin}",
        )
