"""Tests for composing acknowledgments and decisions and building them into RFC 5322 mail."""

from __future__ import annotations

import re
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest

from intake.codes import DocRole, Flag, Kind
from notify.codes import Decision, MailKind
from notify.compose import (
    MAX_REFERENCES,
    OutgoingMail,
    compose_ack,
    compose_decision,
    message_id_for,
)
from notify.facts import CaseFacts
from tests.support.notify import COI, DESK, make_facts, make_report, with_flags

SEPARATOR = "\u2014 English below \u2014"
NOW = datetime.fromisoformat("2023-05-10T09:00:00+02:00")
SCRIPT_NAME = "<script>alert(1)</script>.pdf"
# One phrase of each language that every mail carries (from the layout).
DUTCH = "Met vriendelijke groet"
ENGLISH = "Kind regards"


def _ack(facts: CaseFacts | None = None, **report: Any) -> OutgoingMail:
    mail = compose_ack(make_report(**report), facts or make_facts(), DESK, key="ack:1")
    assert mail is not None
    return mail


def _decision(decision: Decision, facts: CaseFacts | None = None, **changes: Any) -> OutgoingMail:
    arguments: dict[str, Any] = {
        "note": None,
        "documents_requested": (),
        "desk": DESK,
        "to": ("jan@importer.example",),
        "in_reply_to": "<m1@importer.example>",
        "references": (),
        "key": "decision:1",
    }
    if decision is Decision.DOCUMENTS_REQUESTED:
        arguments["documents_requested"] = ("bijgewerkt vervoersdocument",)
    arguments.update(changes)
    return compose_decision(facts or make_facts(), decision, **arguments)


def _parse(raw: bytes) -> EmailMessage:
    parsed = message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _both_parts(mail: OutgoingMail) -> list[str]:
    return [mail.text, mail.html]


# ------------------------------------------------------------------ every kind and decision

ALL_MAILS: list[tuple[str, MailKind, OutgoingMail]] = [
    ("ack_notification", MailKind.ACK_NOTIFICATION, _ack()),
    ("ack_prfc", MailKind.ACK_PRFC, _ack(kind=Kind.PRFC_REQUEST)),
    ("ack_account", MailKind.ACK_ACCOUNT, _ack(kind=Kind.ACCOUNT)),
] + [(f"decision_{d.value}", MailKind.DECISION, _decision(d)) for d in Decision]


@pytest.mark.parametrize(
    ("kind", "mail"), [m[1:] for m in ALL_MAILS], ids=[m[0] for m in ALL_MAILS]
)
def test_every_mail_is_dutch_first_then_english(kind: MailKind, mail: OutgoingMail) -> None:
    """Each mail, text and HTML, holds Dutch, then the separator, then English."""
    assert mail.kind is kind
    for part in _both_parts(mail):
        assert part.count(SEPARATOR) == 1
        dutch, english = part.split(SEPARATOR)
        assert DUTCH in dutch
        assert ENGLISH not in dutch
        assert ENGLISH in english
        assert DUTCH not in english


@pytest.mark.parametrize(
    ("decision", "dutch", "english"),
    [
        (Decision.RELEASE_ORGANIC, "vrijgegeven als biologisch product", "released\nas organic"),
        (Decision.RELEASE_IN_CONVERSION, "omschakelingsproduct", "as in-conversion"),
        (Decision.RELEASE_NON_ORGANIC, "biologische status", "lose their organic status"),
        (Decision.REJECTED, "werd geweigerd", "has been rejected"),
        (Decision.PHYSICAL_CHECK, "fysieke controle", "physical check"),
        (Decision.SAMPLING, "resultaten van de analyse wachten", "wait for the analysis results"),
        (Decision.DOCUMENTS_REQUESTED, "bijgewerkt vervoersdocument", "still need the following"),
    ],
)
def test_decision_outcome_in_both_languages(decision: Decision, dutch: str, english: str) -> None:
    """The decision mail states its own outcome, in Dutch and in English."""
    text = _decision(decision).text
    nl, en = text.split(SEPARATOR)
    assert dutch in nl
    assert english in en


