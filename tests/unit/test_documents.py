"""Tests for telling what role an attachment plays: transport document, invoice or other."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from intake.codes import DocRole, FileType, Flag
from intake.parse.limits import ParseLimits
from intake.parse.mail import Attachment
from intake.triage.documents import (
    AttachmentVerdict,
    classify_attachment,
    classify_name,
    classify_text,
)
from tests.support.pdf import make_pdf

TRA, INV, OTH = DocRole.TRANSPORT, DocRole.INVOICE, DocRole.OTHER
LIMITS = ParseLimits()

# (file name, expected roles, pro-forma)
NAME_CASES: list[tuple[str, frozenset[DocRole], bool]] = [
    # English: bills of lading, waybills, invoices
    ("BL12345.pdf", frozenset({TRA}), False),
    ("B-L 4711.pdf", frozenset({TRA}), False),
    ("B_L.pdf", frozenset({TRA}), False),
    ("B/L MAEU123456.pdf", frozenset({TRA}), False),
    ("BoL.pdf", frozenset({TRA}), False),
    ("BOL-2023-17.pdf", frozenset({TRA}), False),
    ("Draft HBL SZX2300123.pdf", frozenset({TRA}), False),
    ("MBL_COSU6301234560.pdf", frozenset({TRA}), False),
    ("OBL copy.pdf", frozenset({TRA}), False),
    ("eBL MAEU229876543.pdf", frozenset({TRA}), False),
    ("Bill of Lading.pdf", frozenset({TRA}), False),
    ("bill-of-lading_final.PDF", frozenset({TRA}), False),
    ("BLNumber123.pdf", frozenset({TRA}), False),
    ("SWB 12.pdf", frozenset({TRA}), False),
    ("Sea Waybill ONEY123.pdf", frozenset({TRA}), False),
    ("AWB_176-12345675.pdf", frozenset({TRA}), False),
    ("HAWB-123.pdf", frozenset({TRA}), False),
    ("MAWB 020-1234 5675.pdf", frozenset({TRA}), False),
    ("Air Waybill.pdf", frozenset({TRA}), False),
    ("CMR 0045.pdf", frozenset({TRA}), False),
    ("CIM consignment.pdf", frozenset({TRA}), False),
    ("Rail consignment note.pdf", frozenset({TRA}), False),
    ("FCR 2023-88.pdf", frozenset({TRA}), False),
    ("Transport document.pdf", frozenset({TRA}), False),
    ("INV-2023-001.pdf", frozenset({INV}), False),
    ("CommercialInvoice.pdf", frozenset({INV}), False),
    ("Commercial invoice 45.pdf", frozenset({INV}), False),
    ("invoices_march.pdf", frozenset({INV}), False),
    ("Invoice no 2023-45.pdf", frozenset({INV}), False),
    ("Proforma Invoice 12.pdf", frozenset({INV}), True),
    ("Pro-forma invoice.pdf", frozenset({INV}), True),
    ("PI 2023-11 invoice.pdf", frozenset({INV}), True),
    ("PI_Invoice_77.pdf", frozenset({INV}), True),
    ("Invoice + BL.pdf", frozenset({TRA, INV}), False),
    ("InvoiceBL.pdf", frozenset({TRA, INV}), False),
    ("Packing List.pdf", frozenset({OTH}), False),
    ("PL 123.pdf", frozenset({OTH}), False),
    ("Invoice & Packing list.pdf", frozenset({INV}), False),
    ("Phyto certificate.pdf", frozenset({OTH}), False),
    ("Certificate of origin.pdf", frozenset({OTH}), False),
    ("EUR.1 movement.pdf", frozenset({OTH}), False),
    ("CoA lot 12.pdf", frozenset({OTH}), False),
    ("Certificate of Analysis.pdf", frozenset({OTH}), False),
    ("Health certificate.pdf", frozenset({OTH}), False),
    ("COI.CN.2023.0001234.pdf", frozenset({OTH}), False),
    ("Certificate of inspection.pdf", frozenset({OTH}), False),
    ("CHEDP.BE.2023.0012345.pdf", frozenset({OTH}), False),
    ("Customs declaration.pdf", frozenset({OTH}), False),
    ("Arrival notice.pdf", frozenset({OTH}), False),
    ("Delivery note.pdf", frozenset({OTH}), False),
    ("Booking confirmation.pdf", frozenset({OTH}), False),
    ("Insurance certificate.pdf", frozenset({OTH}), False),
    ("Fumigation cert.pdf", frozenset({OTH}), False),
    # Dutch
    ("Factuur_2023_0456.pdf", frozenset({INV}), False),
    ("factuurnr 456.pdf", frozenset({INV}), False),
    ("Proformafactuur.pdf", frozenset({INV}), True),
    ("Zeevrachtbrief.pdf", frozenset({TRA}), False),
    ("Luchtvrachtbrief 176.pdf", frozenset({TRA}), False),
    ("Vrachtbrief CMR.pdf", frozenset({TRA}), False),
    ("Cognossement.pdf", frozenset({TRA}), False),
    ("Transportdocument.pdf", frozenset({TRA}), False),
    ("Vervoersdocument.pdf", frozenset({TRA}), False),
    ("Paklijst.pdf", frozenset({OTH}), False),
    ("Fytosanitair certificaat.pdf", frozenset({OTH}), False),
    ("Inspectiecertificaat.pdf", frozenset({OTH}), False),
    ("Douaneaangifte.pdf", frozenset({OTH}), False),
    ("GGB 2023.pdf", frozenset({OTH}), False),
    # French
    ("Facture N° 45.pdf", frozenset({INV}), False),
    ("Facture pro forma.pdf", frozenset({INV}), True),
    ("Connaissement.pdf", frozenset({TRA}), False),
    ("Lettre de transport aérien.pdf", frozenset({TRA}), False),
    ("LTA 123.pdf", frozenset({TRA}), False),
    ("Lettre de voiture.pdf", frozenset({TRA}), False),
    ("Lettre de voiture ferroviaire.pdf", frozenset({TRA}), False),
    ("Document de transport.pdf", frozenset({TRA}), False),
    ("Liste de colisage.pdf", frozenset({OTH}), False),
    ("Certificat d'origine.pdf", frozenset({OTH}), False),
    # German
    ("Rechnung_4711.pdf", frozenset({INV}), False),
    ("Handelsrechnung.pdf", frozenset({INV}), False),
    ("Proformarechnung.pdf", frozenset({INV}), True),
    ("Konnossement.pdf", frozenset({TRA}), False),
    ("Luftfrachtbrief 123.pdf", frozenset({TRA}), False),
    ("Frachtbrief.pdf", frozenset({TRA}), False),
    ("Transportdokument.pdf", frozenset({TRA}), False),
    ("Packliste.pdf", frozenset({OTH}), False),
    ("Ursprungszeugnis.pdf", frozenset({OTH}), False),
    ("Lieferschein.pdf", frozenset({OTH}), False),
    # Spanish
    ("Factura 2023-45.pdf", frozenset({INV}), False),
    ("Factura proforma.pdf", frozenset({INV}), True),
    ("Conocimiento de embarque.pdf", frozenset({TRA}), False),
    ("Guía aérea.pdf", frozenset({TRA}), False),
    ("Carta de porte.pdf", frozenset({TRA}), False),
    ("Documento de transporte.pdf", frozenset({TRA}), False),
    ("Lista de empaque.pdf", frozenset({OTH}), False),
    ("Certificado fitosanitario.pdf", frozenset({OTH}), False),
    # Italian
    ("Fattura 2023-12.pdf", frozenset({INV}), False),
    ("Polizza di carico.pdf", frozenset({TRA}), False),
    ("Lettera di vettura aerea.pdf", frozenset({TRA}), False),
    ("DDT 45.pdf", frozenset({TRA}), False),
    ("Documento di trasporto.pdf", frozenset({TRA}), False),
    # Portuguese
    ("Fatura comercial.pdf", frozenset({INV}), False),
    ("Nota fiscal 123.pdf", frozenset({INV}), False),
    ("Conhecimento de embarque.pdf", frozenset({TRA}), False),
    ("Conhecimento aéreo.pdf", frozenset({TRA}), False),
    # Chinese and Turkish exporters' own words
    ("海运提单 COSU123.pdf", frozenset({TRA}), False),
    ("发票 2023-45.pdf", frozenset({INV}), False),
    ("形式发票.pdf", frozenset({INV}), True),
    ("装箱单.pdf", frozenset({OTH}), False),
    ("Konşimento.pdf", frozenset({TRA}), False),
    # tricky negatives: short abbreviations inside words, near-misses
    ("blue.pdf", frozenset(), False),
    ("tablet.jpg", frozenset(), False),
    ("invest.pdf", frozenset(), False),
    ("Invitation.pdf", frozenset(), False),
    ("Inventory.xlsx", frozenset(), False),
    ("Plan.pdf", frozenset(), False),
    ("Bolivia export.pdf", frozenset(), False),
    ("Blanco.pdf", frozenset(), False),
    ("Cmrs.pdf", frozenset(), False),
    ("B&L Foods.pdf", frozenset(), False),
    ("PI_123.pdf", frozenset(), False),
    ("Berechnung.xlsx", frozenset(), False),
    ("Rechnungsadresse.docx", frozenset(), False),
    ("Factuuradres.pdf", frozenset(), False),
    ("scan0001.pdf", frozenset(), False),
    ("image001.png", frozenset(), False),
    ("20230502_123456.pdf", frozenset(), False),
    ("", frozenset(), False),
    # ERP numbering: purchase and sales invoices are invoices, not pro-forma ones
    ("PINV-2023-00012.pdf", frozenset({INV}), False),
    ("ACC-SINV-2023-00001.pdf", frozenset({INV}), False),
]


@pytest.mark.parametrize(("filename", "roles", "proforma"), NAME_CASES)
def test_classify_name(filename: str, roles: frozenset[DocRole], proforma: bool) -> None:
    """A file name shows the document's role in any of the desk's languages, and only then."""
    verdict = classify_name(filename)
    assert verdict.roles == roles
    assert verdict.proforma is proforma


def test_name_table_is_large_and_covers_each_role() -> None:
    """The table above holds at least 60 names and every role, and some negatives."""
    assert len(NAME_CASES) >= 60
    seen = {role for _, roles, _ in NAME_CASES for role in roles}
    assert seen == set(DocRole)
    assert sum(1 for _, roles, _ in NAME_CASES if not roles) >= 10


@pytest.mark.parametrize(
    ("filename", "evidence"),
    [
        ("B-L 4711.pdf", 'file name says "B-L"'),
        ("Invoice + BL.pdf", 'file name says "Invoice" and "BL"'),
        ("Konnossement.pdf", 'file name says "Konnossement"'),
        ("Lettre de transport aérien.pdf", 'file name says "Lettre de transport aérien"'),
        ("blue.pdf", ""),
    ],
)
def test_name_evidence_quotes_the_words_as_written(filename: str, evidence: str) -> None:
    """The evidence quotes the words of the name that showed the role, accents and case kept."""
    assert classify_name(filename).evidence == evidence


BILL_OF_LADING = """MAERSK
BILL OF LADING FOR OCEAN TRANSPORT OR MULTIMODAL TRANSPORT
B/L No.: MAEU123456
Shipper: Ginger Export Co., Qingdao
Consignee: TO ORDER
Description of goods: 20 bags organic ginger as per invoice no 2023-45
Invoice No: 2023-45
"""
INVOICE = """ACME Trading BV
COMMERCIAL INVOICE
Invoice No: 2023-45
B/L No: MAEU123456
Bill of Lading: MAEU123456
Total: 1000 EUR
"""

TEXT_CASES: list[tuple[str, str, frozenset[DocRole], bool]] = [
    ("bill of lading quoting the invoice number", BILL_OF_LADING, frozenset({TRA}), False),
    ("invoice quoting the B/L number", INVOICE, frozenset({INV}), False),
    (
        "title after a field label",
        "Shipper\nACME Ltd\nInvoice No: 123\nNON-NEGOTIABLE SEA WAYBILL\n",
        frozenset({TRA}),
        False,
    ),
    (
        "invoice and bill of lading on separate pages",
        "COMMERCIAL INVOICE\nInvoice No: 1\nB/L No: 2\fBILL OF LADING\nB/L No: 2\nInvoice no: 1",
        frozenset({TRA, INV}),
        False,
    ),
    ("pro-forma invoice", "PROFORMA INVOICE\nPI No: 12\n", frozenset({INV}), True),
    (
        "packing list quoting both",
        "PACKING LIST\nInvoice No: 45\nB/L No 123\n",
        frozenset({OTH}),
        False,
    ),
    (
        "Dutch invoice",
        "Factuur\nFactuurnummer: 123\nFactuurdatum: 1-1-2023",
        frozenset({INV}),
        False,
    ),
    (
        "German invoice label only",
        "Muster GmbH\nRechnung Nr. 4711\nLieferschein Nr 123\n",
        frozenset({INV}),
        False,
    ),
    ("French invoice label only", "Société X\nFACTURE N° 2023-45\n", frozenset({INV}), False),
    (
        "CMR consignment note",
        "1 Absender / Expéditeur\nINTERNATIONALER FRACHTBRIEF\n"
        "LETTRE DE VOITURE INTERNATIONALE\nCMR\n",
        frozenset({TRA}),
        False,
    ),
    ("CMR standing alone", "Sender\nCMR\nConsignee\n", frozenset({TRA}), False),
    (
        "air waybill",
        "Shipper's Name and Address\nAir Waybill\nNot negotiable\n",
        frozenset({TRA}),
        False,
    ),
    (
        "B/L label only",
        "B/L No: MAEU123\nShipper ACME\nAS PER INVOICE NO. 123\n",
        frozenset({TRA}),
        False,
    ),
    (
        "COI print with a numbered transport box",
        "CERTIFICATE OF INSPECTION FOR THE IMPORT OF PRODUCTS FROM ORGANIC PRODUCTION\n"
        "15. Transport document\n",
        frozenset({OTH}),
        False,
    ),
    (
        "sentences are not titles",
        "This bill of lading is subject to the Hague rules\nThe invoice will follow\n",
        frozenset(),
        False,
    ),
    ("shouted sentence", "THIS BILL OF LADING IS SUBJECT TO\n", frozenset(), False),
    (
        "invoice address is a field",
        "Invoice address:\nACME\nInvoice to\nBILL OF LADING\n",
        frozenset({TRA}),
        False,
    ),
    (
        "AWB number on an invoice is no title",
        "AWB 176-12345675\nINVOICE\n",
        frozenset({INV}),
        False,
    ),
    ("nothing", "Dear customer, please find the goods.", frozenset(), False),
    ("empty", "", frozenset(), False),
]


@pytest.mark.parametrize(
    ("text", "roles", "proforma"), [c[1:] for c in TEXT_CASES], ids=[c[0] for c in TEXT_CASES]
)
def test_classify_text(text: str, roles: frozenset[DocRole], proforma: bool) -> None:
    """A document's text shows its role by its titles, not by the numbers it quotes."""
    verdict = classify_text(text)
    assert verdict.roles == roles
    assert verdict.proforma is proforma


