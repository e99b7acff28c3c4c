"""What role an attachment plays for the desk: transport document, invoice, or other.

The desk needs at least one transport document and the invoice with each notification.
An attachment is judged by its file name first, then (for a PDF whose name says
nothing) by the titles on its first pages. Both are matched against one small
multilingual lexicon of document names, on words rather than substrings: text is
folded (lower case, no accents), split on punctuation, on letter/digit boundaries and
(for names) on camelCase, so ``BL12345.pdf``, ``B-L 4711.pdf`` and
``CommercialInvoice.pdf`` are read as words, while ``blue.pdf`` and ``invest.pdf`` are
not. Abbreviations count only as whole words.

Text is judged more strictly than names, because a bill of lading quotes the invoice
number and an invoice quotes the B/L number: only titles count (a line that is the
document's name, not a field of it), the first title of each page decides that
page, and field labels (``Invoice No:``) are used only when no page has a title.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from intake.codes import DocRole, FileType, Flag
from intake.parse.filetype import extension_types
from intake.parse.limits import ParseLimits
from intake.parse.mail import Attachment
from intake.parse.pdftext import PAGE_SEPARATOR, pdf_text


@dataclass(frozen=True, slots=True)
class RoleVerdict:
    """The roles a name or a text shows, whether it is a pro-forma invoice, and why."""

    roles: frozenset[DocRole]
    proforma: bool
    evidence: str


@dataclass(frozen=True, slots=True)
class AttachmentVerdict:
    """What an attachment is to the desk, and what about it a person should know."""

    roles: frozenset[DocRole]
    proforma: bool
    evidence: str
    ignored: bool
    notes: tuple[tuple[Flag, str], ...]


NOT_RECOGNISED = "not recognised"
CONTAINER = "container"
_NOTHING = RoleVerdict(frozenset(), proforma=False, evidence="")

# -- the lexicon ------------------------------------------------------------------------
#
# Entry syntax: words are folded like the input. An entry in capitals is an abbreviation
# (whole word only; in text only as a title of its own or a field label); a "/" spells
# letters ("B/L": only short separators may stand between them); a trailing "*" also
# matches as the start or the head of a compound word ("zeevrachtbrief", "factuurnr").

_TRANSPORT_TERMS = """
BL | B/L | BOL | B/O/L | HBL | MBL | OBL | SWB | AWB | HAWB | MAWB | CMR | CIM | FCR | LTA | DDT
bill of lading | bills of lading | billoflading* | connaissement* | cognossement* | konnossement*
conocimiento de embarque | conocimiento maritimo | polizza di carico | conhecimento de embarque
conhecimento maritimo | conhecimento de transporte | sea waybill | sea way bill | waybill*
air waybill | air way bill | way bill | vrachtbrief* | frachtbrief* | ladeschein*
lettre de transport aerien | lettre de voiture | lettre de voiture ferroviaire | guia aerea
lettera di vettura | lettera di vettura aerea | conhecimento aereo | carta de porte
consignment note | rail consignment note | cargo receipt | forwarders cargo receipt
transport document | transportdocument* | transportdokument* | vervoersdocument*
document de transport | documento de transporte | documento di trasporto
konsimento* | 提单* | 提單* | 运单* | 運單*
"""
_INVOICE_TERMS = """
INV | PINV | SINV | invoice* | factuur* | facture* | factura* | fattura* | fatture | fatura*
rechnung* | 发票* | 發票* | nota fiscal | commercial invoice | tax invoice | facture commerciale
factura comercial | fattura commerciale | fatura comercial
"""
_PROFORMA_TERMS = """
proforma* | pro forma | proforma invoice | pro forma invoice | facture proforma
factura proforma | fattura proforma | fatura proforma | proforma factuur | 形式发票*
"""
_OTHER_TERMS = """
PL | P/L | packing list | packinglist* | packing slip | paklijst* | pakbon* | colisage
liste de colisage | packliste* | lista de empaque | lista de embalaje | lista de embalagem
lista di imballaggio | distinta di imballaggio | romaneio | 装箱单* | 裝箱單*
phyto* | fyto* | fitosanitario* | fitossanitario* | pflanzengesundheitszeugnis* | plant health
certificate of origin | certificat d origine | certificaat van oorsprong | ursprungszeugnis*
certificado de origen | certificato di origine | certificado de origem | eur 1 | form a | COO
analysis | analyse* | analysen* | analisis | analisi | analise | COA | certificate of analysis
lab report | laboratory report | test report | prufbericht* | laborbericht*
health certificate | gezondheidscertificaat* | certificat sanitaire | gesundheitszeugnis*
certificado sanitario | certificato sanitario | veterinary certificate
certificate of inspection | inspection certificate | inspectiecertificaat*
certificat d inspection | kontrollbescheinigung* | certificado de inspeccion
certificato di ispezione
CHED | CHEDP | CHEDPP | CHEDD | CHEDA | GGB | CVED | DVCE
customs declaration | customs | douane* | aduan* | dogana* | zollanmeldung* | zollerklarung*
DUA | DAU
arrival notice | notice of arrival | arrival notification | aankomstbericht* | avis d arrivee
avis arrivee | ankunftsmeldung* | ankunftsanzeige* | aviso de llegada | avviso di arrivo
aviso de chegada
delivery note | delivery order | leverbon* | afleverbon* | bon de livraison | lieferschein*
albaran* | nota de entrega | guia de remessa
booking confirmation | booking* | boekingsbevestiging* | buchungsbestatigung*
confirmation de reservation | confirmacion de reserva | conferma di prenotazione
insurance* | verzekering* | assurance* | versicherung* | seguro* | assicurazione*
fumigation* | fumigatie* | begasung* | fumigacion* | fumigazione* | fumigacao*
"""
# Compounds of a document word that are not that document.
_NOT_COMPOUNDS = frozenset({"berechnung", "berechnungen", "verrechnung", "verrechnungen"})
_ADDRESS_HEADS = ("adres", "adresse", "address", "anschrift")


@dataclass(frozen=True, slots=True)
class _Term:
    words: tuple[str, ...]
    role: DocRole
    proforma: bool
    abbreviation: bool
    compound: bool
    spelled: bool


class _Token(NamedTuple):
    text: str  # folded, lower case
    start: int  # span in the original string
    end: int


@dataclass(frozen=True, slots=True)
class _Hit:
    term: _Term
    first: int  # token indices, end exclusive
    last: int
    quote: str


def _fold(text: str) -> tuple[str, list[int]]:
    """``text`` without accents (ß → ss), with each folded character's index in ``text``."""
    chars: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            folded = char
        elif char == "ß":
            folded = "ss"
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            folded = "".join(part for part in decomposed if not unicodedata.combining(part))
        chars.append(folded)
        where.extend([index] * len(folded))
    return "".join(chars), where