@pytest.mark.parametrize("decision", [Decision.RELEASE_ORGANIC, Decision.RELEASE_IN_CONVERSION])
def test_release_names_the_next_steps(decision: Decision) -> None:
    """A release explains extracts, the CHED link (I.9, I.31) and when box 31 may be signed."""
    mail = _decision(decision)
    for part in _both_parts(mail):
        for needle in ("I.9", "I.31", "'organic'", "31", "FAVV"):
            assert needle in part
    assert "uittreksels (extracten)" in mail.text
    assert "create extracts" in mail.text
    assert "sanctie" in mail.text
    assert "sanction" in mail.text


@pytest.mark.parametrize(
    "decision", [Decision.RELEASE_NON_ORGANIC, Decision.REJECTED, Decision.SAMPLING]
)
def test_non_release_mails_do_not_tell_how_to_release(decision: Decision) -> None:
    """Only the releases as organic or in-conversion explain the CHED and box 31 steps."""
    assert "I.31" not in _decision(decision).text


def test_non_organic_release_quotes_box_30_wording() -> None:
    """The non-organic release uses the wording of box 30 and says what it means."""
    text = _decision(Decision.RELEASE_NON_ORGANIC).text
    assert "To be released as" in text
    assert "C644" in text


@pytest.mark.parametrize(
    ("decision", "final"),
    [
        (Decision.RELEASE_ORGANIC, True),
        (Decision.RELEASE_IN_CONVERSION, True),
        (Decision.RELEASE_NON_ORGANIC, True),
        (Decision.REJECTED, True),
        (Decision.PHYSICAL_CHECK, False),
        (Decision.SAMPLING, False),
        (Decision.DOCUMENTS_REQUESTED, False),
    ],
)
def test_decision_finality(decision: Decision, final: bool) -> None:
    """Releases and rejection close the case; checks, sampling and requests are waiting steps."""
    assert decision.is_final is final
    assert decision.is_waiting is not final


@pytest.mark.parametrize("kind", list(MailKind))
def test_acknowledgment_kinds(kind: MailKind) -> None:
    """Only the three acknowledgments are auto-replies."""
    assert kind.is_acknowledgment is kind.value.startswith("ack_")


# ------------------------------------------------------------------ subjects


@pytest.mark.parametrize(
    ("mail", "subject"),
    [
        (_ack(), f"Ontvangen / Received: {COI}"),
        (
            _decision(Decision.RELEASE_ORGANIC),
            f"Beslissing / Decision: {COI} \u2013 vrijgegeven als bio / released as organic",
        ),
        (
            _decision(Decision.RELEASE_NON_ORGANIC),
            f"Beslissing / Decision: {COI} \u2013 vrijgegeven als niet-bio "
            "/ to be released as non-organic",
        ),
    ],
)
def test_subjects_keep_the_coi(mail: OutgoingMail, subject: str) -> None:
    """Subjects carry the COI reference so that replies thread back to the case."""
    assert mail.subject == subject


@pytest.mark.parametrize(("name", "_kind", "mail"), ALL_MAILS, ids=[m[0] for m in ALL_MAILS])
def test_coi_is_in_every_notification_subject(
    name: str, _kind: MailKind, mail: OutgoingMail
) -> None:
    """Every mail about a consignment names its COI in the subject."""
    if name in ("ack_prfc", "ack_account"):
        assert mail.subject.startswith("Ontvangen / Received:")
    else:
        assert COI in mail.subject


def test_ack_without_coi_asks_for_it() -> None:
    """Without a COI the subject says so and the text asks for the reference in the subject."""
    facts = make_facts(coi=None, subject="RE: Aanmelding\r\nBcc: x@y.example =?utf-8?q?x?=")
    mail = _ack(facts, coi_references=[])
    assert mail.subject.startswith("Ontvangen, COI-referentie ontbreekt / Received,")
    assert "Aanmelding Bcc: x@y.example" in mail.subject
    assert "RE:" not in mail.subject
    assert "=?" not in mail.subject
    assert "COI-referentie in het onderwerp" in mail.text
    assert "COI reference in the subject" in mail.text


def test_decision_without_coi_names_the_case() -> None:
    """A decision on a case without a COI names the case number instead."""
    mail = _decision(Decision.REJECTED, make_facts(coi=None))
    assert mail.subject.startswith("Beslissing / Decision: dossier 7 \u2013 geweigerd")
    assert "dossier 7" in mail.text
    assert "case 7" in mail.text


# ------------------------------------------------------------------ acknowledgment content


