"""Mail an importer sends the desk, built as a mail client would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
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


def notification(
    number: int,
    *,
    secret: str = "",
    sender: str | None = None,
    eta: date | None = None,
    invoice: bool = True,
) -> bytes:
    """A complete notification: COI in the subject, ETA in the body (in two days unless
    ``eta``), B/L and invoice attached (no invoice unless ``invoice``); ``secret`` is a body
    line that must never reach a log; ``sender`` replaces the From."""
    now = datetime.now(UTC)
    arrives = eta or (now + timedelta(days=2)).date()
    eta_text = arrives.strftime("%d/%m/%Y")
    msg = EmailMessage()
    msg["From"] = f"Importer {number} <{sender or importer(number)}>"
    msg["To"] = "importbio@lv.vlaanderen.be"
    msg["Subject"] = f"Aanmelding {coi(number)}"
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(idstring=f"n{number}", domain=f"bioimport-{number % 7}.be")
    msg.set_content(
        f"Beste,\n\nIn bijlage de documenten voor {coi(number)}.\nETA Antwerpen: {eta_text}.\n"
        f"{secret}\n\nMet vriendelijke groeten,\nImporter {number}\n"
    )
    bl = make_pdf([["BILL OF LADING", f"B/L No. {number:08d}", f"Reference {coi(number)}"]])
    msg.add_attachment(bl, maintype="application", subtype="pdf", filename=f"BL {number}.pdf")
    if invoice:
        bill = make_pdf([["COMMERCIAL INVOICE", f"Invoice No. {number:06d}"]])
        msg.add_attachment(
            bill, maintype="application", subtype="pdf", filename=f"Invoice {number}.pdf"
        )
    return msg.as_bytes(policy=SMTP)