_RUN = re.compile(r"[^\W\d_]+|\d+")


def _tokens(text: str, *, camel: bool) -> list[_Token]:
    """Words of ``text``: split on non-alphanumerics, letter/digit and (optionally) camelCase."""
    folded, where = _fold(text)
    tokens: list[_Token] = []
    for run in _RUN.finditer(folded):
        pieces = _camel_pieces(run.group()) if camel else [(0, len(run.group()))]
        for start, end in pieces:
            first, last = run.start() + start, run.start() + end
            tokens.append(_Token(folded[first:last].lower(), where[first], where[last - 1] + 1))
    return tokens


def _camel_pieces(run: str) -> list[tuple[int, int]]:
    """Spans of the camelCase words of a letter run: ``BLNumber`` → ``BL`` ``Number``."""
    cuts = [0]
    for i in range(1, len(run)):
        before, char = run[i - 1], run[i]
        upper_after_lower = before.islower() and char.isupper()
        acronym_end = before.isupper() and char.isupper() and run[i + 1 : i + 2].islower()
        if upper_after_lower or acronym_end:
            cuts.append(i)
    cuts.append(len(run))
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _parse_terms(spec: str, role: DocRole, *, proforma: bool = False) -> list[_Term]:
    terms: list[_Term] = []
    for raw in spec.replace("\n", "|").split("|"):
        entry = raw.strip()
        if not entry:
            continue
        compound = entry.endswith("*")
        words = tuple(token.text for token in _tokens(entry.rstrip("*"), camel=False))
        spelled = "/" in entry
        abbreviation = entry.isupper() and not spelled
        terms.append(_Term(words, role, proforma, abbreviation, compound, spelled))
    return terms


