"""Tests for telling a file's true type from its first bytes, and what its name promises."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.codes import FileType
from intake.parse.filetype import HEAD_BYTES, detect_file_type, extension_types
from tests.support.pdf import make_pdf


def _zip(*entries: tuple[str, bytes], stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if stored_first and number == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return buffer.getvalue()


def _ooxml(part: str) -> bytes:
    return _zip(
        ("[Content_Types].xml", b"<Types/>" * 40),
        ("_rels/.rels", b"<Relationships/>"),
        (part, b"<document/>" * 100),
    )


_BMP = b"BM" + (70).to_bytes(4, "little") + b"\x00" * 4 + (54).to_bytes(4, "little")
_BMP += (40).to_bytes(4, "little") + b"\x01\x00\x00\x00" * 4

MAGIC_CASES: list[tuple[str, bytes, FileType]] = [
    ("pdf", make_pdf([["hello"]]), FileType.PDF),
    ("pdf after junk", b"\x00junk from a mail gateway\r\n%PDF-1.7\n...", FileType.PDF),
    ("zip", _zip(("a.txt", b"hello"), ("b.csv", b"1,2")), FileType.ZIP),
    ("empty zip", b"PK\x05\x06" + b"\x00" * 18, FileType.ZIP),
    ("docx", _ooxml("word/document.xml"), FileType.DOCX),
    ("xlsx", _ooxml("xl/workbook.xml"), FileType.XLSX),
    ("pptx", _ooxml("ppt/presentation.xml"), FileType.PPTX),
    (
        "odt",
        _zip(
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b"<office/>"),
            stored_first=True,
        ),
        FileType.ODF,
    ),
    (
        "epub is a plain zip",
        _zip(("mimetype", b"application/epub+zip"), ("a.xhtml", b"<x/>"), stored_first=True),
        FileType.ZIP,
    ),
    ("ole2", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, FileType.OLE2),
    ("rtf", b"{\\rtf1\\ansi\\deff0 {\\fonttbl}}", FileType.RTF),
    ("tnef", b"\x78\x9f\x3e\x22\x01\x00\x01\x06\x90", FileType.TNEF),
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", FileType.PNG),
    ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", FileType.JPEG),
    ("gif87", b"GIF87a\x01\x00\x01\x00", FileType.GIF),
    ("gif89", b"GIF89a\x01\x00\x01\x00", FileType.GIF),
    ("tiff little-endian", b"II*\x00\x08\x00\x00\x00", FileType.TIFF),
    ("tiff big-endian", b"MM\x00*\x00\x00\x00\x08", FileType.TIFF),
    ("bmp", _BMP, FileType.BMP),
    ("webp", b"RIFF\x24\x00\x00\x00WEBPVP8 ", FileType.WEBP),
    ("heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", FileType.HEIC),
    ("heif mif1", b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", FileType.HEIC),
    ("gzip", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", FileType.GZIP),
    ("7z", b"7z\xbc\xaf\x27\x1c\x00\x04", FileType.SEVEN_ZIP),
    ("rar4", b"Rar!\x1a\x07\x00\xcf\x90\x73", FileType.RAR),
    ("rar5", b"Rar!\x1a\x07\x01\x00\x33\x92", FileType.RAR),
    ("html", b"<!DOCTYPE html><html><body>x</body></html>", FileType.HTML),
    ("html lower tag", b"<html>\n<head><title>Invoice</title>", FileType.HTML),
    ("html after bom and blanks", b"\xef\xbb\xbf\r\n  \t<!doctype HTML>", FileType.HTML),
    (
        "html after a comment",
        b"<!-- saved from url=(0014)about:internet -->\n<html>",
        FileType.HTML,
    ),
    ("xhtml", b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">', FileType.HTML),
    ("xml", b'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice/>', FileType.XML),
    ("xml after bom", b'\xef\xbb\xbf<?xml version="1.0"?><a/>', FileType.XML),
    (
        "message",
        b"Received: from mx.example.org\r\n\tby mail.example.com; Tue, 2 May 2023\r\n"
        b"From: Shipper <ops@example.org>\r\nSubject: BL\r\n\r\nSee attached.\r\n",
        FileType.MESSAGE,
    ),
    (
        "message starting with Return-Path",
        b"Return-Path: <a@example.org>\nMessage-ID: <1@x>\nMIME-Version: 1.0\n\nbody",
        FileType.MESSAGE,
    ),
    (
        "message saved by Thunderbird",
        b"X-Mozilla-Status: 0001\nX-Mozilla-Status2: 00000000\nDate: Tue, 2 May 2023\n\nx",
        FileType.MESSAGE,
    ),
    (
        "mbox message",
        b"From a@b Tue May  2 10:00:00 2023\nFrom: a@b\nTo: c@d\n\nx",
        FileType.MESSAGE,
    ),
    ("text utf-8", "Factuur 2023 — biologische gember, €1.200".encode(), FileType.TEXT),
    ("text cp1252", "Facture n° 45, quantité: 12, prix: 3€".encode("cp1252"), FileType.TEXT),
    ("text utf-16 with bom", "\ufeffInvoice 12, total 1000".encode("utf-16-le"), FileType.TEXT),
    (
        "text with a header-like first line",
        b"Subject: organic ginger\nsee the invoice",
        FileType.TEXT,
    ),
    ("text starting BM", b"BMW parts invoice\nline two", FileType.TEXT),
    ("text mentioning %PDF-", b"The header %PDF- is what a PDF starts with.", FileType.TEXT),
    ("empty", b"", FileType.EMPTY),
    ("unknown binary", bytes(range(256)) * 4, FileType.UNKNOWN),
    ("unknown: nul bytes", b"abc\x00\x00\x00def", FileType.UNKNOWN),
]


@pytest.mark.parametrize(
    ("data", "expected"), [c[1:] for c in MAGIC_CASES], ids=[c[0] for c in MAGIC_CASES]
)
def test_detects_type_from_magic_bytes(data: bytes, expected: FileType) -> None:
    """Each kind of file the desk receives is told apart by its first bytes."""
    assert detect_file_type(data) is expected


def test_every_file_type_has_a_magic_case() -> None:
    """The table above covers every FileType, so none is left untested."""
    assert {case[2] for case in MAGIC_CASES} == set(FileType)


def test_pdf_header_past_the_first_kib_is_not_a_pdf() -> None:
    """Readers accept %PDF- only within the first 1024 bytes; later it is just text."""
    data = b"x" * 1100 + b"%PDF-1.4\n"
    assert detect_file_type(data) is FileType.TEXT


def test_only_the_first_8_kib_are_read() -> None:
    """Whatever follows the first 8 KiB cannot change the verdict."""
    head = b"plain words " * (HEAD_BYTES // 12 + 1)
    assert len(head) >= HEAD_BYTES
    assert detect_file_type(head + bytes(range(256)) * 100) is FileType.TEXT


def test_utf8_character_cut_by_the_window_is_still_text() -> None:
    """A multi-byte character split at the 8 KiB boundary does not make text binary."""
    data = b"a" * (HEAD_BYTES - 1) + "é".encode()
    assert detect_file_type(data) is FileType.TEXT


def test_ooxml_parts_past_the_window_read_as_zip() -> None:
    """When the Word part names lie past the first 8 KiB the file is only known as a zip."""
    thumbnail = b"\xff\xd8\xff" + b"\x00" * HEAD_BYTES
    data = _zip(
        ("docProps/thumbnail.jpeg", thumbnail), ("word/document.xml", b"<w/>"), stored_first=True
    )
    assert detect_file_type(data) is FileType.ZIP


class _Unseekable:
    """A write-only stream, as when a zip is streamed: the writer then uses data descriptors."""

    def __init__(self) -> None:
        self.written = bytearray()

    def write(self, data: bytes) -> int:
        self.written += data
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered."""

    def close(self) -> None:
        """Nothing to release."""


