"""The true type of an attachment, told from its first bytes; and the types a name promises.

A compact signature table rather than a library (libmagic, ``filetype``, ``puremagic``):
the distinctions the desk needs are few (a PDF or not, Office Open XML vs a plain zip,
winmail.dat, an e-mail saved as a file, an HTML page saved as ``.pdf``) and need no
database, no C library and no update cycle. Only the first 8 KiB are looked at, and the
file name never is: names are what senders claim, bytes are what the file is.
"""

from __future__ import annotations

import re
import struct

from intake.codes import FileType

HEAD_BYTES = 8 * 1024
_PDF_WINDOW_BYTES = 1024  # readers accept junk before %PDF- within the first KiB

# (offset, signature, type): checked in order, the first match wins.
_SIGNATURES: tuple[tuple[int, bytes, FileType], ...] = (
    (0, b"%PDF-", FileType.PDF),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", FileType.OLE2),
    (0, b"{\\rtf", FileType.RTF),
    (0, b"\x78\x9f\x3e\x22", FileType.TNEF),
    (0, b"\x89PNG\r\n\x1a\n", FileType.PNG),
    (0, b"\xff\xd8\xff", FileType.JPEG),
    (0, b"GIF87a", FileType.GIF),
    (0, b"GIF89a", FileType.GIF),
    (0, b"II*\x00", FileType.TIFF),
    (0, b"MM\x00*", FileType.TIFF),
    (0, b"II+\x00", FileType.TIFF),  # BigTIFF
    (0, b"MM\x00+", FileType.TIFF),
    (0, b"\x1f\x8b\x08", FileType.GZIP),
    (0, b"7z\xbc\xaf\x27\x1c", FileType.SEVEN_ZIP),
    (0, b"Rar!\x1a\x07\x00", FileType.RAR),  # RAR 1.5 to 4
    (0, b"Rar!\x1a\x07\x01\x00", FileType.RAR),  # RAR 5
    (0, b"PK\x03\x04", FileType.ZIP),
    (0, b"PK\x05\x06", FileType.ZIP),  # an empty archive
    (0, b"PK\x07\x08", FileType.ZIP),  # a spanned archive
)

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
_BMP_DIB_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})
_OOXML_PREFIXES: tuple[tuple[bytes, FileType], ...] = (
    (b"word/", FileType.DOCX),
    (b"xl/", FileType.XLSX),
    (b"ppt/", FileType.PPTX),
)
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_ZIP_HEADER_BYTES = 30
_MAX_ZIP_ENTRIES = 64

_TEXT_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_HTML_START = re.compile(r"<!doctype\s+html|<html[\s>]|<html$", re.IGNORECASE)
_LEADING_COMMENT = re.compile(r"<!--.{0,2000}?-->", re.DOTALL)
_XML_DECLARATION = re.compile(r"<\?xml[^>]{0,500}\?>\s*", re.IGNORECASE)
_HEADER_LINE = re.compile(r"([!-9;-~]{1,76}):")
_MAIL_HEADERS = frozenset(
    {
        "received",
        "return-path",
        "from",
        "to",
        "cc",
        "date",
        "subject",
        "message-id",
        "mime-version",
        "delivered-to",
        "reply-to",
        "sender",
        "x-received",
        "dkim-signature",
        "arc-seal",
        "arc-message-signature",
        "arc-authentication-results",
        "authentication-results",
        "received-spf",
        "thread-topic",
        "thread-index",
        "in-reply-to",
        "references",
        "content-type",
    }
)
_CORE_MAIL_HEADERS = frozenset(
    {"received", "from", "date", "subject", "message-id", "mime-version", "return-path"}
)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\v\x1b") + b"\x7f"
_CONTROL_CHARS = frozenset(_CONTROL_BYTES.decode("ascii") + "\ufffd")
_MAX_CONTROL_SHARE = 0.01
_MAX_LEGACY_HIGH_SHARE = 0.3