# Pro-forma first: "proformainvoice" is a compound of both, and pro-forma is what it says.
_TERMS: tuple[_Term, ...] = (
    *_parse_terms(_PROFORMA_TERMS, DocRole.INVOICE, proforma=True),
    *_parse_terms(_TRANSPORT_TERMS, DocRole.TRANSPORT),
    *_parse_terms(_INVOICE_TERMS, DocRole.INVOICE),
    *_parse_terms(_OTHER_TERMS, DocRole.OTHER),
)
_BY_FIRST_WORD: dict[str, list[_Term]] = {}
for _term in sorted(_TERMS, key=lambda term: -len(term.words)):
    _BY_FIRST_WORD.setdefault(_term.words[0], []).append(_term)
_COMPOUNDS: tuple[_Term, ...] = tuple(t for t in _TERMS if t.compound and len(t.words) == 1)
_STEMS: tuple[str, ...] = tuple(term.words[0] for term in _COMPOUNDS)
_SPELLING_GAP = re.compile(r" ?[/\\._-]? ?")

# -- finding terms in a sequence of words -----------------------------------------------


def _find_terms(source: str, tokens: Sequence[_Token]) -> list[_Hit]:
    """Every lexicon term in ``tokens``, left to right, the longest at each position."""
    hits: list[_Hit] = []
    index = 0
    while index < len(tokens):
        term = _term_at(source, tokens, index)
        if term is None:
            index += 1
            continue
        last = index + len(term.words)
        quote = source[tokens[index].start : tokens[last - 1].end]
        hits.append(_Hit(term, index, last, quote))
        index = last
    return hits


def _term_at(source: str, tokens: Sequence[_Token], index: int) -> _Term | None:
    word = tokens[index].text
    for term in _BY_FIRST_WORD.get(word, ()):
        end = index + len(term.words)
        window = tokens[index:end]
        if tuple(token.text for token in window) != term.words:
            continue
        if term.spelled and not _spelled_together(source, window):
            continue
        return term
    return _compound_at(word)


def _spelled_together(source: str, window: Sequence[_Token]) -> bool:
    """``B/L``, ``B-L``, ``B.L.`` or ``B L``, but not ``B&L`` or ``B. and L``."""
    for before, after in itertools.pairwise(window):
        gap = source[before.end : after.start]
        if not gap or _SPELLING_GAP.fullmatch(gap) is None:
            return False
    return True


def _compound_at(word: str) -> _Term | None:
    if not (word.startswith(_STEMS) or word.endswith(_STEMS)):
        return None
    if word in _NOT_COMPOUNDS or word.endswith(_ADDRESS_HEADS):
        return None
    for term in _COMPOUNDS:
        stem = term.words[0]
        if len(word) > len(stem) and (word.startswith(stem) or word.endswith(stem)):
            return term
    return None


def _proforma_pi(tokens: Sequence[_Token], hits: Sequence[_Hit]) -> list[_Hit]:
    """``PI`` means pro-forma invoice only within two words (numbers aside) of an invoice word."""
    words = [i for i, token in enumerate(tokens) if not token.text.isdigit()]
    rank = {index: position for position, index in enumerate(words)}
    invoice_at = [rank.get(hit.first, -9) for hit in hits if hit.term.role is DocRole.INVOICE]
    return [
        _Hit(_PI_TERM, index, index + 1, "PI")
        for index in words
        if tokens[index].text == "pi" and any(abs(rank[index] - at) <= 2 for at in invoice_at)
    ]


_PI_TERM = _Term(("pi",), DocRole.INVOICE, True, True, False, False)
_COI_TERM = _Term(("coi",), DocRole.OTHER, False, True, False, False)


def _coi_print(source: str, tokens: Sequence[_Token]) -> list[_Hit]:
    """``COI`` followed by its reference (``COI.CN.2023.0001234``) names the COI itself."""
    found: list[_Hit] = []
    for index, token in enumerate(tokens[:-1]):
        following = tokens[index + 1].text
        if token.text == "coi" and (following.isdigit() or len(following) == 2):
            quote = source[token.start : tokens[index + 1].end]
            found.append(_Hit(_COI_TERM, index, index + 2, quote))
    return found