def test_text_evidence_names_the_title() -> None:
    """The evidence quotes the title that decided, prefixed by where the text came from."""
    assert (
        classify_text(INVOICE, source="PDF text").evidence == 'PDF text says "COMMERCIAL INVOICE"'
    )
    assert classify_text(BILL_OF_LADING).evidence == 'text says "BILL OF LADING"'


def test_titles_past_the_head_of_the_page_do_not_count() -> None:
    """Only the first part of a page is searched for titles."""
    text = "\n".join(f"line {n} of the terms" for n in range(200)) + "\nBILL OF LADING\n"
    assert classify_text(text).roles == frozenset()


def _attachment(
    filename: str,
    payload: bytes,
    detected: FileType,
    *,
    inline: bool = False,
    content_id: bool = False,
    encrypted: bool = False,
) -> Attachment:
    return Attachment(
        filename=filename,
        content_type="application/octet-stream",
        detected_type=detected,
        size_bytes=len(payload),
        payload=payload,
        inline=inline,
        content_id=content_id,
        encrypted=encrypted,
    )


def _flags(verdict: AttachmentVerdict) -> list[Flag]:
    return [flag for flag, _ in verdict.notes]


def _encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["BILL OF LADING"]]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_name_decides_before_the_text() -> None:
    """A name that shows a role wins over the PDF's text."""
    pdf = make_pdf([["COMMERCIAL INVOICE"]])
    verdict = classify_attachment(_attachment("BL 4711.pdf", pdf, FileType.PDF), LIMITS)
    assert verdict.roles == frozenset({TRA})
    assert verdict.evidence == 'file name says "BL"'
    assert verdict.notes == ()


