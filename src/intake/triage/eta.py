"""The expected arrival date (box 20 of the COI) as the importer wrote it in the mail.

People write it in many ways and languages: ``ETA Antwerp 17/05/2023``, ``verwachte aankomst:
17 mei``, ``arrivée prévue le mardi 17 mai 2023``, ``17.5.23 (ETA)``. A date counts only when
the keyword nearest to it is an arrival keyword; dates nearest to a departure keyword (ETD,
vertrek, départ, Abfahrt …) or to an issue/invoice-date phrase are never taken, and dates with
no keyword near them (invoice dates, B/L dates, signatures) are ignored.

Quoted history is not read: lines starting with ``>`` and everything after a reply header
(``-----Original Message-----``, an Outlook ``From:``/``Sent:`` block, ``On … wrote:``) belong
to earlier mail. A forward keeps the forwarded message, since an importer often forwards the
carrier's arrival notice; its own quoted history is cut at the next header.

The work is bounded: each text is cut to ``MAX_TEXT_CHARS`` and every pattern is a single pass
without nested unbounded repetition.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from intake.parse.mail import TextPart

MAX_TEXT_CHARS = 64 * 1024
MAX_EVIDENCE_CHARS = 80
# A date this far after the end of an arrival keyword still belongs to it ("ETA Antwerp, BE: …").
MAX_GAP_AFTER_CHARS = 60
# A keyword after the date must be close and in the same clause ("17/05/2023 (ETA)").
MAX_GAP_BEFORE_CHARS = 40
# A full date further than this from the reference is a typo or another document's date.
MAX_YEARS_FROM_REFERENCE = 3


@dataclass(frozen=True, slots=True)
class EtaFinding:
    """An expected arrival date, where it was found and the words around it."""

    eta: date
    where: str
    evidence: str


class _Sense(Enum):
    ARRIVAL = "arrival"
    DEPARTURE = "departure"
    OTHER = "other"


# -- keywords ---------------------------------------------------------------------------

_H = r"[^\S\n]"  # horizontal white space, NBSP included

_ARRIVAL_WORDS = (
    # English
    r"e\.t\.a\.?",
    r"(?-i:ATA|A\.T\.A\.?)",  # actual time of arrival; lower-case "ata" is a word in Portuguese
    r"eta(?:'?s)?",
    r"estimated\s{1,3}time\s{1,3}of\s{1,3}arrival",
    r"(?:expected|estimated|planned|scheduled|actual|new|revised|updated)\s{1,3}arrival(?:\s{1,3}date)?",
    r"(?:date|day)\s{1,3}of\s{1,3}arrival",
    r"arrival(?:\s{1,3}date)?",
    r"arriv(?:ing|es|ed|e)",
    r"expected(?=\s{1,3}(?:in|at|on|by|around|to\s{1,3}(?:arrive|reach)))",
    # Dutch
    r"verwachte\s{1,3}(?:aankomst\w*|datum\s{1,3}van\s{1,3}aankomst|tijdstip\s{1,3}van\s{1,3}aankomst)",
    r"aankomst\w*",
    r"aan(?:komen|komt|gekomen)",
    r"arriveer\w*|arriveren|gearriveerd",
    r"verwacht(?:e)?\s{1,3}(?:op|in|te|rond|tegen)",
    r"(?:komt|komen|kwam|kwamen)(?=[^\n]{0,60}?\b(?:aan|toe)\b)",
    r"toekomen|toekomt",
    # French
    r"date\s{1,3}d['\u2019]\s{0,2}arriv[ée]e",
    r"arriv[ée]e(?:\s{1,3}pr[ée]vue)?",
    r"arriver(?:a|ont|ait|aient)",
    r"attendue?s?",
    # German
    r"voraussichtliche[nrs]?\s{1,3}ankunft\w*",
    r"ankunft\w*",
    r"an(?:kommt|kommen|gekommen)",
    r"eintreff\w*|eintrifft|eingetroffen|erwartet",
    r"(?:kommt|kommen|trifft|treffen)(?=[^\n]{0,60}?\b(?:an|ein)\b)",
    # Spanish, Italian, Portuguese
    r"(?:fecha\s{1,3}de\s{1,3})?llegada|llegar[áa]n?|arribo|arribar[áa]n?",
    r"(?:data\s{1,3}di\s{1,3})?arrivo|arriver[àa]|arriveranno",
    r"(?:data\s{1,3}de\s{1,3}|previs[ãa]o\s{1,3}de\s{1,3})?chegada|chegar[áa]o?",
    # the COI box for the expected arrival time
    r"(?:vak|box|case|feld|casilla|casella|campo)\s{0,2}(?:n[or°º]\.?\s{0,2})?20(?!\d)",
)

_DEPARTURE_WORDS = (
    r"e\.t\.d\.?|etd|ets|atd",
    r"depart\w*|d[ée]part\w*|sail(?:s|ed|ing)",
    r"(?:shipped|loaded)(?:\s{1,3}on\s{1,3}board)?|on\s{1,3}board|shipment\s{1,3}date",
    r"date\s{1,3}of\s{1,3}shipment|shipping\s{1,3}date|loading\s{1,3}date",
    r"vertre\w*|vertrok\w*|afvaart|verscheping\w*|verscheept|inscheping|verzenddatum",
    r"embarquement|chargement|exp[ée]di[ée]e?",
    r"abfahrt|abreise|verschiff\w*|verladung|verladen|abgang|versanddatum",
    r"salida|zarp\w*|embarque|partenza|imbarco|partida|spedizione",
)

_OTHER_WORDS = (
    # an arrival date that no longer holds ("old ETA 15/05, new ETA 17/05")
    r"(?:old|previous|original|initial|former|oude|vorige|oorspronkelijke|ancienne|initiale"
    r"|alte|vorherige|urspr\u00fcngliche|anterior|precedente)\s{1,3}"
    r"(?:eta|arrival|aankomst\w*|arriv[\u00e9e]e|ankunft\w*|llegada|arrivo|chegada)",
    r"invoice\s{1,3}date|date\s{1,3}of\s{1,3}invoice|factuurdatum|datum\s{1,3}factuur",
    r"date\s{1,3}(?:de\s{1,3})?(?:la\s{1,3})?facture|rechnungsdatum|fecha\s{1,3}de\s{1,3}factura",
    r"data\s{1,3}(?:della\s{1,3})?fattura|data\s{1,3}da\s{1,3}fatura",
    r"b/?l\s{1,3}date|date\s{1,3}of\s{1,3}issue|issue\s{1,3}date|issued(?:\s{1,3}on)?|dated",
    r"order\s{1,3}date|besteldatum|due\s{1,3}date|vervaldatum|[ée]ch[ée]ance",
    r"sent(?:\s{1,3}on)?|verzonden(?:\s{1,3}op)?|envoy[ée]|gesendet|enviado|inviato",
    r"production\s{1,3}date|productiedatum|expiry\s{1,3}date|best\s{1,3}before|vervaldag",
)


def _alternation(words: Sequence[str]) -> str:
    return "|".join(f"(?:{w})" for w in words)


_KEYWORD_RE = re.compile(
    rf"(?=[^\W\d_])(?<![^\W_])(?:(?P<arrival>{_alternation(_ARRIVAL_WORDS)})"
    rf"|(?P<departure>{_alternation(_DEPARTURE_WORDS)})"
    rf"|(?P<other>{_alternation(_OTHER_WORDS)}))(?![^\W_])",
    re.IGNORECASE,
)

# -- dates ------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januari janvier janv januar jänner jaenner enero ene gennaio gen janeiro",
        "february feb febr februari février fevrier févr fevr februar feber febrero febbraio "
        "fevereiro fev",
        "march mar mrt maart mars märz maerz marz mär mrz marzo março marco",
        "april apr avril avr abril abr aprile",
        "may mei mai mayo maggio mag maio",
        "june jun juni juin junio giugno giu junho",
        "july jul juli juillet juil julio luglio lug julho",
        "august aug augustus août aout agosto ago",
        "september sep sept septembre septiembre setiembre settembre set setembro",
        "october oct oktober okt octobre octubre ottobre ott outubro out",
        "november nov novembre noviembre novembro",
        "december dec dez december décembre decembre déc dezember diciembre dic dicembre dezembro",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number
# Abbreviations that are also common words ("3 out of 5", "a set") only count with a year.
_RISKY_MONTHS = frozenset({"out", "set", "ago"})

_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "monday mon maandag lundi montag lunes lunedì lunedi segunda segunda-feira",
        "tuesday tue tues dinsdag mardi dienstag martes martedì martedi terça terca terça-feira "
        "terca-feira",
        "wednesday wed woensdag mercredi mittwoch miércoles miercoles mercoledì mercoledi quarta "
        "quarta-feira",
        "thursday thu thur thurs donderdag jeudi donnerstag jueves giovedì giovedi quinta "
        "quinta-feira",
        "friday fri vrijdag vendredi freitag viernes venerdì venerdi sexta sexta-feira",
        "saturday sat zaterdag samedi samstag sonnabend sábado sabado sabato",
        "sunday sun zondag dimanche sonntag domingo domenica",
    )
):
    for _name in _names.split():
        _WEEKDAYS[_name] = _number


def _names_pattern(names: Sequence[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


_MONTH = rf"(?:{_names_pattern(list(_MONTHS))})(?![^\W\d_])\.?"
_WEEKDAY = rf"(?P<wd>{_names_pattern(list(_WEEKDAYS))})(?![^\W\d_])\.?,?{_H}{{1,3}}"
_ORDINAL = r"(?:st|nd|rd|th|er|ère|e|ème|eme|ste|de|º|°|ª)?"

_DATE_RE = re.compile(
    rf"(?=\w)(?<![\d/.])(?<!\d-)(?:(?<![^\W\d_]){_WEEKDAY})?(?:"
    # 2023-05-17, 2023/05/17, 2023.05.17
    rf"(?P<iso_y>\d{{4}})(?P<iso_s>[-/.])(?P<iso_a>\d{{1,2}})(?P=iso_s)(?P<iso_b>\d{{1,2}})"
    rf"(?![\d])(?![./]\d)"
    # 17/05/2023, 17-05-23, 17.5.23
    rf"|(?P<num_a>\d{{1,2}})(?P<num_s>[-/.]){_H}?(?P<num_b>\d{{1,2}}){_H}?(?P=num_s){_H}?"
    rf"(?P<num_y>\d{{4}}|\d{{2}})(?![\d])(?![./]\d)"
    # 17 May 2023, 17th of May, 17. Mai 2023, 17 de mayo de 2023, 17-MAY-23, 10-12 May
    rf"|(?P<name_d>\d{{1,2}})(?:{_H}?[-\u2013]{_H}?\d{{1,2}})?{_ORDINAL}\.?"
    rf"(?:{_H}{{1,3}}(?:of|de|di|van){_H}{{1,3}}|{_H}{{1,3}}|{_H}?[-/.]{_H}?)"
    rf"(?P<name_m>{_MONTH})"
    rf"(?:(?:,?{_H}{{1,3}}(?:del?{_H}{{1,3}})?(?P<name_y4>\d{{4}})|{_H}?[-/.'\u2019]{{1,2}}"
    rf"(?P<name_y2>\d{{2}}(?:\d{{2}})?))(?![\d:]))?"
    # May 17, 2023; May 17th
    rf"|(?<![^\W\d_])(?P<us_m>{_MONTH}){_H}{{1,3}}(?P<us_d>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])"
    rf"(?:,?{_H}{{1,3}}(?P<us_y>\d{{4}})(?!\d))?"
    # 17/05, 17.5.
    rf"|(?P<dm_a>\d{{1,2}})(?P<dm_s>[-/.])(?P<dm_b>\d{{1,2}})(?![\d])(?![-/.]\d)"
    rf")",
    re.IGNORECASE,
)
# "10-12 days", "9.05 h": numbers that only look like a day and a month.
_NOT_A_DATE_AFTER_RE = re.compile(
    r"[^\S\n]{0,2}(?:days?|dagen|dag|jours?|tage?n?|d[ií]as|giorni|weeks?|weken|semaines?|wochen"
    r"|hours?|hrs?|h|uur|am|pm|uhr|%|kg|mt|pallets?|cartons?|bags?)(?![^\W_])",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Keyword:
    start: int
    end: int
    sense: _Sense


@dataclass(frozen=True, slots=True)
class _Date:
    start: int
    end: int
    value: date


def _year(two_or_four: str) -> int:
    year = int(two_or_four.lstrip("'\u2019"))
    return year + 2000 if year < 100 else year


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day_month(first: int, second: int) -> tuple[int, int]:
    """Day and month of a numeric pair: day first, unless only the US order is possible."""
    if second > 12 >= first:
        return second, first
    return first, second


def _infer_year(month: int, day: int, weekday: int | None, reference: date) -> date | None:
    """The year for a date written without one: the nearest to ``reference``.

    Days in the past count double, since a notice is normally sent before arrival; a weekday
    written with the date picks the year whose date falls on that weekday.
    """
    best: tuple[int, date] | None = None
    for year in (reference.year - 1, reference.year, reference.year + 1):
        candidate = _safe_date(year, month, day)
        if candidate is None:
            continue
        delta = (candidate - reference).days
        cost = delta if delta >= 0 else -2 * delta
        if weekday is not None and candidate.weekday() != weekday:
            cost += 1000
        if best is None or cost < best[0]:
            best = (cost, candidate)
    return best[1] if best is not None else None


def _parse_date(match: re.Match[str], reference: date) -> date | None:
    """The date a ``_DATE_RE`` match stands for, or None when it is impossible or implausible."""
    groups = match.groupdict()
    wd = groups["wd"]
    weekday = _WEEKDAYS.get(wd.lower()) if wd else None
    if groups["iso_y"]:
        month, day = int(groups["iso_a"]), int(groups["iso_b"])
        if month > 12 >= day:
            month, day = day, month
        found = _safe_date(int(groups["iso_y"]), month, day)
    elif groups["num_a"]:
        day, month = _day_month(int(groups["num_a"]), int(groups["num_b"]))
        found = _safe_date(_year(groups["num_y"]), month, day)
    elif groups["name_d"]:
        month_name = groups["name_m"].rstrip(".").lower()
        year_text = groups["name_y4"] or groups["name_y2"]
        if year_text is None and month_name in _RISKY_MONTHS:
            return None
        month, day = _MONTHS[month_name], int(groups["name_d"])
        if year_text is None:
            return _infer_year(month, day, weekday, reference)
        found = _safe_date(_year(year_text), month, day)
    elif groups["us_m"]:
        month_name = groups["us_m"].rstrip(".").lower()
        if groups["us_y"] is None and month_name in _RISKY_MONTHS:
            return None
        month, day = _MONTHS[month_name], int(groups["us_d"])
        if groups["us_y"] is None:
            return _infer_year(month, day, weekday, reference)
        found = _safe_date(int(groups["us_y"]), month, day)
    else:
        day, month = _day_month(int(groups["dm_a"]), int(groups["dm_b"]))
        return _infer_year(month, day, weekday, reference)
    if found is None or abs(found.year - reference.year) > MAX_YEARS_FROM_REFERENCE:
        return None
    return found


def _dates(text: str, reference: date) -> list[_Date]:
    found: list[_Date] = []
    for match in _DATE_RE.finditer(text):
        if match.group("dm_a") and _NOT_A_DATE_AFTER_RE.match(text, match.end()):
            continue
        value = _parse_date(match, reference)
        if value is not None:
            found.append(_Date(match.start(), match.end(), value))
    return found


def _keywords(text: str) -> list[_Keyword]:
    found: list[_Keyword] = []
    for match in _KEYWORD_RE.finditer(text):
        if match.group("arrival") is not None:
            sense = _Sense.ARRIVAL
        elif match.group("departure") is not None:
            sense = _Sense.DEPARTURE
        else:
            sense = _Sense.OTHER
        found.append(_Keyword(match.start(), match.end(), sense))
    return found


# -- quoted history ---------------------------------------------------------------------

_QUOTED_LINE_RE = re.compile(r"^[^\S\n]*>")
_ORIGINAL_MESSAGE_RE = re.compile(
    r"^[^\S\n]*-{2,}[^\S\n]*(?:original\s{1,3}message|oorspronkelijk\s{1,3}bericht"
    r"|origineel\s{1,3}bericht|message\s{1,3}d['\u2019]origine|ursprüngliche\s{1,3}nachricht"
    r"|mensaje\s{1,3}original|messaggio\s{1,3}originale|mensagem\s{1,3}original)",
    re.IGNORECASE,
)
_FORWARD_MARKER_RE = re.compile(
    r"^[^\S\n]*(?:-{2,}[^\S\n]*(?:forwarded\s{1,3}message|doorgestuurd\s{1,3}bericht"
    r"|message\s{1,3}transf[ée]r[ée]|weitergeleitete\s{1,3}nachricht|mensaje\s{1,3}reenviado"
    r"|messaggio\s{1,3}inoltrato|mensagem\s{1,3}encaminhada)"
    r"|begin\s{1,3}forwarded\s{1,3}message|d[ée]but\s{1,3}du\s{1,3}message\s{1,3}r[ée]exp[ée]di[ée]"
    r"|begin\s{1,3}doorgestuurd\s{1,3}bericht|anfang\s{1,3}der\s{1,3}weitergeleiteten)",
    re.IGNORECASE,
)
_HEADER_FROM_RE = re.compile(
    r"^[^\S\n]*\*?(?:from|van|de|von|da|fra|från|od)[^\S\n]*:", re.IGNORECASE
)
_HEADER_SENT_RE = re.compile(
    r"^[^\S\n]*\*?(?:sent|verzonden|envoy[ée]|gesendet|enviado|inviato|skickat|sendt|verstuurd)"
    r"[^\S\n]*:",
    re.IGNORECASE,
)
# "Date:" also heads lines of shipping details, so it needs a "Subject:" line to be a header.
_HEADER_DATE_RE = re.compile(r"^[^\S\n]*\*?(?:date|datum|data|fecha)[^\S\n]*:", re.IGNORECASE)
_HEADER_SUBJECT_RE = re.compile(
    r"^[^\S\n]*\*?(?:subject|onderwerp|objet|betreff|asunto|oggetto|assunto|[äa]mne|emne)"
    r"[^\S\n]*:",
    re.IGNORECASE,
)
_ATTRIBUTION_END_RE = re.compile(
    r"(?<![^\W_])(?:wrote|a\s{1,3}[ée]crit|escribi[óo]|ha\s{1,3}scritto|escreveu)"
    r"[^\S\n]*(?::[^\S\n]*)?$"
    # Dutch, German and Scandinavian clients put the name after the verb.
    r"|(?<![^\W_])(?:schreef|schrieb|skrev)(?![^\W_])[^\n]{0,200}:[^\S\n]*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START_RE = re.compile(r"^[^\S\n]*(?:on|op|le|am|el|il|em|den)\b", re.IGNORECASE)
_FORWARD_SUBJECT_RE = re.compile(r"^\s*(?:fwd?|fw|tr|wg|doorst|rv|enc|i|vs)\s*:", re.IGNORECASE)
_HEADER_LOOKAHEAD_LINES = 6


def _is_header_block(lines: Sequence[str], index: int) -> bool:
    """True when a ``From:`` line at ``index`` starts a quoted mail's header block.

    That is a ``Sent:`` line below it, or a ``Date:`` line together with a ``Subject:`` line.
    """
    if not _HEADER_FROM_RE.match(lines[index]):
        return False
    following = lines[index + 1 : index + 1 + _HEADER_LOOKAHEAD_LINES]
    if any(_HEADER_SENT_RE.match(line) for line in following):
        return True
    dated = any(_HEADER_DATE_RE.match(line) for line in following)
    return dated and any(_HEADER_SUBJECT_RE.match(line) for line in following)


def _starts_history(lines: Sequence[str], index: int) -> bool:
    """True when the line at ``index`` opens an earlier message (a reply or forward header)."""
    return bool(
        _is_attribution(lines, index)
        or _ORIGINAL_MESSAGE_RE.match(lines[index])
        or _is_header_block(lines, index)
    )


def _is_attribution(lines: Sequence[str], index: int) -> bool:
    """True for an ``On <date>, <someone> wrote:`` line (wrapped over two lines or not)."""
    line = lines[index]
    if not _ATTRIBUTION_END_RE.search(line):
        return False
    if _ATTRIBUTION_START_RE.match(line):
        return True
    return index > 0 and bool(_ATTRIBUTION_START_RE.match(lines[index - 1]))


def _fresh_text(text: str, *, forwarded: bool) -> str:
    """The text without quoted history; skipped lines become empty so lines keep their places.

    In a forward the first header block opens the forwarded message, which is kept.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    passes_left = 1 if forwarded else 0
    header_until = -1  # the forwarded message's own header block is not a new history
    for index, line in enumerate(lines):
        if _FORWARD_MARKER_RE.match(line):
            header_until = index + _HEADER_LOOKAHEAD_LINES
            kept.append("")
            continue
        if index > header_until and _starts_history(lines, index):
            if passes_left == 0:
                if _is_attribution(lines, index) and not _ATTRIBUTION_START_RE.match(line):
                    kept[-1:] = [""]  # the attribution's first half, wrapped onto the line above
                break
            passes_left -= 1
            header_until = index + _HEADER_LOOKAHEAD_LINES
        if _QUOTED_LINE_RE.match(line):
            kept.append("")
            continue
        kept.append(line)
    return "\n".join(kept)