def test_ack_lists_found_documents_by_role_and_name() -> None:
    """The documents found are listed with their role and file name in both languages."""
    mail = _ack()
    nl, en = mail.text.split(SEPARATOR)
    assert "vervoersdocument: BL COSU6312345670.pdf" in nl
    assert "factuur: Factuur 2023-118.pdf" in nl
    assert "transport document: BL COSU6312345670.pdf" in en
    assert "invoice: Factuur 2023-118.pdf" in en


def test_ack_names_missing_documents_and_how_to_send_them() -> None:
    """Missing documents are named, with both ways to send them."""
    facts = make_facts(documents={}, missing=(DocRole.TRANSPORT, DocRole.INVOICE))
    mail = _ack(facts)
    for part in _both_parts(mail):
        assert "vervoersdocument en factuur" in part
        assert "transport document and invoice" in part
        assert "TRACES" in part
    assert "antwoorden op deze" in mail.text
    assert "replying to this" in mail.text


def test_ack_complete_says_nothing_is_missing() -> None:
    """A complete notification does not ask for documents."""
    mail = _ack()
    assert "Nog niet ontvangen" not in mail.text
    assert "Not yet received" not in mail.text


def test_ack_documents_in_traces_defers_to_the_officer() -> None:
    """When the documents are said to be in TRACES, the officer checks there; none are asked."""
    facts = with_flags(Flag.DOCUMENTS_IN_TRACES, documents={}, missing=(DocRole.INVOICE,))
    mail = _ack(facts)
    assert "controleert" in mail.text
    assert "will check them there" in mail.text
    assert "Nog niet ontvangen" not in mail.text
    assert "Not yet received" not in mail.text


FLAG_TEXTS: list[tuple[Flag, tuple[str, ...]]] = [
    (
        Flag.TOO_EARLY,
        ("maandag 8 mei 2023", "Monday 8 May 2023", "niets te doen", "nothing you need to do"),
    ),
    (Flag.LATE, ("niet conform", "non-conform", "To be released as non-organic")),
    (Flag.NON_EU_PARTY, ("Zwitserse", "Swiss")),
    (Flag.ETA_UNKNOWN, ("vak 20", "box 20")),
    (Flag.COI_NOT_IN_SUBJECT, ("voortaan in het onderwerp", "subject of your e-mail from now")),
]


@pytest.mark.parametrize(("flag", "needles"), FLAG_TEXTS, ids=[f[0].value for f in FLAG_TEXTS])
def test_ack_flag_texts_appear_only_when_flagged(flag: Flag, needles: tuple[str, ...]) -> None:
    """Each flagged situation adds its explanation in both parts, and only when flagged."""
    flagged = _ack(with_flags(flag))
    plain = _ack()
    for needle in needles:
        assert needle in flagged.text
        assert needle.replace("'", "&#39;") in flagged.html
        assert needle not in plain.text


def test_ack_extra_controls_name_product_share_and_waiting() -> None:
    """Extra controls name the product and its minimum share, and the wait for the analysis."""
    mail = _ack(with_flags(Flag.EXTRA_CONTROLS, extra_controls=(("ginger", 10), ("tea", 20))))
    for part in _both_parts(mail):
        assert "ginger: minstens 10 %" in part
        assert "tea: at least 20 %" in part
        assert "analyse" in part
        assert "analysis results" in part
    assert "ginger" not in _ack().text


def test_prfc_ack_explains_the_list_and_box_10() -> None:
    """The PRFC acknowledgment says the location joins 'Punten van vrijgave' for box 10."""
    mail = _ack(kind=Kind.PRFC_REQUEST)
    for part in _both_parts(mail):
        assert "Punten van vrijgave" in part
        assert "vak 10" in part
        assert "box 10" in part


def test_account_ack_reminds_of_the_administrator() -> None:
    """The account acknowledgment reminds that the company's TRACES administrator manages users."""
    mail = _ack(kind=Kind.ACCOUNT)
    for part in _both_parts(mail):
        assert "administrator" in part
        assert "TRACES" in part


# ------------------------------------------------------------------ escaping


def test_file_names_are_escaped_in_html_and_literal_in_text() -> None:
    """A hostile file name shows escaped in HTML and as written in the text part."""
    facts = make_facts(documents={DocRole.TRANSPORT: (SCRIPT_NAME,), DocRole.INVOICE: ()})
    mail = _ack(facts)
    assert SCRIPT_NAME in mail.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.pdf" in mail.html
    assert "<script>" not in mail.html