def test_pdf_text_decides_when_the_name_says_nothing() -> None:
    """A PDF named 'scan0001.pdf' is classified by the title on its first page."""
    pdf = make_pdf([["MAERSK", "BILL OF LADING", "B/L No: MAEU1", "Invoice No: 45"]])
    verdict = classify_attachment(_attachment("scan0001.pdf", pdf, FileType.PDF), LIMITS)
    assert verdict.roles == frozenset({TRA})
    assert verdict.evidence == 'PDF text says "BILL OF LADING"'
    assert not verdict.ignored


def test_pages_past_the_limit_are_not_read() -> None:
    """Only limits.max_pdf_pages first pages are read for titles."""
    pdf = make_pdf([["terms"], ["more terms"], ["COMMERCIAL INVOICE"]])
    verdict = classify_attachment(
        _attachment("scan.pdf", pdf, FileType.PDF), ParseLimits(max_pdf_pages=2)
    )
    assert verdict.roles == frozenset({OTH})
    assert verdict.evidence == "not recognised"


def test_unrecognised_document_is_other() -> None:
    """A document recognised by neither name nor text is an other document, not recognised."""
    pdf = make_pdf([["Dear customer"]])
    verdict = classify_attachment(_attachment("scan.pdf", pdf, FileType.PDF), LIMITS)
    assert (verdict.roles, verdict.evidence, verdict.ignored) == (
        frozenset({OTH}),
        "not recognised",
        False,
    )


