"""Build small, valid PDF files with real text, for tests, samples and benchmarks.

The files are written by hand to the PDF 1.4 grammar (one Helvetica font, one text
stream per page), so pypdf and any viewer read their text back.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(
    pages: Sequence[Sequence[str]], *, padding_bytes: int = 0, compress: bool = True
) -> bytes:
    """A PDF with one page per item of ``pages``, each drawing its lines of text.

    ``padding_bytes`` adds an incompressible stream object (like a scanned image) so
    the file reaches a realistic size without changing its text.
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    page_ids: list[int] = []
    for lines in pages:
        text = (
            "BT /F1 11 Tf 50 790 Td 14 TL\n"
            + "".join(f"({_escape(line)}) '\n" for line in lines)
            + "ET"
        )
        raw = text.encode("cp1252", errors="replace")
        if compress:
            data = zlib.compress(raw)
            stream = add(
                b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data)
                + data
                + b"\nendstream"
            )
        else:
            stream = add(b"<< /Length %d >>\nstream\n" % len(raw) + raw + b"\nendstream")
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_obj, font, stream)
            )
        )
    if padding_bytes > 0:
        blob = _noise(padding_bytes)
        add(b"<< /Length %d >>\nstream\n" % len(blob) + blob + b"\nendstream")
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref,
    )
    return bytes(out)


def _noise(size: int) -> bytes:
    """Deterministic incompressible bytes (a scanned page compresses about as badly)."""
    import hashlib

    chunks: list[bytes] = []
    counter = 0
    total = 0
    while total < size:
        block = hashlib.sha256(counter.to_bytes(8, "big")).digest()
        chunks.append(block)
        total += len(block)
        counter += 1
    return b"".join(chunks)[:size]