# -- association ------------------------------------------------------------------------

_LABEL_TAIL_RE = re.compile(r"[\s:.\-\u2013=>#*|()\[\]]*")
_CLAUSE_BREAK_RE = re.compile(r"[,;|•\n]")
# What may stand between the keywords of one header ("ETD/ETA", "ETD  ETA", "ETD and ETA").
_KEYWORD_JOIN_RE = re.compile(
    r"[^\S\n]*(?:(?:[/&+|,\u2013-]|and|en|et|und|y|e)[^\S\n]*)?", re.IGNORECASE
)
_LINES_ABOVE = 3
# Mail clients hard-wrap plain text near 72 characters; shorter lines end on purpose.
_MIN_WRAPPED_LINE_CHARS = 50
_LINE_STOPS = frozenset(":;|•")
_LABEL_START_RE = re.compile(r"[^\S\n]*[^\W\d_][^\n:]{0,30}:")
_NON_SPACE_RE = re.compile(r"\S")
_COLON_RE = re.compile(r"[^\S\n]*[:=]")
_ARROW_GAP_RE = re.compile(r"[^\S\n]*(?:\u2192|->|=>|>>?|\u00bb)[^\S\n]*")
_FROM_END_RE = re.compile(r"(?<![^\W_])(?:from|van|de|du|von|vom|del|da|dal)[^\S\n]*$", re.I)
_TO_GAP_RE = re.compile(
    r"[^\S\n]*(?:to|naar|tot|op|\u00e0|au|auf|zu|a|al|para|at\u00e9)[^\S\n]*", re.I
)
_CHANGE_WORD_RE = re.compile(
    r"(?<![^\W_])(?:changed|moved|postponed|delayed|rescheduled|updated|revised|now|new"
    r"|gewijzigd|verschoven|verplaatst|uitgesteld|vertraagd|nu|nieuwe?"
    r"|report[\u00e9e]e?|d[\u00e9e]cal[\u00e9e]e?|repouss[\u00e9e]e?|retard[\u00e9e]e?"
    r"|modifi[\u00e9e]e?|nouvelle|verschoben|ge\u00e4ndert|jetzt|nun|neue?"
    r"|cambiad[ao]|pospuest[ao]|retrasad[ao]|aplazad[ao]|nueva"
    r"|posticipat[ao]|spostat[ao]|rinviat[ao]|nuova|adiad[ao]|alterad[ao]|nova)(?![^\W_])",
    re.IGNORECASE,
)
_KEYWORD_BEFORE, _LABEL_ABOVE, _KEYWORD_AFTER = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _Candidate:
    rank: tuple[int, int, int]
    date: _Date
    keyword: _Keyword