def test_proforma_invoice_is_flagged() -> None:
    """A pro-forma invoice carries the PROFORMA_INVOICE note."""
    pdf = make_pdf([["PROFORMA INVOICE"]])
    verdict = classify_attachment(_attachment("doc.pdf", pdf, FileType.PDF), LIMITS)
    assert verdict.roles == frozenset({INV})
    assert verdict.proforma
    assert _flags(verdict) == [Flag.PROFORMA_INVOICE]


def test_pdf_named_file_that_is_a_png_is_a_mismatch() -> None:
    """'invoice.pdf' whose bytes are a PNG keeps its role and gets a type-mismatch note."""
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40_000
    verdict = classify_attachment(_attachment("invoice.pdf", png, FileType.PNG), LIMITS)
    assert verdict.roles == frozenset({INV})
    assert _flags(verdict) == [Flag.ATTACHMENT_TYPE_MISMATCH]
    assert "a PNG image" in verdict.notes[0][1]


def test_pdf_named_file_that_is_html_is_a_mismatch() -> None:
    """'BL.pdf' that is really an HTML page (a portal's login page) is flagged."""
    html = b"<!DOCTYPE html><html><body>Please log in</body></html>"
    verdict = classify_attachment(_attachment("BL.pdf", html, FileType.HTML), LIMITS)
    assert _flags(verdict) == [Flag.ATTACHMENT_TYPE_MISMATCH]
    assert verdict.notes[0][1] == "'BL.pdf' is named .pdf, but its content is an HTML page."