def detect_file_type(data: bytes) -> FileType:
    """The type of a file from its first bytes (at most 8 KiB), never from its name."""
    if not data:
        return FileType.EMPTY
    head = data[:HEAD_BYTES]
    for offset, signature, file_type in _SIGNATURES:
        if head.startswith(signature, offset):
            return _refine_zip(head) if file_type is FileType.ZIP else file_type
    binary = _binary_container(head)
    if binary is not None:
        return binary
    if _has_pdf_header(head):
        return FileType.PDF
    return _textual(head)


def _binary_container(head: bytes) -> FileType | None:
    """Signatures that need more than a fixed prefix: RIFF/WEBP, ISO-BMFF/HEIF, BMP."""
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return FileType.WEBP
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return FileType.HEIC
    if _is_bmp(head):
        return FileType.BMP
    return None


def _is_bmp(head: bytes) -> bool:
    # "BM" alone starts plenty of text ("BMW invoice"), so the DIB header size must fit too.
    if len(head) < 18 or not head.startswith(b"BM"):
        return False
    (reserved,) = struct.unpack_from("<I", head, 6)
    (dib_size,) = struct.unpack_from("<I", head, 14)
    return reserved == 0 and dib_size in _BMP_DIB_HEADER_SIZES


def _has_pdf_header(head: bytes) -> bool:
    at = head.find(b"%PDF-", 0, _PDF_WINDOW_BYTES)
    return at >= 0 and head[at + 5 : at + 6].isdigit()


def _refine_zip(head: bytes) -> FileType:
    """Office Open XML and OpenDocument files are zips told apart by their entry names."""
    names = _zip_entry_names(head)
    first_name, first_bytes = names[0] if names else (b"", b"")
    if first_name == b"mimetype" and first_bytes.startswith(b"application/vnd.oasis.opendocument."):
        return FileType.ODF
    for name, _ in names:
        for prefix, file_type in _OOXML_PREFIXES:
            if name.startswith(prefix):
                return file_type
    return FileType.ZIP


def _zip_entry_names(head: bytes) -> list[tuple[bytes, bytes]]:
    """Names of the local file headers found in ``head``, each with its first stored bytes.

    Entries written with a data descriptor carry no size, so the next header is found by
    searching rather than by skipping; a false hit inside compressed data only yields a
    name that matches nothing.
    """
    names: list[tuple[bytes, bytes]] = []
    at = head.find(_ZIP_LOCAL_HEADER)
    while at >= 0 and len(names) < _MAX_ZIP_ENTRIES and at + _ZIP_HEADER_BYTES <= len(head):
        name_len, extra_len = struct.unpack_from("<HH", head, at + 26)
        name_start = at + _ZIP_HEADER_BYTES
        data_start = name_start + name_len + extra_len
        names.append((head[name_start : name_start + name_len], head[data_start : data_start + 64]))
        at = head.find(_ZIP_LOCAL_HEADER, name_start)
    return names


def _textual(head: bytes) -> FileType:
    """HTML, XML, a saved e-mail, plain text, or unknown binary."""
    text = _decode_text(head)
    if text is None:
        return FileType.UNKNOWN
    start = text.lstrip("\ufeff \t\r\n\f\v")
    while start.startswith("<!--"):
        comment = _LEADING_COMMENT.match(start)
        if comment is None:
            break
        start = start[comment.end() :].lstrip()
    if _HTML_START.match(start):
        return FileType.HTML
    declaration = _XML_DECLARATION.match(start)
    if declaration is not None:
        return FileType.HTML if _HTML_START.match(start, declaration.end()) else FileType.XML
    if _looks_like_mail(text):
        return FileType.MESSAGE
    return FileType.TEXT