# -- names ------------------------------------------------------------------------------

_MAX_NAME_CHARS = 512
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{0,4}[A-Za-z][A-Za-z0-9]{0,4}\s*$")


def classify_name(filename: str) -> RoleVerdict:
    """The roles a file name shows, with the words that show them."""
    name = _EXTENSION.sub("", filename[-_MAX_NAME_CHARS:])
    hits = _name_hits(name, camel=False)
    # camelCase words ("CommercialInvoice") only add what the plain words did not show.
    shown = {(hit.term.role, hit.term.proforma) for hit in hits}
    hits += [h for h in _name_hits(name, camel=True) if (h.term.role, h.term.proforma) not in shown]
    return _verdict(hits, "file name")


def _name_hits(name: str, *, camel: bool) -> list[_Hit]:
    tokens = _tokens(name, camel=camel)
    found = _find_terms(name, tokens)
    return found + _proforma_pi(tokens, found) + _coi_print(name, tokens)


def _verdict(hits: Iterable[_Hit], source: str) -> RoleVerdict:
    hits = list(hits)
    roles = {hit.term.role for hit in hits}
    if roles - {DocRole.OTHER}:
        roles.discard(DocRole.OTHER)  # a required document that also lists its packing
    kept = [hit for hit in hits if hit.term.role in roles]
    if not kept:
        return _NOTHING
    quotes = list(dict.fromkeys(_squash(hit.quote) for hit in kept))[:3]
    evidence = f"{source} says " + " and ".join(f'"{quote}"' for quote in quotes)
    proforma = any(hit.term.proforma for hit in kept)
    return RoleVerdict(frozenset(roles), proforma=proforma, evidence=evidence)


def _squash(quote: str) -> str:
    return " ".join(quote.split())[:60]


# -- texts ------------------------------------------------------------------------------

_MAX_TEXT_CHARS = 256 * 1024
_MAX_PAGES = 20
_HEAD_CHARS = 4000  # titles stand near the top of a page
_HEAD_LINES = 80
_MAX_LINE_CHARS = 300
_MAX_TITLE_WORDS = 12
_MAX_SHOUTED_TITLE_WORDS = 24
_MAX_TITLE_EXTRA_WORDS = 3


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NUMBER_WORDS = _word_set(
    "no nr nro n number nummer numero num ref reference referentie referenz id"
)
_FIELD_WORDS = _word_set(
    """address adres adresse anschrift direccion indirizzo endereco date datum fecha data
    amount bedrag betrag montant importe importo valor value waarde wert valeur total totaal
    gesamt to aan an currency valuta terms conditions voorwaarden bedingungen details party
    holder issued"""
)
_NOT_TITLE_OPENINGS = _word_set("the a an this that een het deze dit le la les ce cette el la este")
# Words that may stand beside a document's name in its title without making it a sentence.
_DECORATION = _word_set(
    """original copy copie kopie copia draft concept entwurf borrador bozza rascunho non not
    negotiable nonnegotiable negociable duplicate duplicata triplicate page pagina seite of
    van von de di do da del the a an house master ocean sea air combined multimodal through
    port to electronic express final tax vat btw mwst commercial commerciale comercial
    international internationaler internationale internacional internazionale e
    handels"""
)


class _Line(NamedTuple):
    text: str
    tokens: list[_Token]
    hits: list[_Hit]


def classify_text(text: str, *, source: str = "text") -> RoleVerdict:
    """The roles a document's text shows by its titles (or, lacking titles, field labels)."""
    pages = text[:_MAX_TEXT_CHARS].split(PAGE_SEPARATOR)[:_MAX_PAGES]
    titles: list[_Hit] = []
    first_label: _Hit | None = None
    for page in pages:
        for line in _head_lines(page):
            title = _title_hits(line)
            if title:
                titles += title
                break
            if first_label is None:
                first_label = _label_hit(line)
    if titles:
        return _verdict(titles, source)
    return _verdict([first_label] if first_label else [], source)


def _head_lines(page: str) -> Iterable[_Line]:
    for raw in page[:_HEAD_CHARS].splitlines()[:_HEAD_LINES]:
        line = raw[:_MAX_LINE_CHARS]
        tokens = _tokens(line, camel=False)
        hits = _find_terms(line, tokens)
        if hits:
            yield _Line(line, tokens, hits)


