"""Generated realistic notification mails for benchmarks.

Each message imitates what the desk receives most: an Outlook- or Gmail-style
multipart/mixed mail, a text and an HTML body in Dutch, English or French, a COI
reference in the subject, an ETA sentence, and two PDF attachments (a bill of lading
and an invoice) whose sizes make the whole message about the requested size. Below
about 20 KB the PDFs are small text-only files, as invoicing software writes them; the
smallest message (two one-page PDFs, nothing padded) is about 3.5 KB.
Messages are produced one at a time from their number, so a corpus of any length
costs no memory to hold.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from tests.support.pdf import make_pdf

_COUNTRIES = ("CN", "IN", "PE", "TR", "UA", "EG", "MA", "CO", "EC", "VN", "LK", "KE")
_BODIES = (
    (
        "Beste,\n\nIn bijlage de documenten voor {coi}.\nETA Antwerpen: {eta}.\n\n"
        "Met vriendelijke groeten,\n{name}\nImport Logistics NV"
    ),
    (
        "Dear import desk,\n\nPlease find attached the bill of lading and the invoice for {coi}.\n"
        "Expected arrival: {eta}.\n\nKind regards,\n{name}"
    ),
    (
        "Bonjour,\n\nVeuillez trouver ci-joint le connaissement et la facture pour {coi}.\n"
        "Date d'arrivée prévue : {eta}.\n\nCordialement,\n{name}"
    ),
)
# Headers, both bodies, MIME framing and two unpadded one-page PDFs, base64-encoded.
_SMALLEST_BYTES = 3_720
_NAMES = ("An Peeters", "Jan Janssens", "Marie Dubois", "Tom Maes", "Sofie Claes")


def message(number: int, *, size_bytes: int = 400_000) -> bytes:
    """The ``number``-th message of the corpus, about ``size_bytes`` long."""
    rng = random.Random(number)  # noqa: S311 - test data, not secrets
    country = rng.choice(_COUNTRIES)
    coi = f"COI.{country}.2023.{rng.randrange(1, 9_999_999):07d}"
    sent = datetime(2023, 5, 2, 8, tzinfo=UTC) + timedelta(minutes=number)
    eta = (sent + timedelta(days=rng.randrange(1, 7))).strftime("%d/%m/%Y")
    name = rng.choice(_NAMES)
    body = rng.choice(_BODIES).format(coi=coi, eta=eta, name=name)

    msg = EmailMessage()
    msg["From"] = f"{name} <import{number % 97}@example.be>"
    msg["To"] = "importbio@example.org"
    msg["Subject"] = f"Aanmelding {coi}" if number % 3 else f"Notification {coi} - ETA {eta}"
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = make_msgid(idstring=str(number), domain="mail.example.be")
    msg["X-Mailer"] = "Microsoft Outlook 16.0"
    msg.set_content(body)
    msg.add_alternative(
        "<html><body>" + "".join(f"<p>{line}</p>" for line in body.splitlines()) + "</body></html>",
        subtype="html",
    )
    padding = _pdf_padding_bytes(size_bytes)
    bl = make_pdf(
        [["BILL OF LADING", f"B/L No. {number:08d}", f"Reference {coi}"]], padding_bytes=padding
    )
    invoice = make_pdf([["COMMERCIAL INVOICE", f"Invoice No. {number:06d}"]], padding_bytes=padding)
    msg.add_attachment(bl, maintype="application", subtype="pdf", filename=f"BL {number:05d}.pdf")
    msg.add_attachment(
        invoice, maintype="application", subtype="pdf", filename=f"Invoice {number:05d}.pdf"
    )
    return msg.as_bytes(policy=SMTP)


def _pdf_padding_bytes(size_bytes: int) -> int:
    """Padding per PDF that brings the whole message to about ``size_bytes``."""
    # Half the room above the smallest message goes to each PDF; base64 turns 3 bytes
    # into 4 and ends every 76 characters with CRLF.
    return max(0, int((size_bytes - _SMALLEST_BYTES) / 2 * 3 / 4 * 76 / 78))


def corpus(count: int, *, size_bytes: int = 400_000) -> Iterator[bytes]:
    """``count`` messages, generated one at a time."""
    for number in range(count):
        yield message(number, size_bytes=size_bytes)