def test_zip_with_data_descriptors_is_refined() -> None:
    """Entries streamed with a data descriptor (no sizes up front) are still named."""
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("[Content_Types].xml", "xl/workbook.xml"):
            with archive.open(name, "w") as member:
                member.write(b"<x/>" * 50)
    data = bytes(stream.written)
    assert data[6] & 0x08, "the writer should have used a data descriptor"
    assert detect_file_type(data) is FileType.XLSX


EXTENSION_CASES: list[tuple[str, frozenset[FileType]]] = [
    ("invoice.pdf", frozenset({FileType.PDF})),
    ("SCAN.PDF", frozenset({FileType.PDF})),
    ("photo.jpg", frozenset({FileType.JPEG})),
    ("photo.jpeg", frozenset({FileType.JPEG})),
    ("photo.jfif", frozenset({FileType.JPEG})),
    ("logo.png", frozenset({FileType.PNG})),
    ("mail.msg", frozenset({FileType.OLE2})),
    ("old.doc", frozenset({FileType.OLE2, FileType.RTF, FileType.HTML})),
    ("old.xls", frozenset({FileType.OLE2, FileType.HTML, FileType.XML})),
    ("letter.docx", frozenset({FileType.DOCX, FileType.ZIP})),
    ("sheet.xlsx", frozenset({FileType.XLSX, FileType.ZIP})),
    ("docs.zip", frozenset({FileType.ZIP})),
    ("notes.txt", frozenset({FileType.TEXT, FileType.HTML, FileType.XML, FileType.MESSAGE})),
    ("winmail.dat", frozenset({FileType.TNEF})),
    ("WINMAIL.DAT", frozenset({FileType.TNEF})),
    ("forward.eml", frozenset({FileType.MESSAGE, FileType.TEXT})),
    ("scan.tiff", frozenset({FileType.TIFF})),
    ("iphone.heic", frozenset({FileType.HEIC})),
    ("data.dat", frozenset()),
    ("README", frozenset()),
    (".pdf", frozenset()),
    ("archive.tar.gz", frozenset({FileType.GZIP})),
    ("weird.pdf.", frozenset({FileType.PDF})),
    ("docs.zip/BL.pdf", frozenset({FileType.PDF})),
]


@pytest.mark.parametrize(("filename", "expected"), EXTENSION_CASES)
def test_extension_promises(filename: str, expected: frozenset[FileType]) -> None:
    """A file name's extension promises a small set of true types, or nothing."""
    assert extension_types(filename) == expected


def test_a_pdf_name_on_html_bytes_breaks_the_promise() -> None:
    """Together the two functions flag a '.pdf' that is really an HTML page."""
    data = b"<!DOCTYPE html><html><body>Session expired</body></html>"
    assert detect_file_type(data) not in extension_types("invoice.pdf")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_detect_never_raises(data: bytes) -> None:
    """Arbitrary bytes always give a FileType."""
    assert isinstance(detect_file_type(data), FileType)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([c[1] for c in MAGIC_CASES]), st.integers(min_value=0, max_value=64))
def test_detect_never_raises_on_truncated_files(data: bytes, cut: int) -> None:
    """A real file cut anywhere near its start still gives a FileType."""
    assert isinstance(detect_file_type(data[:cut]), FileType)


@given(st.text(max_size=300))
def test_extension_types_never_raises(filename: str) -> None:
    """Arbitrary names give a (possibly empty) set of types."""
    assert extension_types(filename) <= set(FileType)
