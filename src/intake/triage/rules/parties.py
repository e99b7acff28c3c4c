"""Who may use a COI: only importers and (first) consignees established in the EU.

The desk does not accept consignments for Swiss (or Liechtenstein) importers or consignees.
Two signs are read: a sender address under a Swiss or Liechtenstein domain, and an
importer or consignee block ("Consignee:", "Empfänger:", "vak 24") whose address is in
Switzerland or Liechtenstein. The address is the first country named after the label;
a Swiss exporter, shipper or control body does not count, because its own label (or
another country) comes first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from intake.text import fold as _fold

MAX_TEXT_CHARS = 64 * 1024
MAX_TOTAL_CHARS = 2 * 1024 * 1024
BLOCK_CHARS = 200
_MAX_LABELS_PER_TEXT = 200
_QUOTE_CHARS = 100

_SWISS_DOMAINS = {"ch": "Swiss", "swiss": "Swiss", "li": "in Liechtenstein"}

# Labels, case- and accent-folded. A party label opens the block to check; any other
# label (or another country) closes it.
_PARTY_LABELS = (
    "importer",
    "importers",
    "importeur",
    "importeurs",
    "importateur",
    "importador",
    "importatore",
    "consignee",
    "first consignee",
    "geadresseerde",
    "eerste geadresseerde",
    "ontvanger",
    "eerste ontvanger",
    "destinataire",
    "premier destinataire",
    "empfanger",
    "empfaenger",
    "erster empfanger",
    "consignatario",
    "destinatario",
    "ship to",
    "deliver to",
    "delivery address",
    "leveringsadres",
    "afleveradres",
    "lieferadresse",
    "adresse de livraison",
)
_OTHER_LABELS = (
    "exporter",
    "exporteur",
    "exportateur",
    "exportador",
    "esportatore",
    "shipper",
    "consignor",
    "afzender",
    "verzender",
    "expediteur",
    "absender",
    "versender",
    "remitente",
    "mittente",
    "seller",
    "verkoper",
    "vendeur",
    "verkaufer",
    "supplier",
    "leverancier",
    "fournisseur",
    "lieferant",
    "producer",
    "producent",
    "manufacturer",
    "control body",
    "control authority",
    "controleorgaan",
    "controle orgaan",
    "organisme de controle",
    "kontrollstelle",
    "kontrollbehorde",
    "organismo de control",
    "organismo di controllo",
    "certification body",
    "notify party",
)
_BOX_LABEL = r"(?:box|vak|case|feld|casilla|casella)[\s.]{0,2}(?P<box>\d{1,2})(?!\d)"
_PARTY_BOXES = frozenset({"12", "24"})
# A word is a label when it reads like one: followed by ":" (or "=", a dash, a line end),
# by a parenthesised note and one of those, or by "is".
_LABEL_END = r"[ \t]*(?:\([^()\n]{0,60}\)[ \t]*)?(?::|=|-\s|\u2013|\r?\n|\s(?:is|est|ist|es)\s)"


def _comma_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(","))


def _alternation(words: Sequence[str]) -> str:
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(re.escape(w).replace(r"\ ", r"[\s\-]+") for w in ordered)


_LABEL = re.compile(
    rf"(?<![^\W_])(?:(?P<party>{_alternation(_PARTY_LABELS)})|"
    rf"(?P<other>{_alternation(_OTHER_LABELS)})){_LABEL_END}"
    rf"|(?<![^\W_]){_BOX_LABEL}"
)

_SWISS_NAMES = (
    "switzerland",
    "schweiz",
    "suisse",
    "svizzera",
    "svizra",
    "zwitserland",
    "suiza",
    "suica",
    "confoederatio helvetica",
)
# Other countries an EU importer's address may name; the first country after a label
# decides, so these end the block just as a Swiss name would decide it.
_OTHER_COUNTRIES = _comma_list(
    "belgium, belgie, belgien, belgique, belgica, belgio, "
    "netherlands, nederland, holland, pays-bas, niederlande, paises bajos, paesi bassi, "
    "paises baixos, germany, deutschland, duitsland, allemagne, alemania, germania, alemanha, "
    "france, frankrijk, frankreich, francia, franca, luxembourg, luxemburg, lussemburgo, "
    "luxemburgo, italy, italia, italie, italien, spain, spanje, espagne, spanien, espana, "
    "spagna, espanha, portugal, portogallo, austria, oostenrijk, autriche, osterreich, "
    "ireland, ierland, irlande, irland, irlanda, denmark, denemarken, danemark, dinamarca, "
    "danimarca, sweden, zweden, suede, schweden, suecia, svezia, finland, finlande, finnland, "
    "finlandia, poland, polen, pologne, polonia, czech republic, czechia, tsjechie, tchequie, "
    "tschechien, slovakia, slowakije, slovaquie, slowakei, hungary, hongarije, hongrie, "
    "ungarn, slovenia, slovenie, slowenien, croatia, kroatie, croatie, kroatien, romania, "
    "roemenie, roumanie, rumanien, bulgaria, bulgarije, bulgarie, bulgarien, greece, "
    "griekenland, grece, griechenland, cyprus, chypre, zypern, malta, malte, estonia, estland, "
    "estonie, latvia, letland, lettonie, lettland, lithuania, litouwen, lituanie, litauen, "
    "united kingdom, norway, noorwegen, norvege, norwegen"
)
_OTHER_POSTCODE = r"(?:b|be|nl|d|de|f|fr|l|lu|a|at|i|it|e|es|p|pt|dk|s|se|pl|cz)-\d{4,5}"
_COUNTRY = re.compile(
    rf"(?<![^\W_])(?:(?P<swiss>{_alternation(_SWISS_NAMES)}|liechtenstein)"
    rf"|(?P<eu>{_alternation(_OTHER_COUNTRIES)}))(?![^\W_])"
    rf"|(?<![^\W_])(?:(?P<swiss_code>(?P<prefix>ch|fl)[- ]\d{{4}})|{_OTHER_POSTCODE})(?![\d.,])"
)
# "Bio Suisse" is the Swiss organic label, named on goods and documents everywhere.
_NOT_A_PLACE = re.compile(r"bio[\s\-]+\Z")


def find_non_eu_party(*, sender_domain: str, texts: Sequence[tuple[str, str]]) -> str | None:
    """Why the importer or consignee seems Swiss or from Liechtenstein, or None."""
    domain = sender_domain.strip().rstrip(".").lower()
    top = domain.rpartition(".")[2]
    if "." in domain and top in _SWISS_DOMAINS:
        return f"sender domain {domain} is {_SWISS_DOMAINS[top]}"
    budget = MAX_TOTAL_CHARS
    for where, text in texts:
        if budget <= 0:
            break
        bounded = unicodedata.normalize("NFC", text[: min(MAX_TEXT_CHARS, budget)])
        budget -= len(bounded)
        reason = _party_block(where, bounded)
        if reason is not None:
            return reason
    return None


def _party_block(where: str, text: str) -> str | None:
    folded = _fold(text)
    for count, label in enumerate(_LABEL.finditer(folded)):
        if count >= _MAX_LABELS_PER_TEXT:
            return None
        if not _is_party_label(label):
            continue
        country = _first_country(folded, label.end())
        if country is None or not _is_swiss(country):
            continue
        quoted = " ".join(text[label.start() : country.end()].split())
        if len(quoted) > _QUOTE_CHARS:
            quoted = quoted[: _QUOTE_CHARS - 1] + "…"
        name = _label_name(label, text)
        place = "Liechtenstein" if _in_liechtenstein(country) else "Switzerland"
        return f"the {name} block names {place} in the {where}: '{quoted}'"
    return None


def _is_party_label(label: re.Match[str]) -> bool:
    box = label.group("box")
    return box in _PARTY_BOXES if box is not None else label.group("party") is not None


def _first_country(folded: str, start: int) -> re.Match[str] | None:
    """The first country named in the block after ``start``, up to the next label."""
    end = start + BLOCK_CHARS
    next_label = _LABEL.search(folded, start, end)
    if next_label is not None:
        end = next_label.start()
    for country in _COUNTRY.finditer(folded, start, end):
        if country.group("swiss") and _NOT_A_PLACE.search(folded, start, country.start()):
            continue
        return country
    return None


def _is_swiss(country: re.Match[str]) -> bool:
    return bool(country.group("swiss") or country.group("swiss_code"))


def _in_liechtenstein(country: re.Match[str]) -> bool:
    return country.group("swiss") == "liechtenstein" or country.group("prefix") == "fl"


def _label_name(label: re.Match[str], text: str) -> str:
    if label.group("box") is not None:
        return "box " + label.group("box")
    return " ".join(text[label.start("party") : label.end("party")].split()).lower()
