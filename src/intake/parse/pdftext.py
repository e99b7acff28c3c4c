"""The text of a PDF's first pages, read with pypdf, bounded and never raising.

Attachments come from strangers: a PDF may be broken, truncated, encrypted or built to
be slow. The result always says what could be read and why the rest could not.
"""

from __future__ import annotations

import io
import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

PAGE_SEPARATOR = "\f"
_MAX_ERROR_CHARS = 200
_UNSUPPORTED_CIPHER = "encrypted with a cipher this reader does not support"


@dataclass(frozen=True, slots=True)
class PdfText:
    """What could be read of a PDF.

    ``text`` joins the pages read with ``PAGE_SEPARATOR``. ``encrypted`` says the file is
    encrypted at all; when it could not be opened without a password, ``error`` says so
    too. ``error`` is None when every page asked for was read.
    """

    text: str
    pages_read: int
    page_count: int
    encrypted: bool
    error: str | None


def pdf_text(data: bytes, *, max_pages: int, max_chars: int) -> PdfText:
    """The text of at most ``max_pages`` first pages and ``max_chars`` characters."""
    with _quiet_pypdf():
        # pypdf raises many exception types on hostile input; each one becomes a result.
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
        except (DependencyError, FileNotDecryptedError):
            return PdfText("", 0, 0, encrypted=True, error=_UNSUPPORTED_CIPHER)
        except Exception as error:
            # The encryption dictionary is read while opening, so its failures land here.
            encrypted = b"/Encrypt" in data
            return PdfText("", 0, 0, encrypted=encrypted, error=_describe(error))
        return _read(reader, max_pages=max_pages, max_chars=max_chars)


def _read(reader: PdfReader, *, max_pages: int, max_chars: int) -> PdfText:
    encrypted = False
    try:
        encrypted = reader.is_encrypted
        if encrypted and reader.decrypt("") is PasswordType.NOT_DECRYPTED:
            return PdfText("", 0, 0, encrypted=True, error="encrypted: it needs a password")
        page_count = len(reader.pages)
    except (DependencyError, FileNotDecryptedError):
        return PdfText("", 0, 0, encrypted=True, error=_UNSUPPORTED_CIPHER)
    except Exception as error:
        return PdfText("", 0, 0, encrypted=encrypted, error=_describe(error))
    pages: list[str] = []
    error_text: str | None = None
    for number in range(min(max_pages, page_count)):
        if sum(map(len, pages)) >= max_chars:
            break
        try:
            pages.append(reader.pages[number].extract_text()[:max_chars])
        except Exception as error:
            error_text = f"page {number + 1}: {_describe(error)}"
            break
    text = PAGE_SEPARATOR.join(pages)[:max_chars]
    return PdfText(text, len(pages), page_count, encrypted, error_text)


def _describe(error: BaseException) -> str:
    message = str(error).strip().replace("\n", " ")
    name = type(error).__name__
    return (f"{name}: {message}" if message else name)[:_MAX_ERROR_CHARS]


_quiet_lock = threading.Lock()
_quiet_depth = 0
_saved_level = logging.NOTSET


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's logger and Python warnings: a broken file is reported in the result.

    The logger level is process-wide, so concurrent calls share one silencing and the
    last one out restores the level.
    """
    global _quiet_depth, _saved_level
    logger = logging.getLogger("pypdf")
    with _quiet_lock:
        if _quiet_depth == 0:
            _saved_level = logger.level
            logger.setLevel(logging.CRITICAL + 1)
        _quiet_depth += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                logger.setLevel(_saved_level)