class _Text:
    """One text with its keywords, dates and lines, indexed for the association rules."""

    def __init__(self, text: str, reference: date) -> None:
        self.text = text
        self.keywords = _keywords(text)
        wanted = any(k.sense is _Sense.ARRIVAL for k in self.keywords)
        self.dates = _dates(text, reference) if wanted else []
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self._keyword_starts = [k.start for k in self.keywords]
        self._keyword_ends = [k.end for k in self.keywords]
        self._date_starts = [d.start for d in self.dates]
        self._group_first = self._keyword_groups()
        self._labels: dict[int, int | None] = {}

    def _keyword_groups(self) -> list[int]:
        """For each keyword, the index of the first keyword of the header group it ends."""
        first: list[int] = []
        for index, keyword in enumerate(self.keywords):
            joined = index > 0 and bool(
                _KEYWORD_JOIN_RE.fullmatch(self.text, self.keywords[index - 1].end, keyword.start)
            )
            first.append(first[index - 1] if joined else index)
        return first

    def line(self, position: int) -> int:
        """The index of the line holding ``position``."""
        return bisect.bisect_right(self.line_starts, position) - 1

    def line_end(self, line: int) -> int:
        """The offset just past the last character of ``line`` (its newline excluded)."""
        if line + 1 < len(self.line_starts):
            return self.line_starts[line + 1] - 1
        return len(self.text)

    def dates_between(self, start: int, end: int) -> int:
        """How many dates start in [start, end)."""
        return bisect.bisect_left(self._date_starts, end) - bisect.bisect_left(
            self._date_starts, start
        )

    def keyword_before(self, item: _Date) -> int | None:
        """The index of the nearest keyword ending before ``item`` and close to it on its line."""
        index = bisect.bisect_right(self._keyword_ends, item.start) - 1
        if index < 0:
            return None
        keyword = self.keywords[index]
        if item.start - keyword.end > MAX_GAP_AFTER_CHARS:
            return None
        keyword_line, item_line = self.line(keyword.start), self.line(item.start)
        if keyword_line == item_line:
            return index
        return index if item_line == keyword_line + 1 and self.wrapped(keyword_line) else None

    def wrapped(self, line: int) -> bool:
        """True when ``line`` reads as a paragraph line hard-wrapped into the next one."""
        start, end = self.line_starts[line], self.line_end(line)
        if end - start < _MIN_WRAPPED_LINE_CHARS:
            return False
        if self.text[max(start, end - 16) : end].rstrip()[-1:] in _LINE_STOPS:
            return False
        next_end = self.line_end(line + 1)
        return not _LABEL_START_RE.match(self.text, end + 1, next_end)

    def keyword_after(self, item: _Date) -> int | None:
        """The index of the nearest keyword starting close after ``item`` in the same clause."""
        index = bisect.bisect_left(self._keyword_starts, item.end)
        if index >= len(self.keywords):
            return None
        keyword = self.keywords[index]
        if keyword.start - item.end > MAX_GAP_BEFORE_CHARS:
            return None
        if _CLAUSE_BREAK_RE.search(self.text, item.end, keyword.start):
            return None
        if self.introduces_date(keyword):
            return None
        return index

    def introduces_date(self, keyword: _Keyword) -> bool:
        """True when ``keyword`` is a label ("ETA:") or has a date of its own right after it."""
        if _COLON_RE.match(self.text, keyword.end):
            return True
        index = bisect.bisect_left(self._date_starts, keyword.end)
        if index >= len(self.dates):
            return False
        following = self.dates[index]
        return following.start - keyword.end <= MAX_GAP_AFTER_CHARS and not (
            _CLAUSE_BREAK_RE.search(self.text, keyword.end, following.start)
        )

    def superseded(self, position: int) -> bool:
        """True when the date at ``position`` in ``dates`` is replaced by the next one.

        "ETA 15/05 → 17/05", "ETA changed from 15/05 to 17/05", "15/05, now 17/05".
        """
        if position + 1 >= len(self.dates):
            return False
        item, following = self.dates[position], self.dates[position + 1]
        if (
            following.start - item.end > MAX_GAP_BEFORE_CHARS
            or "\n" in self.text[item.end : following.start]
        ):
            return False
        first = bisect.bisect_left(self._keyword_starts, item.end)
        if first < len(self.keywords) and self.keywords[first].start < following.start:
            return False  # "ETA 17/05, new ETD 10/05": the next date is another thing
        gap = self.text[item.end : following.start]
        if _ARROW_GAP_RE.fullmatch(gap) or _CHANGE_WORD_RE.search(gap):
            return True
        line_start = self.text.rfind("\n", 0, item.start) + 1
        before = self.text[max(line_start, item.start - MAX_GAP_AFTER_CHARS) : item.start]
        # "changed from 15/05 to 17/05"; without the change word it is a window, kept whole.
        return bool(
            _FROM_END_RE.search(before)
            and _CHANGE_WORD_RE.search(before)
            and _TO_GAP_RE.fullmatch(gap)
        )

    def label_above(self, item: _Date) -> int | None:
        """The index of a keyword standing as a label at the end of the nearest line above."""
        line = self.line(item.start)
        if line not in self._labels:
            self._labels[line] = self._find_label_above(line)
        return self._labels[line]

    def _find_label_above(self, line: int) -> int | None:
        for above in range(line - 1, max(-1, line - 1 - _LINES_ABOVE), -1):
            start, end = self.line_starts[above], self.line_end(above)
            if not _NON_SPACE_RE.search(self.text, start, end):
                continue
            index = bisect.bisect_right(self._keyword_ends, end) - 1
            if index < 0 or self.keywords[index].start < start:
                return None
            tail_ok = _LABEL_TAIL_RE.fullmatch(self.text, self.keywords[index].end, end)
            return index if tail_ok else None
        return None

    def next_keyword_start(self, position: int) -> int:
        """Where the first keyword at or after ``position`` starts (the text's end if none)."""
        index = bisect.bisect_left(self._keyword_starts, position)
        return self.keywords[index].start if index < len(self.keywords) else len(self.text)

    def in_column(
        self, last: int, item: _Date, *, row_start: int, row_end: int, align_right: bool
    ) -> int | None:
        """The keyword of ``last``'s header group that heads ``item``'s place in its row.

        A single keyword (or a group of one sense, such as a label written in two languages)
        heads every date. A group of m keywords of mixed senses ("ETD/ETA") pairs with m
        dates of the row in order (the first m, or the last m under a table header) and is
        ambiguous when the row has fewer dates.
        """
        first = self._group_first[last]
        size = last - first + 1
        # "Arrival date / Aankomstdatum": one label in two languages, not two columns.
        if len({k.sense for k in self.keywords[first : last + 1]}) == 1:
            return last
        count = self.dates_between(row_start, row_end)
        if count < size:
            return None
        column = self.dates_between(row_start, item.start)
        if align_right:
            column -= count - size
        return first + column if 0 <= column < size else None