def test_importer_name_and_note_are_escaped_and_quoted() -> None:
    """Names and the officer's note are escaped in HTML and quoted with "> " in the text."""
    facts = make_facts(importer_name='Jan "<b>" Peeters\r\nBcc: x@y.example')
    mail = _decision(Decision.REJECTED, facts, note="Geen <i>factuur</i>.\r\nZie bijlage.")
    assert 'Geachte Jan "<b>" Peeters Bcc: x@y.example,' in mail.text
    assert "&lt;b&gt;" in mail.html
    assert "<b>" not in mail.html
    assert "> Geen <i>factuur</i>.\n> Zie bijlage." in mail.text
    assert "Geen &lt;i&gt;factuur&lt;/i&gt;." in mail.html
    assert "<i>" not in mail.html


def test_decision_without_note_has_no_note_section() -> None:
    """Without a note no empty note heading is printed."""
    mail = _decision(Decision.RELEASE_ORGANIC, note="  \n ")
    assert "Opmerking" not in mail.text
    assert "Note from the officer" not in mail.html


def test_documents_requested_are_listed() -> None:
    """A request for documents lists each requested document in both languages."""
    mail = _decision(
        Decision.DOCUMENTS_REQUESTED,
        documents_requested=("Definitieve factuur", "Bill of lading\r\nBcc: x@y.example"),
    )
    for part in _both_parts(mail):
        assert "Definitieve factuur" in part
        assert "Bill of lading Bcc: x@y.example" in part


def test_documents_requested_needs_documents_or_a_note() -> None:
    """A request for documents that names none and has no note is refused."""
    with pytest.raises(ValueError, match="documents"):
        _decision(Decision.DOCUMENTS_REQUESTED, documents_requested=())
    mail = _decision(Decision.DOCUMENTS_REQUESTED, documents_requested=(), note="De CMR graag.")
    assert "> De CMR graag." in mail.text


@pytest.mark.parametrize(
    "to",
    [
        (),
        ("a@b.example\r\nBcc: x@y.example",),
        ("a@b.example, c@d.example",),
        ("importbio@desk.example",),
        ("Jan <jan@importer.example>",),
    ],
)
def test_decision_refuses_bad_recipients(to: tuple[str, ...]) -> None:
    """A decision is never composed for a broken, multiple, named or own address."""
    with pytest.raises(ValueError, match="recipient"):
        _decision(Decision.RELEASE_ORGANIC, to=to)


# ------------------------------------------------------------------ when no ack is composed


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": Kind.REPLY},
        {"kind": Kind.BOUNCE},
        {"kind": Kind.AUTO_REPLY},
        {"from_": "noreply@importer.example"},
        {"from_": "importbio@desk.example"},
        {"machine_headers": {"list-id": "<list.example>"}},
        {"from_": "a@b.example\r\nBcc: x@y.example"},
    ],
)
def test_no_ack_where_the_policy_forbids(changes: dict[str, Any]) -> None:
    """compose_ack returns None for every mail the policy would not answer."""
    assert compose_ack(make_report(**changes), make_facts(), DESK, key="ack:1") is None


def test_ack_goes_to_reply_to() -> None:
    """The acknowledgment goes to a usable Reply-To rather than From."""
    assert _ack(reply_to="orders@importer.example").to == ("orders@importer.example",)


# ------------------------------------------------------------------ threading and identity


def test_message_id_is_stable_per_key() -> None:
    """The same effect always gets the same Message-ID on the desk's domain; another key not."""
    first = message_id_for("ack:abc", DESK)
    assert first == message_id_for("ack:abc", DESK)
    assert first != message_id_for("ack:abd", DESK)
    assert re.fullmatch(r"<[0-9a-f]{32}@desk\.example>", first)
    again = compose_ack(make_report(), make_facts(), DESK, key="ack:1")
    assert again is not None
    assert again.message_id == _ack().message_id


def test_ack_threads_to_the_received_mail() -> None:
    """The acknowledgment answers the received mail and keeps at most the last references."""
    earlier = [f"<r{i}@importer.example>" for i in range(15)]
    mail = _ack(references=[*earlier, "not a message id", "<bad\r\n@x.example>"])
    assert mail.in_reply_to == "<m1@importer.example>"
    assert mail.references[-1] == "<m1@importer.example>"
    assert len(mail.references) == MAX_REFERENCES
    assert mail.references[:-1] == tuple(earlier[-(MAX_REFERENCES - 1) :])


