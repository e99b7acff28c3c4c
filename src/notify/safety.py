"""Text from received mail made safe for the desk's outgoing mail.

Anything an importer wrote (a subject, a name, a file name, a Message-ID) may carry line
breaks that would start a new header, control or bidi characters that hide what is shown,
or ``=?charset?q?…?=`` sequences that a mail client would decode as an encoded word. These
helpers bound the text first and then remove or neutralise all of that; they never raise
on hostile input.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "\u2026"
# Categories never shown as text: controls, format (zero-width, bidi overrides), surrogates,
# line and paragraph separators.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_MAX_MESSAGE_ID_CHARS = 250
# RFC 5322 msg-id "<left@right>": printable ASCII without space, brackets or a second "@".
_MESSAGE_ID_RE = re.compile(r"<[!-;=?A-~]{1,245}@[!-;=?A-~]{1,245}>")
_WHITESPACE_RE = re.compile(r"\s+")


def _without_controls(text: str) -> str:
    """``text`` with every control-like character replaced by a space (format ones dropped)."""
    if text.isascii() and text.isprintable():
        return text
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category not in _DROPPED_CATEGORIES:
            kept.append(char)
        elif category != "Cf":
            kept.append(" ")
    return "".join(kept)


def _neutralise_encoded_words(text: str) -> str:
    """``text`` with ``=?`` and ``?=`` split apart, so nothing in it reads as an encoded word."""
    # The inserted space cannot join with a neighbour into a new pair.
    return text.replace("=?", "= ?").replace("?=", "? =")


def cut(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` characters with "…", never inside a character."""
    if max_chars < 1:
        raise ValueError(f"max_chars must be >= 1, got {max_chars}")
    if len(text) <= max_chars:
        return text
    end = max_chars - 1
    # A combining mark belongs to the character before it: cut before both.
    while end > 0 and unicodedata.combining(text[end]):
        end -= 1
    return text[:end].rstrip() + ELLIPSIS


def safe_header_text(value: str, *, max_chars: int = 200) -> str:
    """``value`` as one safe line for an outgoing header: no controls, no encoded words, bounded."""
    if max_chars < 1:
        raise ValueError(f"max_chars must be >= 1, got {max_chars}")
    # Enough to fill max_chars even after collapsing a run of whitespace or dropped characters.
    bounded = value[: 8 * max_chars + 64]
    text = _without_controls(unicodedata.normalize("NFC", bounded))
    text = _WHITESPACE_RE.sub(" ", text).strip()
    return cut(_neutralise_encoded_words(text), max_chars)


def safe_lines(text: str, *, max_lines: int = 20, max_line_chars: int = 200) -> tuple[str, ...]:
    """``text`` as at most ``max_lines`` clean lines of at most ``max_line_chars`` characters.

    Runs of blank lines become one; a longer text keeps its first lines and ends with "[…]".
    """
    if max_lines < 1:
        raise ValueError(f"max_lines must be >= 1, got {max_lines}")
    bounded = text[: (max_lines + 1) * (max_line_chars + 2) * 4]
    lines: list[str] = []
    for raw_line in unicodedata.normalize("NFC", bounded).splitlines():
        line = _without_controls(raw_line.expandtabs(4)).rstrip()
        if line.strip():
            lines.append(cut(line, max_line_chars))
        elif lines and lines[-1]:
            lines.append("")
        if len(lines) > max_lines and lines[-1]:
            break
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) > max_lines:
        lines[max_lines - 1 :] = [cut(f"[{ELLIPSIS}]", max_line_chars)]
    return tuple(lines)


def quote_safely(text: str, *, max_lines: int = 20, max_line_chars: int = 200) -> str:
    """``text`` quoted for a plain-text part: each line behind "> ", bounded, without controls."""
    lines = safe_lines(text, max_lines=max_lines, max_line_chars=max_line_chars)
    return "\n".join(f"> {line}" if line else ">" for line in lines)


def safe_message_id(value: str | None) -> str | None:
    """``value`` when it is one well-formed ``<left@right>`` Message-ID, else None."""
    if not value:
        return None
    value = value.strip()
    if len(value) > _MAX_MESSAGE_ID_CHARS or "=?" in value:
        return None
    if _MESSAGE_ID_RE.fullmatch(value) is None:
        return None
    return value
