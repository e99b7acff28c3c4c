"""Does the mail say the documents are in TRACES rather than attached?

Importers may attach the transport document and invoice to the COI in TRACES instead of
to the e-mail (the guidance allows both). Such a mail must not be answered with "your
documents are missing" without a word: triage flags it and the officer looks in TRACES.
"""

from __future__ import annotations

import re

from intake.text import fold as _fold

_WINDOW_CHARS = 120
_TRACES = re.compile(r"\btraces(?:\s*nt)?\b", re.IGNORECASE)
_DOCUMENT_WORDS = re.compile(
    r"\b(?:documents?|documenten|document|docs?|stukken|bijlagen?|attachments?|files?|"
    r"pieces?(?:\s+jointes?)?|dokumente?|unterlagen|anhange?|documentos?|documenti|"
    r"factu(?:u?r|res?|ra)|invoices?|rechnung(?:en)?|b/?l|bill of lading|vrachtbrief|"
    r"transportdocument(?:en)?|vervoersdocument(?:en)?|cmr|awb)\b",
    re.IGNORECASE,
)
_PLACED_WORDS = re.compile(
    r"\b(?:upload(?:ed|s)?|opgeladen|geupload|geladen|toegevoegd|bijgevoegd|gekoppeld|"
    r"staan|zitten|beschikbaar|terug\s+te\s+vinden|attached|added|available|linked|"
    r"found|can\s+be\s+found|hochgeladen|beigefugt|verfugbar|hinterlegt|telecharge(?:e?s)?|"
    r"joint(?:e?s)?|ajoute(?:e?s)?|disponibles?|deposes?|subidos?|adjuntos?|caricat[io])\b",
    re.IGNORECASE,
)


def documents_in_traces(text: str, *, max_chars: int = 20_000) -> str | None:
    """The sentence that says the documents are in TRACES, or None."""
    folded = _fold(text[:max_chars])
    for match in _TRACES.finditer(folded):
        start = max(0, match.start() - _WINDOW_CHARS)
        window = folded[start : match.end() + _WINDOW_CHARS]
        if _DOCUMENT_WORDS.search(window) and _PLACED_WORDS.search(window):
            snippet = " ".join(folded[max(0, match.start() - 60) : match.end() + 40].split())
            return snippet
    return None
