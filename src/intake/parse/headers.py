"""Header values made safe to read: decoded, unfolded, bounded, free of control characters.

The standard library's ``policy.default`` header parsing is correct but slow on hostile
input (thousands of encoded-words in one subject take seconds). We parse with
``compat32``, which keeps header values as raw strings, and decode only the few headers
triage needs here, after cutting them to a bounded length.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from datetime import datetime
from email.utils import getaddresses, parsedate_to_datetime

from intake.parse.mail import Address

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\r\n]+")
_FOLD = re.compile(r"\r?\n[ \t]+|\r\n|\n|\r")
_SPACES = re.compile(r"[ \t]{2,}")
_MSG_ID = re.compile(r"<([^<>\s]{1,900})>")
_AS_UTF8 = frozenset({"unknown-8bit", "x-unknown", "us-ascii", "ascii", "8bit"})
# Domain-name codecs (punycode decodes in quadratic time) and the codec that refuses all
# input: no mail is written in them, so a label naming one is treated as unknown.
_UNFIT_CODECS = frozenset({"idna", "punycode", "undefined"})


def repair_8bit(value: str) -> str:
    """Undo ``surrogateescape`` from 8-bit header bytes: UTF-8 if it is, else Windows-1252."""
    if value.isascii():
        return value
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes in a declared charset, falling back to UTF-8 and never raising."""
    name = _codec_name(charset)
    if name != "utf-8":
        try:
            return data.decode(name, errors="replace")
        except (UnicodeError, LookupError):  # a non-text codec, or one that refuses "replace"
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _codec_name(charset: str | None) -> str:
    """The Python codec for a declared charset; "utf-8" when it is unknown or unfit."""
    name = (charset or "utf-8").strip().strip('"').lower() or "utf-8"
    if name in _AS_UTF8:
        return "utf-8"
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a name with a NUL in it
        return "utf-8"
    return "utf-8" if codec in _UNFIT_CODECS else codec


def _decode_word(charset: str, encoding: str, text: str) -> str:
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
    try:
        if encoding in "bB":
            data = base64.b64decode(text + "=" * (-len(text) % 4), validate=False)
        else:
            data = binascii.a2b_qp(_word_bytes(text.replace("_", " "), charset))
    except (binascii.Error, ValueError):
        return text
    return decode_bytes(data, charset)


def _word_bytes(text: str, charset: str) -> bytes:
    """The bytes of a Q-encoded word's text; raw 8-bit bytes in it are taken as ``charset``."""
    try:
        return text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:  # the 8-bit bytes were already read as text
        pass
    try:
        return text.encode(_codec_name(charset), errors="replace")
    except (UnicodeError, LookupError):
        return text.encode("utf-8", errors="replace")


def decode_encoded_words(value: str, *, max_words: int) -> str:
    """RFC 2047 decoding of at most ``max_words`` encoded-words; the rest is kept as written.

    Whitespace between two adjacent encoded-words is dropped, as the RFC says.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    pos = 0
    last_end = -1
    for words, match in enumerate(_ENCODED_WORD.finditer(value)):
        if words >= max_words:
            break
        gap = value[pos : match.start()]
        if not (last_end == pos and _BETWEEN_WORDS.fullmatch(gap)):
            out.append(gap)
        out.append(_decode_word(match.group(1), match.group(2), match.group(3)))
        pos = last_end = match.end()
    out.append(value[pos:])
    return "".join(out)


def clean_header(raw: str | None, *, max_chars: int, max_words: int) -> tuple[str, bool]:
    """A header value decoded for reading, and whether it was cut to ``max_chars``."""
    if raw is None:
        return "", False
    value = str(raw)
    truncated = len(value) > max_chars
    value = value[:max_chars]
    value = _FOLD.sub(" ", value)
    value = decode_encoded_words(repair_8bit(value), max_words=max_words)
    value = _CONTROL.sub(" ", value)
    return _SPACES.sub(" ", value).strip(), truncated


def parse_addresses(raw: str | None, *, max_chars: int, max_words: int) -> tuple[Address, ...]:
    """The mailboxes of an address header (display names decoded), bounded to 50."""
    if not raw:
        return ()
    value = _CONTROL.sub(" ", _FOLD.sub(" ", repair_8bit(str(raw)[:max_chars])))
    found: list[Address] = []
    for name, addr in getaddresses([value])[:50]:
        addr = _CONTROL.sub("", addr).strip()
        if not addr or "@" not in addr:
            continue
        display, _ = clean_header(name, max_chars=max_chars, max_words=max_words)
        found.append(Address(display_name=display.strip('"').strip(), addr_spec=addr))
    return tuple(found)


def parse_message_ids(raw: str | None, *, max_ids: int = 100) -> tuple[str, ...]:
    """Message-IDs in angle brackets (References, In-Reply-To), in order, bounded."""
    if not raw:
        return ()
    return tuple(f"<{m}>" for m in _MSG_ID.findall(str(raw)[: 1000 * max_ids])[:max_ids])


def parse_message_id(raw: str | None) -> str | None:
    """The Message-ID, with its angle brackets; a bracket-less value is kept as written."""
    if not raw:
        return None
    ids = parse_message_ids(raw, max_ids=1)
    if ids:
        return ids[0]
    bare = _CONTROL.sub("", str(raw)).strip()[:900]
    return bare or None


def parse_date(raw: str | None) -> datetime | None:
    """The Date header as an aware datetime, or None when absent or unreadable."""
    if not raw:
        return None
    try:
        moment = parsedate_to_datetime(_CONTROL.sub(" ", str(raw)[:200]))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        return None
    return moment
