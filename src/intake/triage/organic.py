"""Does the mail claim the goods are organic?

The word "organic" (bio, biologisch, …) is protected: goods whose documents say so
always need a valid COI. A mail that claims it but names no COI is worth an officer's
look, so triage flags it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_CLAIM = re.compile(
    r"\b(organic|biologisch(?:e)?|biologique|bio|ökologisch(?:e)?|oekologisch|"
    r"ecol[oó]gic[oa]s?|biol[oó]gic[oa]s?|c644)\b",
    re.IGNORECASE,
)


def organic_claim(texts: Sequence[tuple[str, str]], *, max_chars: int = 20_000) -> str | None:
    """Where the first organic claim stands ("the word 'bio' in the subject"), or None."""
    for where, text in texts:
        match = _CLAIM.search(text[:max_chars])
        if match is not None:
            return f"the word '{match.group(1)}' in the {where}"
    return None