def _title_hits(line: _Line) -> list[_Hit]:
    """The hits of a line that is a title: the document's name, perhaps decorated."""
    first = line.hits[0]
    before = line.tokens[: first.first]
    if ":" in line.text[: line.tokens[first.first].start] or _followed_by_field(line, first):
        return []
    # "15. Transport document" is a numbered box of a form; "The invoice ..." a sentence.
    if before and (before[0].text.isdigit() or before[0].text in _NOT_TITLE_OPENINGS):
        return []
    if not all(_is_decoration(token) for token in before):
        return []
    extra = _extra_words(line)
    if first.term.abbreviation and extra:
        return []
    if all(not char.islower() for char in line.text):
        fits = len(line.tokens) <= _MAX_SHOUTED_TITLE_WORDS
    else:
        capitalised = first.quote[:1].isupper()
        fits = capitalised and len(line.tokens) <= _MAX_TITLE_WORDS
        fits = fits and extra <= _MAX_TITLE_EXTRA_WORDS
    return [hit for hit in line.hits if not _followed_by_field(line, hit)] if fits else []


def _label_hit(line: _Line) -> _Hit | None:
    """A field label near the start of the line: ``B/L No.``, ``Rechnung Nr``, ``FACTURE N°``."""
    for hit in line.hits:
        if hit.first <= 1 and _followed_by_number(line, hit):
            return hit
    return None


def _is_decoration(token: _Token) -> bool:
    return token.text in _DECORATION or token.text.isdigit() or len(token.text) == 1


def _extra_words(line: _Line) -> int:
    covered = {i for hit in line.hits for i in range(hit.first, hit.last)}
    return sum(
        1 for i, token in enumerate(line.tokens) if i not in covered and not _is_decoration(token)
    )


def _followed_by_number(line: _Line, hit: _Hit) -> bool:
    after = line.text[line.tokens[hit.last - 1].end :].lstrip()
    if after.startswith((":", "#")):
        return True
    if hit.last >= len(line.tokens):
        return False
    following = line.tokens[hit.last].text
    return following in _NUMBER_WORDS or (hit.term.abbreviation and following.isdigit())


def _followed_by_field(line: _Line, hit: _Hit) -> bool:
    if _followed_by_number(line, hit):
        return True
    return hit.last < len(line.tokens) and line.tokens[hit.last].text in _FIELD_WORDS


# -- attachments ------------------------------------------------------------------------

_CONTAINERS = frozenset({FileType.MESSAGE, FileType.ZIP, FileType.TNEF})
_IMAGES = frozenset(
    {
        FileType.PNG,
        FileType.JPEG,
        FileType.GIF,
        FileType.BMP,
        FileType.WEBP,
        FileType.TIFF,
        FileType.HEIC,
    }
)
_SMALL_IMAGE_BYTES = 16 * 1024
_GENERIC_IMAGE_STEMS = (
    "image",
    "img",
    "outlook",
    "logo",
    "banner",
    "signature",
    "handtekening",
    "unterschrift",
    "firma",
    "icon",
    "pic",
    "photo",
    "unnamed",
    "att0",
    "~wrd",
    "facebook",
    "linkedin",
    "twitter",
    "instagram",
    "youtube",
)
_DESCRIPTIONS: dict[FileType, str] = {
    FileType.PDF: "a PDF",
    FileType.ZIP: "a zip archive",
    FileType.DOCX: "a Word document",
    FileType.XLSX: "an Excel workbook",
    FileType.PPTX: "a PowerPoint file",
    FileType.ODF: "an OpenDocument file",
    FileType.OLE2: "a legacy Office or Outlook file",
    FileType.RTF: "an RTF document",
    FileType.TNEF: "an Outlook winmail.dat",
    FileType.HTML: "an HTML page",
    FileType.XML: "an XML file",
    FileType.MESSAGE: "an e-mail",
    FileType.TEXT: "plain text",
    FileType.EMPTY: "empty",
    FileType.UNKNOWN: "of no known type",
    FileType.SEVEN_ZIP: "a 7z archive",
    FileType.GZIP: "a gzip file",
    FileType.RAR: "a RAR archive",
}


_PDF_TAIL_BYTES = 2048


