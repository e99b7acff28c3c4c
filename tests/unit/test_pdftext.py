"""Tests for reading the text of a PDF's first pages, bounded and without ever raising."""

from __future__ import annotations

import io
import logging
import re
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PageObject, PdfReader, PdfWriter

from intake.parse.pdftext import PAGE_SEPARATOR, PdfText, pdf_text
from tests.support.pdf import make_pdf

THREE_PAGES = make_pdf(
    [["BILL OF LADING", "B/L No: MAEU123456"], ["page two text"], ["page three text"]]
)


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(THREE_PAGES)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_reads_the_text_of_the_first_pages() -> None:
    """The text of the pages asked for comes back, pages joined by a form feed."""
    result = pdf_text(THREE_PAGES, max_pages=2, max_chars=10_000)
    assert result == PdfText(
        text=f"BILL OF LADING\nB/L No: MAEU123456{PAGE_SEPARATOR}page two text",
        pages_read=2,
        page_count=3,
        encrypted=False,
        error=None,
    )


def test_max_chars_bounds_the_text() -> None:
    """No more than max_chars characters come back, and reading stops there."""
    result = pdf_text(THREE_PAGES, max_pages=3, max_chars=10)
    assert result.text == "BILL OF LA"
    assert result.pages_read == 1
    assert result.error is None


def test_zero_pages_only_opens_the_file() -> None:
    """With max_pages=0 the file is opened and counted but no text is read."""
    result = pdf_text(THREE_PAGES, max_pages=0, max_chars=10_000)
    assert (result.text, result.pages_read, result.page_count, result.error) == ("", 0, 3, None)


def test_uncompressed_and_padded_pdfs_are_read() -> None:
    """A large file (a scanned-image-sized padding) and uncompressed streams read the same."""
    padded = make_pdf([["Commercial Invoice"]], padding_bytes=300_000, compress=False)
    assert pdf_text(padded, max_pages=1, max_chars=1000).text == "Commercial Invoice"


BROKEN = [
    ("empty", b""),
    ("not a pdf", b"this is not a pdf at all"),
    ("header only", b"%PDF-1.4\n"),
    ("garbage after header", b"%PDF-1.4\n" + bytes(range(256)) * 8),
    ("truncated to half", THREE_PAGES[: len(THREE_PAGES) // 2]),
    ("truncated header", THREE_PAGES[:200]),
    ("html named pdf", b"<!DOCTYPE html><html><body>Login</body></html>"),
]


@pytest.mark.parametrize("data", [b[1] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_pdf_gives_an_error_not_an_exception(data: bytes) -> None:
    """A broken or truncated file gives a result that names the problem."""
    result = pdf_text(data, max_pages=3, max_chars=10_000)
    assert result.error
    assert result.pages_read == 0
    assert result.text == ""
    assert result.encrypted is False


def test_encrypted_pdf_with_a_user_password_is_not_read() -> None:
    """A PDF that needs a password is reported as encrypted, with an error and no text."""
    result = pdf_text(_encrypted("secret"), max_pages=3, max_chars=10_000)
    assert result.encrypted is True
    assert result.error is not None
    assert "password" in result.error
    assert result.text == ""


def test_encrypted_pdf_with_an_empty_user_password_is_read() -> None:
    """Owner-only protection (empty user password) still lets the text be read."""
    result = pdf_text(_encrypted(""), max_pages=1, max_chars=10_000)
    assert result.encrypted is True
    assert result.error is None
    assert result.text.startswith("BILL OF LADING")


def test_unsupported_cipher_is_reported_as_encrypted() -> None:
    """An AES-256 file this installation cannot decrypt is encrypted and unread, not a crash."""
    zeros = b"<" + b"00" * 48 + b">"
    key = b"<" + b"00" * 32 + b">"
    encrypt = (
        b"/Encrypt << /Filter /Standard /V 5 /R 6 /Length 256 /P -4 /O %s /U %s /OE %s /UE %s "
        b"/Perms <%s> >> /ID [<00><00>]" % (zeros, zeros, key, key, b"00" * 16)
    )
    data = THREE_PAGES.replace(b"trailer\n<<", b"trailer\n<< " + encrypt)
    result = pdf_text(data, max_pages=1, max_chars=10_000)
    assert result.encrypted is True
    assert result.error is not None
    assert result.text == ""


def test_a_failing_page_keeps_the_pages_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """When page 2 cannot be read, page 1's text is kept and the error names page 2."""
    original = PageObject.extract_text
    calls = {"count": 0}

    def failing_second(self: PageObject, *args: object, **kwargs: object) -> str:
        calls["count"] += 1
        if calls["count"] == 2:
            raise ValueError("bad content stream")
        return original(self)

    monkeypatch.setattr(PageObject, "extract_text", failing_second)
    result = pdf_text(THREE_PAGES, max_pages=3, max_chars=10_000)
    assert result.pages_read == 1
    assert result.text.startswith("BILL OF LADING")
    assert result.error is not None
    assert result.error.startswith("page 2: ValueError")


def test_pypdf_logging_is_silenced_and_restored(caplog: pytest.LogCaptureFixture) -> None:
    """Reading a broken file logs nothing from pypdf, and the logger level is restored."""
    logger = logging.getLogger("pypdf")
    before = logger.level
    # A wrong startxref offset makes pypdf log warnings while it rebuilds the table.
    broken = re.sub(rb"startxref\n\d+", b"startxref\n9", THREE_PAGES)
    with caplog.at_level(logging.DEBUG):
        result = pdf_text(broken, max_pages=1, max_chars=10_000)
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []
    assert logger.level == before
    assert result.text.startswith("BILL OF LADING")


def test_no_python_warning_escapes() -> None:
    """Warnings raised inside pypdf stay inside the call (tests turn them into errors)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdf_text(THREE_PAGES[:-40] + b"%%EOF garbage", max_pages=3, max_chars=10_000)
        pdf_text(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj", max_pages=3, max_chars=100)
    assert caught == []


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    """Any bytes at all give a PdfText."""
    assert isinstance(pdf_text(b"%PDF-1.4\n" + data, max_pages=2, max_chars=1000), PdfText)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=0, max_value=len(THREE_PAGES) - 1),
    st.integers(min_value=0, max_value=255),
    st.integers(min_value=1, max_value=len(THREE_PAGES)),
)
def test_damaged_pdf_never_raises(at: int, byte: int, keep: int) -> None:
    """A real PDF with one byte changed and its tail cut off gives a PdfText."""
    damaged = (THREE_PAGES[:at] + bytes([byte]) + THREE_PAGES[at + 1 :])[:keep]
    result = pdf_text(damaged, max_pages=3, max_chars=1000)
    assert len(result.text) <= 1000
    assert result.pages_read <= 3