def _candidate(text: _Text, item: _Date) -> _Candidate | None:
    """The arrival reading of one date, ranked, when the keyword it belongs to is an arrival one."""
    before = text.keyword_before(item)
    after = text.keyword_after(item)
    if before is not None and after is not None:
        gap_before = item.start - text.keywords[before].end
        gap_after = text.keywords[after].start - item.end
        # "Sent: 16/05 ETA …": a keyword written as a label owns the date after it.
        labelled = _COLON_RE.match(text.text, text.keywords[before].end)
        if gap_after < gap_before and not labelled:
            before = None
    if before is not None:
        row_start = text.keywords[before].end
        row_end = min(text.line_end(text.line(item.start)), text.next_keyword_start(row_start))
        index = text.in_column(
            before, item, row_start=row_start, row_end=row_end, align_right=False
        )
        return _ranked(text, item, index, _KEYWORD_BEFORE, item.start - row_start)
    if after is not None:
        return _ranked(text, item, after, _KEYWORD_AFTER, text.keywords[after].start - item.end)
    label = text.label_above(item)
    if label is None:
        return None
    line = text.line(item.start)
    row_start, row_end = text.line_starts[line], text.line_end(line)
    if item.start - row_start > MAX_GAP_AFTER_CHARS:
        return None
    index = text.in_column(label, item, row_start=row_start, row_end=row_end, align_right=True)
    return _ranked(text, item, index, _LABEL_ABOVE, item.start - row_start)