def test_broken_message_id_is_not_answered_to() -> None:
    """A received Message-ID that is not well formed is left out of In-Reply-To."""
    mail = _ack(message_id="<abc@importer.example>\r\nBcc: x@y.example")
    assert mail.in_reply_to is None
    assert mail.references == ()


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Ontvangen\r\nBcc: x@y.example"},
        {"subject": "=?utf-8?q?x?="},
        {"to": ("a@b.example\r\nBcc: x@y.example",)},
        {"to": ()},
        {"message_id": "<abc@desk.example>\r\nBcc: x@y.example"},
        {"in_reply_to": "no brackets@x.example"},
        {"references": ("<a@b.example> <c@d.example>",)},
    ],
)
def test_outgoing_mail_refuses_unsafe_header_values(changes: dict[str, Any]) -> None:
    """An OutgoingMail cannot be built with a header value that could inject headers."""
    fields: dict[str, Any] = {
        "kind": MailKind.DECISION,
        "to": ("jan@importer.example",),
        "subject": "Beslissing / Decision",
        "message_id": "<abc@desk.example>",
        "in_reply_to": None,
        "references": (),
        "text": "t",
        "html": "<p>h</p>",
    }
    fields.update(changes)
    with pytest.raises(ValueError, match="must"):
        OutgoingMail(**fields)


# ------------------------------------------------------------------ the wire message


@pytest.mark.parametrize(
    ("mail", "auto_submitted", "precedence"),
    [
        (_ack(), "auto-replied", "auto_reply"),
        (_ack(kind=Kind.ACCOUNT), "auto-replied", "auto_reply"),
        (_decision(Decision.RELEASE_ORGANIC), "auto-generated", None),
    ],
)
def test_to_message_parses_back(
    mail: OutgoingMail, auto_submitted: str, precedence: str | None
) -> None:
    """The built message parses back with every header and both alternative parts."""
    raw = mail.to_message(DESK, date=NOW)
    assert b"\r\n" in raw
    assert b"\n\n" not in raw.replace(b"\r\n", b"")
    parsed = _parse(raw)
    assert parsed["From"].addresses[0].addr_spec == DESK.address
    assert parsed["From"].addresses[0].display_name == DESK.name
    assert [a.addr_spec for a in parsed["To"].addresses] == list(mail.to)
    assert parsed["Subject"] == mail.subject
    assert parsed["Date"].datetime == NOW
    assert parsed["Message-ID"] == mail.message_id
    assert parsed["In-Reply-To"] == mail.in_reply_to
    assert parsed["References"].split() == list(mail.references)
    assert parsed["Auto-Submitted"] == auto_submitted
    assert parsed["Precedence"] == precedence
    assert parsed["X-Importbio-Outbound"] == "1"
    assert parsed["X-Auto-Response-Suppress"] == "All"
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert text.get_content().replace("\r\n", "\n") == mail.text
    assert html.get_content().replace("\r\n", "\n") == mail.html


def test_to_message_bounds_references_and_needs_an_aware_date() -> None:
    """References keep only the last ten ids, lines stay within 998, a naive date is refused."""
    ids = tuple(f"<{i:03d}{'r' * 220}@importer.example>" for i in range(25))
    mail = OutgoingMail(
        kind=MailKind.DECISION,
        to=("jan@importer.example",),
        subject="Beslissing / Decision",
        message_id="<abc@desk.example>",
        in_reply_to=None,
        references=ids,
        text="t",
        html="<p>h</p>",
    )
    raw = mail.to_message(DESK, date=NOW)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    parsed = _parse(raw)
    assert parsed["References"].split() == list(ids[-MAX_REFERENCES:])
    assert parsed["In-Reply-To"] is None
    with pytest.raises(ValueError, match="timezone"):
        mail.to_message(DESK, date=NOW.replace(tzinfo=None))


def test_to_message_is_the_same_for_the_same_effect() -> None:
    """Composing the same effect twice yields the same Message-ID in the wire message."""
    first = _parse(_ack().to_message(DESK, date=NOW))
    second = _parse(_ack().to_message(DESK, date=NOW))
    other = compose_ack(make_report(), make_facts(), DESK, key="ack:2")
    assert other is not None
    assert first["Message-ID"] == second["Message-ID"] != other.message_id