def test_encrypted_pdf_is_flagged_even_when_named() -> None:
    """A PDF that needs a password is flagged encrypted, and its name still gives the role."""
    payload = _encrypted_pdf("secret")
    verdict = classify_attachment(_attachment("BL.pdf", payload, FileType.PDF), LIMITS)
    assert verdict.roles == frozenset({TRA})
    assert _flags(verdict) == [Flag.ENCRYPTED_ATTACHMENT]


def test_owner_protected_pdf_is_read_without_a_flag() -> None:
    """A PDF with an empty user password is read and not flagged."""
    payload = _encrypted_pdf("")
    verdict = classify_attachment(_attachment("scan.pdf", payload, FileType.PDF), LIMITS)
    assert verdict.roles == frozenset({TRA})
    assert verdict.notes == ()


def test_broken_pdf_is_flagged_unreadable() -> None:
    """A truncated PDF gets the UNREADABLE_ATTACHMENT note and is an unrecognised document."""
    pdf = make_pdf([["BILL OF LADING"]])
    verdict = classify_attachment(_attachment("scan.pdf", pdf[:150], FileType.PDF), LIMITS)
    assert _flags(verdict) == [Flag.UNREADABLE_ATTACHMENT]
    assert verdict.roles == frozenset({OTH})


def test_empty_file_is_unreadable() -> None:
    """An empty attachment is noted as unreadable, not as a type mismatch."""
    verdict = classify_attachment(_attachment("invoice.pdf", b"", FileType.EMPTY), LIMITS)
    assert _flags(verdict) == [Flag.UNREADABLE_ATTACHMENT]
    assert verdict.roles == frozenset({INV})


