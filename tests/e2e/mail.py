"""Mail an importer sends the desk, built as a mail client would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from tests.support.pdf import make_pdf


def importer(number: int) -> str:
    """The address of the ``number``-th importer (a real-looking domain: the desk answers)."""
    return f"import{number}@bioimport-{number % 7}.be"


def coi(number: int) -> str:
    """The COI reference of the ``number``-th notification."""
    return f"COI.EC.{datetime.now(UTC).year}.{number:07d}"


def notification(number: int, *, secret: str = "", sender: str | None = None) -> bytes:
    """A complete notification: COI in the subject, ETA in the body, B/L and invoice attached;
    ``secret`` is a body line that must never reach a log; ``sender`` replaces the From."""
    now = datetime.now(UTC)
    eta = (now + timedelta(days=2)).strftime("%d/%m/%Y")
    msg = EmailMessage()
    msg["From"] = f"Importer {number} <{sender or importer(number)}>"
    msg["To"] = "importbio@lv.vlaanderen.be"
    msg["Subject"] = f"Aanmelding {coi(number)}"
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(idstring=f"n{number}", domain=f"bioimport-{number % 7}.be")
    msg.set_content(
        f"Beste,\n\nIn bijlage de documenten voor {coi(number)}.\nETA Antwerpen: {eta}.\n"
        f"{secret}\n\nMet vriendelijke groeten,\nImporter {number}\n"
    )
    bl = make_pdf([["BILL OF LADING", f"B/L No. {number:08d}", f"Reference {coi(number)}"]])
    invoice = make_pdf([["COMMERCIAL INVOICE", f"Invoice No. {number:06d}"]])
    msg.add_attachment(bl, maintype="application", subtype="pdf", filename=f"BL {number}.pdf")
    msg.add_attachment(
        invoice, maintype="application", subtype="pdf", filename=f"Invoice {number}.pdf"
    )
    return msg.as_bytes(policy=SMTP)