def classify_attachment(att: Attachment, limits: ParseLimits) -> AttachmentVerdict:
    """What an attachment is to the desk: by name, else by a PDF's first pages."""
    if att.detected_type in _CONTAINERS:
        container_notes = _type_notes(att)
        return AttachmentVerdict(
            frozenset(), False, CONTAINER, ignored=False, notes=container_notes
        )
    named = classify_name(att.filename)
    if not named.roles and _is_decorative_image(att):
        return AttachmentVerdict(frozenset(), False, "inline or logo image", ignored=True, notes=())
    notes = list(_type_notes(att))
    verdict = named
    if att.detected_type is FileType.PDF and (not named.roles or _looks_locked_or_cut(att.payload)):
        read, pdf_notes = _read_pdf(att, limits, need_text=not named.roles)
        notes += pdf_notes
        verdict = named if named.roles else read
    if not verdict.roles:
        verdict = RoleVerdict(frozenset({DocRole.OTHER}), proforma=False, evidence=NOT_RECOGNISED)
    if verdict.proforma:
        notes.append(
            (Flag.PROFORMA_INVOICE, f"'{att.location}' is a pro-forma invoice: {verdict.evidence}.")
        )
    return AttachmentVerdict(
        verdict.roles, verdict.proforma, verdict.evidence, ignored=False, notes=tuple(notes)
    )


def _looks_locked_or_cut(pdf: bytes) -> bool:
    """Whether a PDF whose name already says what it is must still be opened.

    Opening costs about a millisecond; two byte searches tell the files worth it: an
    ``/Encrypt`` dictionary, or no ``%%EOF`` marker near the end (a truncated file).
    """
    return b"/Encrypt" in pdf or b"%%EOF" not in pdf[-_PDF_TAIL_BYTES:]


def _is_decorative_image(att: Attachment) -> bool:
    """Logos and signature pictures: inline images, or small ones with a generic name."""
    if att.detected_type not in _IMAGES:
        return False
    if att.inline or att.content_id:
        return True
    stem = att.filename.rpartition("/")[2].strip().lower()
    generic = not stem or stem.startswith(_GENERIC_IMAGE_STEMS)
    return generic and att.size_bytes < _SMALL_IMAGE_BYTES


def _type_notes(att: Attachment) -> tuple[tuple[Flag, str], ...]:
    """An encrypted, empty or misnamed file: the name promises what the bytes are not."""
    if att.encrypted:
        return ((Flag.ENCRYPTED_ATTACHMENT, f"'{att.location}' is encrypted and cannot be read."),)
    if att.detected_type is FileType.EMPTY:
        return ((Flag.UNREADABLE_ATTACHMENT, f"'{att.location}' is an empty file."),)
    promised = extension_types(att.filename)
    if not promised or att.detected_type in promised:
        return ()
    extension = att.filename.rpartition(".")[2].strip().lower()
    actual = _describe(att.detected_type)
    reason = f"'{att.location}' is named .{extension}, but its content is {actual}."
    return ((Flag.ATTACHMENT_TYPE_MISMATCH, reason),)


def _describe(kind: FileType) -> str:
    return _DESCRIPTIONS.get(kind, f"a {kind.value.upper()} image")


def _read_pdf(
    att: Attachment, limits: ParseLimits, *, need_text: bool
) -> tuple[RoleVerdict, list[tuple[Flag, str]]]:
    """The roles a PDF's first pages show, and whether it could be opened at all."""
    # Opening is enough to tell an encrypted or broken file; pages are read only if needed.
    max_pages = limits.max_pdf_pages if need_text else 0
    read = pdf_text(att.payload, max_pages=max_pages, max_chars=limits.max_pdf_text_chars)
    notes: list[tuple[Flag, str]] = []
    if read.error is not None and read.pages_read == 0:
        if read.encrypted:
            reason = f"'{att.location}' is an encrypted PDF that opens only with a password."
            notes.append((Flag.ENCRYPTED_ATTACHMENT, reason))
        else:
            reason = f"'{att.location}' is a broken PDF that cannot be read ({read.error})."
            notes.append((Flag.UNREADABLE_ATTACHMENT, reason))
    verdict = classify_text(read.text, source="PDF text") if need_text else _NOTHING
    return verdict, notes