def _ranked(
    text: _Text, item: _Date, index: int | None, relation: int, gap: int
) -> _Candidate | None:
    if index is None or text.keywords[index].sense is not _Sense.ARRIVAL:
        return None
    return _Candidate((relation, gap, item.start), item, text.keywords[index])


_WHITESPACE_RE = re.compile(r"\s+")


def _collapse(text: str) -> str:
    return _WHITESPACE_RE.sub(" ", text).strip()


def _evidence(text: str, candidate: _Candidate) -> str:
    """The keyword and the date with a little context, on one line, at most ~80 characters."""
    item, keyword = candidate.date, candidate.keyword
    low, high = min(item.start, keyword.start), max(item.end, keyword.end)
    core = _collapse(text[low:high])
    if len(core) > MAX_EVIDENCE_CHARS:
        words = _collapse(text[keyword.start : keyword.end])
        return f"{words} … {_collapse(text[item.start : item.end])}"[:MAX_EVIDENCE_CHARS]
    line_start = text.rfind("\n", 0, low) + 1
    line_end = text.find("\n", high)
    line_end = len(text) if line_end < 0 else line_end
    room = (MAX_EVIDENCE_CHARS - len(core)) // 2
    while True:
        start, end = max(line_start, low - room), min(line_end, high + room)
        # Whole words only: a context word cut in half reads as a different word.
        while start < low and not text[start - 1 : start].isspace() and start > line_start:
            start += 1
        while end > high and end < line_end and not text[end : end + 1].isspace():
            end -= 1
        snippet = _collapse(text[start:end])
        if len(snippet) <= MAX_EVIDENCE_CHARS or room == 0:
            return snippet
        room //= 2


def _best_in(text: str, reference: date) -> tuple[date, str] | None:
    """The best-placed arrival date of one text and its evidence, or None."""
    analysed = _Text(text, reference)
    best: _Candidate | None = None
    for position, item in enumerate(analysed.dates):
        if analysed.superseded(position):
            continue
        candidate = _candidate(analysed, item)
        if candidate is not None and (best is None or candidate.rank < best.rank):
            best = candidate
    if best is None:
        return None
    return best.date.value, _evidence(text, best)


def find_eta(subject: str, parts: Sequence[TextPart], *, reference: date) -> EtaFinding | None:
    """The expected arrival date written in the subject or the mail's texts, or None."""
    subject = subject[:MAX_TEXT_CHARS]
    found = _best_in(subject, reference)
    if found is not None:
        return EtaFinding(eta=found[0], where="subject", evidence=found[1])
    forwarded = bool(_FORWARD_SUBJECT_RE.match(subject))
    for part in parts:
        text = _fresh_text(part.text[:MAX_TEXT_CHARS], forwarded=forwarded)
        found = _best_in(text, reference)
        if found is not None:
            return EtaFinding(eta=found[0], where=part.where, evidence=found[1])
    return None