def _decode_text(head: bytes) -> str | None:
    """The head as text when it is text: UTF-8/UTF-16 with a BOM, UTF-8, or mostly printable."""
    for bom, encoding in _TEXT_BOMS:
        if head.startswith(bom):
            # The 8 KiB cut may split a character: "replace" costs only that tail.
            text = head[len(bom) :].decode(encoding, errors="replace")
            odd = sum(1 for char in text if char in _CONTROL_CHARS)
            return None if odd > _MAX_CONTROL_SHARE * len(text) else text
    if b"\x00" in head:
        return None
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > _MAX_CONTROL_SHARE * len(head):
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3 and error.reason == "unexpected end of data":
            return head[: error.start].decode("utf-8")
    high = len(head) - len(head.translate(None, bytes(range(128, 256))))
    if high > _MAX_LEGACY_HIGH_SHARE * len(head):
        return None
    return head.decode("cp1252", errors="replace")


def _looks_like_mail(text: str) -> bool:
    """An RFC 5322 header block: known header first, then only header lines to a blank one."""
    lines = text.split("\n")
    if lines and lines[0].startswith("From "):  # an mbox separator line
        lines = lines[1:]
    if len(lines) > 1 and len(text) >= HEAD_BYTES:
        lines = lines[:-1]  # the last line may be cut by the 8 KiB window
    names: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            break
        if line[0] in " \t":
            if not names:
                return False
            continue
        field = _HEADER_LINE.match(line)
        if field is None:
            return False
        names.append(field.group(1).lower())
    if len(names) < 2:
        return False
    first_known = names[0] in _MAIL_HEADERS or names[0].startswith("x-")
    return first_known and any(name in _CORE_MAIL_HEADERS for name in names)


_EXTENSIONS: dict[str, frozenset[FileType]] = {}


def _promise(extensions: str, *types: FileType) -> None:
    for extension in extensions.split():
        _EXTENSIONS[extension] = frozenset(types)


_TEXTUAL = (FileType.TEXT, FileType.HTML, FileType.XML, FileType.MESSAGE)
# Zip-based Office files whose part names lie past the first 8 KiB are detected as ZIP:
# accepting ZIP avoids calling a genuine document a mismatch.
_promise(".pdf", FileType.PDF)
_promise(".jpg .jpeg .jpe .jfif", FileType.JPEG)
_promise(".png", FileType.PNG)
_promise(".gif", FileType.GIF)
_promise(".tif .tiff", FileType.TIFF)
_promise(".bmp", FileType.BMP)
_promise(".webp", FileType.WEBP)
_promise(".heic .heif", FileType.HEIC)
_promise(".msg .ppt .pps .dot .xlt", FileType.OLE2)
# Word and Excel open RTF and HTML saved as .doc/.xls, and many systems export them so.
_promise(".doc", FileType.OLE2, FileType.RTF, FileType.HTML)
_promise(".xls", FileType.OLE2, FileType.HTML, FileType.XML)
_promise(".docx .docm .dotx", FileType.DOCX, FileType.ZIP)
_promise(".xlsx .xlsm .xltx", FileType.XLSX, FileType.ZIP)
_promise(".pptx .ppsx", FileType.PPTX, FileType.ZIP)
_promise(".odt .ods .odp .odg", FileType.ODF, FileType.ZIP)
_promise(".zip", FileType.ZIP)
_promise(".gz .tgz", FileType.GZIP)
_promise(".7z", FileType.SEVEN_ZIP)
_promise(".rar", FileType.RAR)
_promise(".rtf", FileType.RTF)
_promise(".htm .html", FileType.HTML, FileType.XML, FileType.TEXT)
_promise(".xml", FileType.XML, FileType.TEXT)
_promise(".eml", FileType.MESSAGE, FileType.TEXT)
_promise(".txt .csv", *_TEXTUAL)

_MAX_NAME_CHARS = 255


def extension_types(filename: str) -> frozenset[FileType]:
    """The types a file name's extension promises; empty when the extension says nothing."""
    name = filename[-_MAX_NAME_CHARS:].strip().rstrip(".").lower()
    base = name.rpartition("/")[2].rpartition("\\")[2]
    if base == "winmail.dat":
        return frozenset({FileType.TNEF})
    stem, dot, extension = base.rpartition(".")
    if not dot or not stem:
        return frozenset()
    return _EXTENSIONS.get("." + extension, frozenset())