def test_encrypted_archive_member_is_flagged() -> None:
    """A file the parser found encrypted (in a zip) is noted as such, not as a mismatch."""
    att = _attachment("BL.pdf", b"\x00\x01", FileType.UNKNOWN, encrypted=True)
    verdict = classify_attachment(att, LIMITS)
    assert _flags(verdict) == [Flag.ENCRYPTED_ATTACHMENT]


@pytest.mark.parametrize(
    ("filename", "detected"),
    [
        ("docs.zip", FileType.ZIP),
        ("winmail.dat", FileType.TNEF),
        ("Fwd: COI.CN.2023.0001234.eml", FileType.MESSAGE),
        ("BL.zip", FileType.ZIP),
    ],
)
def test_containers_are_not_documents(filename: str, detected: FileType) -> None:
    """A zip, winmail.dat or attached mail is a container: no roles, not ignored."""
    verdict = classify_attachment(_attachment(filename, b"PK\x03\x04", detected), LIMITS)
    assert (verdict.roles, verdict.evidence, verdict.ignored) == (frozenset(), "container", False)


@pytest.mark.parametrize(
    ("filename", "size_bytes", "inline", "content_id", "ignored"),
    [
        ("image001.png", 4_000, False, False, True),
        ("Outlook-xk3fa2.png", 9_000, False, False, True),
        ("logo.png", 12_000, False, False, True),
        ("", 3_000, False, False, True),
        ("photo.jpg", 500_000, True, False, True),
        ("screenshot.png", 200_000, False, True, True),
        ("image001.png", 200_000, False, False, False),
        ("IMG_2231.jpg", 2_000_000, False, False, False),
        ("BL scan.jpg", 900_000, True, True, False),
        ("invoice.png", 8_000, False, False, False),
    ],
)
def test_logos_and_signature_images_are_ignored(
    filename: str, size_bytes: int, inline: bool, content_id: bool, ignored: bool
) -> None:
    """Inline images and small generic images are ignored unless their name shows a role."""
    payload = b"\x89PNG\r\n\x1a\n" + b"\x00" * (size_bytes - 8)
    att = _attachment(filename, payload, FileType.PNG, inline=inline, content_id=content_id)
    verdict = classify_attachment(att, LIMITS)
    assert verdict.ignored is ignored
    if ignored:
        assert verdict.roles == frozenset()
    else:
        assert verdict.roles


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_classify_name_never_raises(filename: str) -> None:
    """Arbitrary names give a verdict whose evidence is set exactly when a role is."""
    verdict = classify_name(filename)
    assert verdict.roles <= set(DocRole)
    assert bool(verdict.evidence) == bool(verdict.roles)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_classify_text_never_raises(text: str) -> None:
    """Arbitrary text gives a verdict."""
    assert classify_text(text).roles <= set(DocRole)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["BL", "invoice", "Rechnung", "B/L", "No", ":", "\n", " ", "PI", "\f"]),
        max_size=40,
    )
)
def test_classify_text_never_raises_on_lexicon_soup(words: list[str]) -> None:
    """Text made of the lexicon's own words and separators gives a verdict."""
    assert classify_text(" ".join(words)).roles <= set(DocRole)


def test_hostile_long_name_is_fast() -> None:
    """A very long name full of separators is bounded before any matching."""
    verdict = classify_name("B/" * 200_000 + "L.pdf")
    assert verdict.roles == frozenset({TRA})
