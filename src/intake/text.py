"""Folding text for matching: lower case, no accents, straight apostrophes, same length.

Keeping the length means a match found in the folded text points at the same span of
the original, so reasons can quote what the sender wrote.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_APOSTROPHES = {"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'", "`": "'"}


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character without case or accents; kept as is when folding would change length."""
    if char in _APOSTROPHES:
        return _APOSTROPHES[char]
    base = "".join(
        c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
    ).casefold()
    if len(base) == 1:
        return base
    lower = char.lower()
    return lower if len(lower) == 1 else char


def fold(text: str) -> str:
    """``text`` folded for matching, one character for one character."""
    if text.isascii():
        return text.lower().replace("`", "'")
    return text.translate({ord(c): fold_char(c) for c in set(text)})
