"""What kind of mail a message is: bounce, machine mail, PRFC request, account question, reply.

Each ``*_signal`` function looks for the evidence of one kind and returns it as a
``KindSignal`` whose reason says what was seen where; triage decides which one wins.
The word lists are module data, compiled once. All matching is done on bounded text that
is lower-cased and stripped of accents, and every pattern runs in linear time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from intake.codes import Flag, Kind
from intake.parse.dsn import guess_bounce_from_text
from intake.parse.mail import DeliveryReport, ParsedMail
from intake.text import fold as _fold

_MAX_SUBJECT_CHARS = 1000
_MAX_TOPIC_BODY_CHARS = 3000
_MAX_PREFIXES = 30
_MAX_SHOWN_CHARS = 80
_VERB_WINDOW_WORDS = 6
_TRACES_WINDOW_WORDS = 4


@dataclass(frozen=True, slots=True)
class KindSignal:
    """Evidence that a mail is of one kind, with the sentence that says why."""

    kind: Kind
    reason: str  # one human sentence saying what was seen where
    flags: tuple[Flag, ...] = ()


# --------------------------------------------------------------------------- text helpers


def _shown(value: str) -> str:
    """A header or subject excerpt fit for a reason: one line, bounded."""
    value = " ".join(value.split())
    return value if len(value) <= _MAX_SHOWN_CHARS else value[: _MAX_SHOWN_CHARS - 1] + "\u2026"


def _phrase_pattern(phrases: Iterable[str]) -> str:
    """An alternation of folded phrases; a space also matches ``_`` and ``-``."""
    folded = sorted({_fold(p) for p in phrases}, key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"[\s_-]{1,3}") for p in folded)


# --------------------------------------------------------------------------- subject prefixes

REPLY_PREFIXES: tuple[str, ...] = (
    "re", "aw", "antw", "antwoord", "sv", "vs", "r", "rif", "res", "odp", "ynt",
    "回复", "回覆", "答复",
)  # fmt: skip
FORWARD_PREFIXES: tuple[str, ...] = (
    "fw", "fwd", "tr", "wg", "doorst", "doorgestuurd", "rv", "enc", "i", "vb", "pd",
    "转发", "轉寄",
)  # fmt: skip
# Tags that mail gateways put in front of the subject; skipped like prefixes.
GATEWAY_TAGS: tuple[str, ...] = (
    "external", "extern", "externe", "externo", "esterno", "ext", "external email",
    "external sender", "externe e-mail", "spam", "suspected spam", "possible spam",
    "phishing", "caution", "warning",
)  # fmt: skip

_REPLY_WORDS = frozenset(REPLY_PREFIXES)
_PREFIX_RE = re.compile(
    r"\s*(?P<word>"
    + "|".join(re.escape(p) for p in sorted(REPLY_PREFIXES + FORWARD_PREFIXES, key=len)[::-1])
    + r")[ \t]*(?:(?:\[\d{1,4}\]|\(\d{1,4}\))[ \t]*)?[:\uff1a]",
    re.IGNORECASE,
)
_TAG_RE = re.compile(
    r"\s*[\[(](?:" + "|".join(re.escape(t) for t in GATEWAY_TAGS) + r")[\])]", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class _Prefix:
    word: str  # lower case, e.g. "re"
    text: str  # as written, e.g. "AW[2]:"


def _leading_prefixes(subject: str) -> tuple[tuple[_Prefix, ...], int]:
    """The reply and forward prefixes at the start of ``subject``, and where the rest begins."""
    found: list[_Prefix] = []
    position = 0
    for _ in range(_MAX_PREFIXES):
        tag = _TAG_RE.match(subject, position)
        if tag is not None:
            position = tag.end()
            continue
        prefix = _PREFIX_RE.match(subject, position)
        if prefix is None:
            break
        found.append(_Prefix(prefix.group("word").lower(), prefix.group(0).strip()))
        position = prefix.end()
    return tuple(found), position


def strip_subject_prefixes(subject: str) -> str:
    """The subject without its leading run of reply/forward prefixes and gateway tags."""
    _, position = _leading_prefixes(subject)
    return subject[position:].strip()


def reply_signal(mail: ParsedMail) -> KindSignal | None:
    """Evidence that the mail answers an earlier one (a forward is not a reply)."""
    prefixes, _ = _leading_prefixes(mail.subject[:_MAX_SUBJECT_CHARS])
    if prefixes and prefixes[0].word not in _REPLY_WORDS:
        return None
    seen: list[str] = []
    if prefixes:
        seen.append(f"the subject starts with '{prefixes[0].text}'")
    if mail.in_reply_to:
        seen.append("the header In-Reply-To names an earlier message")
    elif mail.references:
        seen.append("the header References names earlier messages")
    if not seen:
        return None
    return KindSignal(Kind.REPLY, "This is a reply: " + " and ".join(seen) + ".")


# --------------------------------------------------------------------------- bounces

_BOUNCE_LOCAL_PARTS = frozenset(
    {
        "mailer-daemon",
        "mailerdaemon",
        "mail-daemon",
        "postmaster",
        # the system mailbox Exchange sends its non-delivery reports from
        "microsoftexchange329e71ec88ae4615bbc36ab6ce41109e",
    }
)
_BOUNCE_SENDER_NAMES: tuple[str, ...] = (
    "mail delivery",
    "mailer-daemon",
    "mailer daemon",
    "postmaster",
    "mail administrator",
)
_SUCCESS_ACTIONS = frozenset({"delivered", "relayed", "expanded"})


def _bounce_sender(mail: ParsedMail) -> str | None:
    """How the sender looks like a mail system, or None."""
    sender = mail.from_
    if sender is not None:
        local = sender.addr_spec.partition("@")[0].lower()
        name = _fold(sender.display_name[:_MAX_SHOWN_CHARS])
        if local in _BOUNCE_LOCAL_PARTS or any(n in name for n in _BOUNCE_SENDER_NAMES):
            return f"sender {_shown(str(sender))}"
    return_path = mail.headers.get("return-path")
    if return_path is not None and not return_path.strip(" \t<>"):
        return "empty Return-Path (null sender)"
    return None


def _report_text(report: DeliveryReport) -> str:
    recipient = report.recipient or "an unnamed recipient"
    outcome = {"failed": "failed", "delayed": "is delayed"}.get(report.action, "was reported")
    status = f"status {report.status}" if report.status else "no status code"
    return f"delivery to {_shown(recipient)} {outcome} ({status})"


def _bounce(mail: ParsedMail) -> tuple[str, DeliveryReport | None] | None:
    """Where the bounce was seen and what it reports, or None when this is no bounce."""
    report = mail.delivery_report
    if report is not None:
        if report.action in _SUCCESS_ACTIONS:
            return None
        return "a delivery status report (RFC 3464)", report
    content_type = mail.content_type.lower()
    is_report = content_type.startswith("multipart/report")
    failed_header = mail.headers.get("x-failed-recipients", "")
    # Only mail that already looks like a mail system's gets its text read for a bounce.
    sender = None if is_report or failed_header.strip() else _bounce_sender(mail)
    if not is_report and not failed_header.strip() and sender is None:
        return None
    guessed = guess_bounce_from_text(mail.subject, mail.body_text, failed_header)
    if is_report and "delivery-status" in content_type:
        return "a multipart/report of delivery status", guessed
    if guessed is None:
        return None
    if is_report:
        return "a multipart/report with a bounce text", guessed
    if sender is None:
        return "a bounce with the header X-Failed-Recipients", guessed
    return f"a bounce text from the {sender}", guessed


def bounce_signal(mail: ParsedMail) -> KindSignal | None:
    """Evidence that the mail reports a failed (or delayed) delivery."""
    found = _bounce(mail)
    if found is None:
        return None
    where, report = found
    said = f": {_report_text(report)}" if report is not None else ""
    return KindSignal(Kind.BOUNCE, f"This is {where}{said}.")


def bounce_report(mail: ParsedMail) -> DeliveryReport | None:
    """The delivery report to show for a bounce, from the DSN or from the bounce text."""
    found = _bounce(mail)
    return found[1] if found is not None else None


# --------------------------------------------------------------------------- machine mail

AUTO_REPLY_SUBJECTS: tuple[str, ...] = (
    # en
    "out of office", "out of the office", "automatic reply", "auto reply", "auto-reply",
    "autoreply", "auto response", "automatic response", "autoresponse", "ooo", "vacation",
    "on vacation", "on holiday", "on leave", "away from the office",
    # nl
    "automatisch antwoord", "automatisch bericht", "automatische reactie",
    "automatisch beantwoord", "afwezig", "afwezigheid", "afwezigheidsbericht",
    "afwezigheidsmelding", "niet aanwezig", "niet op kantoor", "buiten kantoor", "vakantie",
    # fr
    "réponse automatique", "absence du bureau", "absent du bureau", "je suis absent",
    "je suis absente", "absent", "absente", "message d'absence", "notification d'absence",
    "congé", "congés", "en congé",
    # de
    "abwesenheitsnotiz", "abwesenheitsmeldung", "abwesenheit", "abwesend",
    "automatische antwort", "automatische abwesenheitsnotiz", "urlaub", "im urlaub",
    "nicht im büro", "ausser haus", "außer haus",
    # es, pt, it
    "respuesta automática", "fuera de la oficina", "fuera de oficina", "ausente", "vacaciones",
    "resposta automática", "fora do escritório", "risposta automatica", "fuori sede",
    "fuori ufficio", "assente", "in ferie",
    # others seen in trade mail
    "autosvar", "automatisk svar", "automatyczna odpowiedź", "automatická odpověď",
    "automaattinen vastaus", "otomatik yan\u0131t", "自动回复", "自動回覆", "自動返信", "自動応答",
)  # fmt: skip
READ_RECEIPT_SUBJECTS: tuple[str, ...] = (
    "read", "not read", "gelezen", "niet gelezen", "lu", "non lu", "gelesen", "ungelesen",
    "leído", "no leído", "letto", "non letto",
)  # fmt: skip
_AUTO_REPLY_SUBJECT_RE = re.compile(r"(?:" + _phrase_pattern(AUTO_REPLY_SUBJECTS) + r")(?!\w)")
_READ_RECEIPT_SUBJECT_RE = re.compile(
    r"(?:" + _phrase_pattern(READ_RECEIPT_SUBJECTS) + r")[ \t]?[:\uff1a]"
)
_NEGATIVE_VALUES = frozenset({"no", "false", "0", "off", "none"})
STRONG_PRECEDENCE = frozenset({"bulk", "junk", "auto_reply", "auto-reply"})
WEAK_PRECEDENCE = frozenset({"list"})
LIST_HEADERS: tuple[tuple[str, str], ...] = (
    ("list-id", "List-Id"),
    ("list-unsubscribe", "List-Unsubscribe"),
    ("list-post", "List-Post"),
)


@dataclass(frozen=True, slots=True)
class _Evidence:
    strong: str | None
    weak: str | None
    mailing_list: bool


def _token(value: str) -> str:
    """The first token of a header value, lower case, parameters and comments dropped."""
    words = value.partition(";")[0].partition("(")[0].split()
    return words[0].lower() if words else ""


def _strong_header(mail: ParsedMail) -> str | None:
    headers = mail.headers
    value = headers.get("auto-submitted")
    if value is not None and _token(value) != "no":
        return f"header Auto-Submitted: {_shown(value)}"
    for name, shown in (("x-autoreply", "X-Autoreply"), ("x-autorespond", "X-Autorespond")):
        value = headers.get(name)
        if value is not None and _token(value) not in _NEGATIVE_VALUES:
            return f"header {shown}: {_shown(value)}"
    value = headers.get("precedence")
    if value is not None and _token(value) in STRONG_PRECEDENCE:
        return f"header Precedence: {_shown(value)}"
    if mail.content_type.lower().startswith("multipart/report"):
        return "content type multipart/report (a report written by a mail system)"
    return None


def _strong_subject(subject: str) -> str | None:
    rest = strip_subject_prefixes(subject[:_MAX_SUBJECT_CHARS])
    folded = _fold(rest)
    found = _AUTO_REPLY_SUBJECT_RE.match(folded)
    if found is not None:
        return f"subject starts with '{rest[: found.end()]}'"
    found = _READ_RECEIPT_SUBJECT_RE.match(folded)
    if found is not None:
        return f"subject starts with '{rest[: found.end()]}' (a read or delivery receipt)"
    return None


def _machine_evidence(mail: ParsedMail) -> _Evidence:
    headers = mail.headers
    listed = [shown for name, shown in LIST_HEADERS if name in headers]
    precedence = headers.get("precedence")
    weak: str | None = None
    if listed:
        weak = "mailing-list header " + ", ".join(listed)
    elif precedence is not None and _token(precedence) in WEAK_PRECEDENCE:
        weak = f"header Precedence: {_shown(precedence)}"
    elif "x-auto-response-suppress" in headers:
        weak = f"header X-Auto-Response-Suppress: {_shown(headers['x-auto-response-suppress'])}"
    is_list = bool(listed) or (precedence is not None and _token(precedence) == "list")
    strong = _strong_header(mail) or _strong_subject(mail.subject)
    return _Evidence(strong, weak, is_list)


def machine_signal(mail: ParsedMail, *, weak_ok: bool = True) -> KindSignal | None:
    """Evidence of an auto-reply or other machine mail (RFC 3834 and common practice).

    Weak evidence alone (list headers, Precedence: list, X-Auto-Response-Suppress) counts
    only with ``weak_ok``. Triage asks ``machine_signal_strength`` first and keeps a
    weak-only mail that carries a COI and documents as a notification.
    """
    evidence = _machine_evidence(mail)
    flags = (Flag.MAILING_LIST,) if evidence.mailing_list else ()
    if evidence.strong is not None:
        return KindSignal(Kind.AUTO_REPLY, f"Machine mail: {evidence.strong}.", flags)
    if evidence.weak is not None and weak_ok:
        return KindSignal(Kind.AUTO_REPLY, f"Machine or list mail: {evidence.weak}.", flags)
    return None


def machine_signal_strength(mail: ParsedMail) -> Literal["strong", "weak", "none"]:
    """How sure the machine-mail evidence is: strong, weak (list-like only) or none."""
    evidence = _machine_evidence(mail)
    if evidence.strong is not None:
        return "strong"
    return "weak" if evidence.weak is not None else "none"


# --------------------------------------------------------------------------- topics

_PRFC_PATTERNS: tuple[str, ...] = (
    # nl: punt(en) van vrijgave, vrijgavepunt, vrijgave voor het vrije verkeer (and typos)
    r"\bpunt(?:en)?\s{1,3}(?:van|voor)\s{1,3}(?:de\s{1,3})?vr[ijy]{1,2}\s?g[aei]{1,2}v\w{0,4}",
    r"\bvr[ijy]{1,2}\s?g[aei]{1,2}ve?n?\s?punt",
    r"\bvr[ijy]{1,2}\s?g[aei]{1,2}v\w{0,4}\s{1,3}(?:voor|in|tot)\s{1,3}(?:het\s{1,3})?"
    r"vr[ijy]{1,2}e?\s{1,3}verkeer",
    # en
    r"\bpoints?\s{1,3}of\s{1,3}release\b",
    r"\bprfcs?\b",
    # fr
    r"\b(?:points?|lieux?)\s{1,3}de\s{1,3}(?:mise\s{1,3}en\s{1,3})?libre\s{1,3}pratique\b",
    # de
    r"\borte?s?\s{1,3}der\s{1,3}u(?:e)?berlassung",
    r"\bfreigabeort",
    r"\bu(?:e)?berlassungsort",
)
_PRFC_RE = re.compile("|".join(f"(?:{p})" for p in _PRFC_PATTERNS))
# Box 10 of every COI is labelled with these words, so a notification may name its PRFC
# in the body; there they count only next to a word that asks for a new one.
PRFC_REQUEST_CUES = frozenset(
    {
        "nieuw", "nieuwe", "toevoegen", "voegen", "voeg", "aanvraag", "aanvragen",
        "registreren", "registratie", "erkenning", "lijst", "opnemen", "opname", "new", "add",
        "added", "request", "requesting", "register", "registration", "list", "approval",
        "nouveau", "nouvel", "nouvelle", "ajouter", "ajout", "demande", "demandons",
        "enregistrer", "enregistrement", "liste", "neu", "neue", "neuer", "neuen",
        "hinzufugen", "antrag", "beantragen", "registrieren", "aufnehmen", "aufnahme",
    }
)  # fmt: skip

ACCOUNT_NOUNS = frozenset(
    {
        "account", "accounts", "user", "users", "username", "usernames", "userid", "login",
        "eulogin", "ecas", "administrator", "administrators", "credentials", "beheerder",
        "beheerders", "inloggen", "inloggegevens", "utilisateur", "utilisateurs", "compte",
        "comptes", "identifiant", "identifiants", "administrateur", "benutzer", "konto",
        "konten", "zugangsdaten", "password", "passwords", "wachtwoord", "motdepasse",
        "passwort", "kennwort",
    }
)  # fmt: skip
# Words that name an account only next to TRACES ("toegang tot TRACES", "access to TRACES").
GENERAL_ACCOUNT_NOUNS = frozenset({"access", "toegang", "acces", "zugang", "zugriff", "admin"})
# Compound words (nl, de, fr) that hold one of these are account nouns too.
ACCOUNT_NOUN_STEMS: tuple[str, ...] = (
    "gebruiker", "beheerder", "benutzer", "utilisateur", "wachtwoord", "passwort",
)  # fmt: skip
ACCOUNT_VERBS = frozenset(
    {
        # nl
        "toevoegen", "toegevoegd", "toevoeging", "voeg", "voegen", "verwijderen",
        "verwijderd", "verwijder", "verwijdering", "wijzigen", "gewijzigd", "wijziging",
        "wijzig", "aanpassen", "aangepast", "aanmaken", "aangemaakt", "aanvragen",
        "aanvraag", "geblokkeerd", "wachtwoord",
        # en
        "add", "adds", "added", "adding", "remove", "removed", "removing", "removal",
        "delete", "deleted", "deleting", "deletion", "change", "changed", "changing",
        "modify", "modified", "create", "created", "request", "requested", "reset",
        "blocked", "locked", "password",
        # fr
        "ajouter", "ajout", "ajoute", "ajoutez", "supprimer", "supprime", "supprimez",
        "suppression", "modifier", "modifie", "modification", "changer", "creer",
        "demande", "bloque", "reinitialiser", "motdepasse",
        # de
        "hinzufugen", "hinzugefugt", "entfernen", "entfernt", "loschen", "geloscht", "andern",
        "geandert", "anderung", "anlegen", "angelegt", "erstellen", "beantragen", "antrag",
        "gesperrt", "zurucksetzen", "passwort", "kennwort",
        # asking for access
        "need", "needs", "needed", "nodig", "besoin", "brauchen", "brauche", "benotigt",
        "benotigen", "give", "geven", "donner", "geben", "grant", "revoke", "intrekken",
    }
)  # fmt: skip
# Nouns of logging in: with these, a problem word alone makes an account question.
CREDENTIAL_NOUNS = frozenset(
    {
        "login", "eulogin", "ecas", "inloggen", "inloggegevens", "credentials", "password",
        "passwords", "wachtwoord", "motdepasse", "passwort", "kennwort", "identifiant",
        "identifiants", "zugangsdaten",
    }
)  # fmt: skip
# Words that say something does not work; they count next to TRACES or a credential noun.
PROBLEM_WORDS = frozenset(
    {
        "problem", "problems", "probleem", "problemen", "probleme", "problemes", "issue",
        "error", "fout", "foutmelding", "erreur", "fehler", "cannot", "unable", "impossible",
        "geen", "niet", "no", "not", "pas", "kein", "keine", "keinen", "nicht", "lukt",
    }
)  # fmt: skip
# Adjectives that make a request of an account noun only right in front of it ("new user").
NEW_WORDS = frozenset(
    {"new", "nieuwe", "nieuw", "extra", "nouvel", "nouveau", "nouvelle", "neuer", "neuen", "neue"}
)
TRACES_WORDS = frozenset({"traces", "tracesnt"})
# Idioms that use an account word in another sense ("take into account", bank accounts).
_ACCOUNT_IDIOMS_RE = re.compile(
    r"\b(?:(?:take|taken|taking|into)\s{1,3}account|on\s{1,3}account\s{1,3}of|"
    r"for\s{1,3}(?:the\s{1,3})?account\s{1,3}of|bank\s{1,3}account|account\s{1,3}(?:number|no)|"
    r"tenir\s{1,3}compte|compte\s{1,3}tenu|en\s{1,3}compte|pour\s{1,3}(?:le\s{1,3})?"
    r"compte|compte\s{1,3}bancaire|compte\s{1,3}rendu|end[\s-]{0,3}users?|eindgebruikers?|"
    r"endbenutzer|utilisateurs?\s{1,3}finale?s?)\b"
)
_JOINED_TERMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\beu[\s-]{0,3}login\b"), "eulogin"),
    (re.compile(r"\bmot\s{1,3}de\s{1,3}passe\b"), "motdepasse"),
    (re.compile(r"\b(?:log|sign)[\s-]{1,3}in\b"), "login"),
    (re.compile(r"\btraces[\s-]{0,3}nt\b"), "tracesnt"),
)
_WORD_RE = re.compile(r"[^\W_]+")
_SENTENCE_END_RE = re.compile(r"[.!?;]+(?:\s|$)|\n[ \t]*\n")

# Where the writer's own text ends: quoted mail, signature, disclaimer (folded, line start).
_QUOTE_HEADER_RE = re.compile(
    r"\s*(?:-{2,}\s*(?:original message|oorspronkelijk bericht|message d'origine|"
    r"ursprungliche nachricht|forwarded message|doorgestuurd bericht|message transfere)|"
    r"_{8,}|begin forwarded message|(?:from|van|de|von|da|sent|verzonden|envoye|gesendet)"
    r"\s?:\s*\S)"
)
# "On … Jan wrote:", "Op … schreef Jan:", "Le … a écrit :", "Am … schrieb Jan:".
_QUOTE_VERB_RE = re.compile(
    r"\b(?:wrote|schreef|a ecrit|schrieb|escribio|ha scritto|scrisse|escreveu|napisal)\b"
)
SIGN_OFFS: tuple[str, ...] = (
    "kind regards", "best regards", "regards", "with regards", "warm regards", "sincerely",
    "yours sincerely", "best wishes", "thanks and regards", "met vriendelijke groet",
    "met vriendelijke groeten", "vriendelijke groet", "vriendelijke groeten", "mvg",
    "groeten", "groet", "cordialement", "bien cordialement", "salutations",
    "meilleures salutations", "bien a vous", "mit freundlichen grussen",
    "mit freundlichem gruss", "freundliche grusse", "viele grusse", "beste grusse", "mfg",
    "saludos", "atentamente", "cordiali saluti", "distinti saluti", "-- ", "--",
)  # fmt: skip
_SIGN_OFF_RE = re.compile(r"\s*(?:" + _phrase_pattern(SIGN_OFFS) + r")[\s,.!]*$")
DISCLAIMER_WORDS: tuple[str, ...] = (
    "intended recipient", "confidential", "disclaimer", "unauthori", "privileged", "virus",
    "vertrouwelijk", "bestemmeling", "geadresseerde", "destinataire", "confidentiel",
    "vertraulich", "empfanger", "riservat",
)  # fmt: skip


def _own_text(body: str) -> str:
    """The start of the body the writer wrote: no quotes, signature or disclaimer."""
    kept: list[str] = []
    for line in _fold(body[:_MAX_TOPIC_BODY_CHARS]).splitlines():
        if line.lstrip().startswith(">"):
            continue
        if (
            _QUOTE_HEADER_RE.match(line)
            or (line.rstrip().endswith(":") and _QUOTE_VERB_RE.search(line[-300:]))
            or (len(line) <= 60 and _SIGN_OFF_RE.match(line))
        ):
            break
        kept.append(line)
    return "\n".join(kept)


def _sentences(text: str) -> list[str]:
    parts = _SENTENCE_END_RE.split(text)
    return [p for p in parts if p.strip() and not any(w in p for w in DISCLAIMER_WORDS)]


def _is_noun(word: str) -> bool:
    return word in ACCOUNT_NOUNS or any(stem in word for stem in ACCOUNT_NOUN_STEMS)


def _account_words(folded: str, *, in_body: bool) -> tuple[str, str] | None:
    """An account noun and the TRACES, change or problem word that goes with it, or None.

    In the subject any pair counts; in the body the words must be a few apart, and a
    general word such as "access" needs TRACES next to it as well.
    """
    text = _ACCOUNT_IDIOMS_RE.sub(" ", folded)
    for pattern, joined in _JOINED_TERMS:
        text = pattern.sub(joined, text)
    words = _WORD_RE.findall(text)
    has_traces = any(w in TRACES_WORDS for w in words)
    for i, word in enumerate(words):
        general = word in GENERAL_ACCOUNT_NOUNS
        if not (general or _is_noun(word)):
            continue
        if in_body and general and not _near(words, i, TRACES_WORDS, _TRACES_WINDOW_WORDS):
            continue
        if i > 0 and words[i - 1] in NEW_WORDS:
            return word, words[i - 1]
        problems_count = has_traces or word in CREDENTIAL_NOUNS
        span = _VERB_WINDOW_WORDS if in_body else len(words)
        for j in range(max(0, i - span), min(len(words), i + span + 1)):
            other = words[j]
            if j != i and (other in ACCOUNT_VERBS or (problems_count and other in PROBLEM_WORDS)):
                return word, other
        if has_traces and not in_body:
            return word, "TRACES"
    return None


def _near(words: list[str], index: int, wanted: frozenset[str], span: int) -> bool:
    return any(w in wanted for w in words[max(0, index - span) : index + span + 1])


def _prfc(text: str, folded: str, where: str) -> KindSignal | None:
    found = _PRFC_RE.search(folded)
    if found is None:
        return None
    said = _shown(text[found.start() : found.end()])
    return KindSignal(
        Kind.PRFC_REQUEST,
        f"Request about a point of release for free circulation: the {where} mentions '{said}'.",
    )


def _prfc_request_in(sentence: str) -> bool:
    return _PRFC_RE.search(sentence) is not None and any(
        word in PRFC_REQUEST_CUES for word in _WORD_RE.findall(sentence)
    )


def _account(pair: tuple[str, str] | None, where: str) -> KindSignal | None:
    if pair is None:
        return None
    noun, other = pair
    return KindSignal(
        Kind.ACCOUNT,
        f"TRACES account question: the {where} mentions '{noun}' with '{other}'.",
    )


def topic_signal(mail: ParsedMail) -> KindSignal | None:
    """Evidence of a request for a new PRFC or a TRACES account question; subject first."""
    subject = strip_subject_prefixes(mail.subject[:_MAX_SUBJECT_CHARS])
    folded_subject = _fold(subject)
    found = _prfc(subject, folded_subject, "subject") or _account(
        _account_words(folded_subject, in_body=False), "subject"
    )
    if found is not None:
        return found
    sentences = _sentences(_own_text(mail.body_text))
    for sentence in sentences:
        if _prfc_request_in(sentence):
            return _prfc(sentence, sentence, "body")
    for sentence in sentences:
        pair = _account_words(sentence, in_body=True)
        if pair is not None:
            return _account(pair, "body")
    return None
