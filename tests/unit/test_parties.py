"""Tests for the rule that Swiss (and Liechtenstein) importers or consignees may not use a COI."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.triage.rules.parties import BLOCK_CHARS, find_non_eu_party


def body(text: str, sender_domain: str = "importer.be") -> str | None:
    """Run the rule on one body text from an EU sender."""
    return find_non_eu_party(sender_domain=sender_domain, texts=[("body", text)])


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("example.ch", "sender domain example.ch is Swiss"),
        ("Mail.Example.CH", "sender domain mail.example.ch is Swiss"),
        ("example.ch.", "sender domain example.ch is Swiss"),
        ("example.li", "sender domain example.li is in Liechtenstein"),
        ("bio.swiss", "sender domain bio.swiss is Swiss"),
    ],
)
def test_swiss_sender_domain(domain: str, expected: str) -> None:
    """A sender address under .ch, .li or .swiss is reason enough."""
    assert find_non_eu_party(sender_domain=domain, texts=[]) == expected


@pytest.mark.parametrize(
    "domain", ["example.be", "ch.example.com", "example.chat", "example.lt", "", "ch"]
)
def test_other_sender_domains(domain: str) -> None:
    """Domains that only contain 'ch' or 'li' somewhere are not Swiss."""
    assert find_non_eu_party(sender_domain=domain, texts=[("body", "Hello")]) is None


POSITIVE_BLOCKS = [
    ("Consignee: Bio AG, Bahnhofstrasse 1, CH-8001 Zürich", "consignee", "Switzerland"),
    (
        "Importer:\nBio Handels GmbH\nMarktgasse 4\n3011 Bern\nSwitzerland",
        "importer",
        "Switzerland",
    ),
    ("Importeur: Naturkost AG, 4051 Basel, Schweiz", "importeur", "Switzerland"),
    ("Empfänger:\nBio AG\nCH 4051 Basel", "empfänger", "Switzerland"),
    ("Destinataire : Coop, 4002 Bâle, Suisse", "destinataire", "Switzerland"),
    ("Destinatario: Bio SA, 6900 Lugano, Svizzera", "destinatario", "Switzerland"),
    ("Geadresseerde: Bio AG, Zürich, Zwitserland", "geadresseerde", "Switzerland"),
    ("Eerste ontvanger: Müller AG, CH-4051 Basel", "eerste ontvanger", "Switzerland"),
    ("Ontvanger - Bio AG, Bern (Zwitserland)", "ontvanger", "Switzerland"),
    ("Consignatario: Bio SA, Ginebra, Suiza", "consignatario", "Switzerland"),
    ("Destinatário: Bio SA, Genebra, Suíça", "destinatário", "Switzerland"),
    (
        "First consignee (name, address): Bio AG, Basel, Switzerland",
        "first consignee",
        "Switzerland",
    ),
    ("Box 12: Naturkost AG, FL-9490 Vaduz", "box 12", "Liechtenstein"),
    ("vak 24: Bio Anstalt, Schaan, Liechtenstein", "box 24", "Liechtenstein"),
    ("VAK 12\nBio AG\nCH-8001 Zürich", "box 12", "Switzerland"),
    ("The consignee is Bio AG in Basel, Switzerland.", "consignee", "Switzerland"),
    ("IMPORTER: BIO AG, BASEL, SWITZERLAND", "importer", "Switzerland"),
]


@pytest.mark.parametrize(("text", "label", "place"), POSITIVE_BLOCKS)
def test_importer_or_consignee_block_in_switzerland(text: str, label: str, place: str) -> None:
    """An importer or consignee label followed by a Swiss or Liechtenstein address fires."""
    reason = body(text)
    assert reason is not None
    assert reason.startswith(f"the {label} block names {place} in the body: '")


def test_reason_quotes_the_block_and_where_it_stood() -> None:
    """The reason quotes from the label up to the country, whitespace collapsed."""
    reason = find_non_eu_party(
        sender_domain="forwarder.nl",
        texts=[("subject", "COI"), ("invoice text 'inv.pdf'", "Consignee:\n  Bio AG\n  CH-8001")],
    )
    assert reason == (
        "the consignee block names Switzerland in the invoice text 'inv.pdf': "
        "'Consignee: Bio AG CH-8001'"
    )


NEGATIVE_BLOCKS = [
    "Shipper: Alpine Herbs AG, Basel, Switzerland",
    "Exporter: Alpine Herbs AG, CH-8001 Zürich",
    "Afzender: Alpine Herbs AG, Zwitserland",
    "Expéditeur : Alpine Herbs SA, Genève, Suisse",
    "Absender: Alpine Herbs AG, 8001 Zürich, Schweiz",
    "Control body: bio.inspecta AG, Frick, Switzerland",
    "Importer: Foo BV, Antwerpen, Belgium\nShipper: Bar AG, Basel, Switzerland",
    "Shipper: Bar AG, Basel, Switzerland\nConsignee: Foo BV, Gent, België",
    "Consignee: Foo BV, Bio Suisse certified, Rotterdam, Netherlands",
    "Importer: Foo BV, B-2000 Antwerpen\nControl body: IMO, Weinfelden, Switzerland",
    "Please forward this to the importer.\n\nKind regards\nHans\nBio AG, Zürich, Switzerland",
    "Consignee: Foo BV\nAntwerpen\n" + "x" * BLOCK_CHARS + "\nSwitzerland",
    "The Swiss franc price for the consignee is listed below",
    "Importer: Swiss Organic Trading BV, Rotterdam, Netherlands",
    "Consignee: Foo GmbH, Hamburg, Deutschland. Our bank: UBS, Zürich, Schweiz",
]


@pytest.mark.parametrize("text", NEGATIVE_BLOCKS)
def test_swiss_exporter_shipper_or_control_body_does_not_fire(text: str) -> None:
    """Switzerland named for anyone but the importer or consignee is not a reason."""
    assert body(text) is None


def test_nothing_to_say_about_an_ordinary_notification() -> None:
    """A normal EU notification gives no reason."""
    texts = [
        ("subject", "COI.CN.2023.1234567 - ETA 12/05"),
        ("body", "Dear desk,\nattached the B/L and invoice.\nKind regards,\nImport BV"),
        ("invoice text 'inv.pdf'", "Consignee: Import BV\nHavenstraat 1\n2000 Antwerpen\nBelgium"),
    ]
    assert find_non_eu_party(sender_domain="import.be", texts=texts) is None


def test_many_labels_are_bounded() -> None:
    """A text full of labels is handled quickly and the limit does not raise."""
    text = "Consignee: x\n" * 20_000 + "Consignee: Bio AG, Switzerland"
    started = time.perf_counter()
    body(text)
    assert time.perf_counter() - started < 1.0


@settings(max_examples=300, deadline=None)
@given(
    domain=st.text(max_size=30),
    texts=st.lists(st.tuples(st.text(max_size=10), st.text(max_size=300)), max_size=3),
)
def test_never_raises(domain: str, texts: list[tuple[str, str]]) -> None:
    """Arbitrary sender domains and texts give a reason string or None, never an exception."""
    reason = find_non_eu_party(sender_domain=domain, texts=texts)
    assert reason is None or isinstance(reason, str)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Consignee", ":", " ", "\n", "Switzerland", "CH-", "8001", "(", ")", "Bio", "Suisse"]
        ),
        max_size=30,
    )
)
def test_never_raises_on_near_miss_text(parts: list[str]) -> None:
    """Text built from the rule's own vocabulary never makes it raise."""
    reason = body("".join(parts))
    assert reason is None or "Switzerland" in reason


def test_surrogate_escaped_text_is_read_without_error() -> None:
    """Undecodable bytes kept as lone surrogates neither raise nor hide the block."""
    assert body("\udcff Consignee: Bio AG \ud800, Schweiz", sender_domain="x.\udcff") is not None
