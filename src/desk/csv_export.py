"""CSV as the desk publishes it, safe to open in a spreadsheet, and read back.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
taken for a formula by a spreadsheet (CSV injection): such a cell gets a leading ``'``,
as OWASP recommends. A cell that itself starts with ``'`` gets one too, so ``read_csv``
undoes exactly what ``write_csv`` did and every value comes back as it was.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def safe_cell(value: object) -> str:
    """A value as a CSV cell no spreadsheet runs."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def unsafe_cell(cell: str) -> str:
    """The value a ``safe_cell`` was made from."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document (RFC 4180, CRLF line ends) with the header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def read_csv(text: str) -> list[dict[str, str]]:
    """The rows of a document ``write_csv`` made, by header name."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = [[unsafe_cell(c) for c in row] for row in reader]
    if not rows:
        return []
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]
