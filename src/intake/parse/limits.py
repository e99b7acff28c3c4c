"""Bounds that keep one hostile message from costing more than its share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Every bound the parser enforces. Past one, the message goes to ``review`` with a
    ``quarantine`` flag and a reason; it is never dropped."""

    max_message_bytes: int = 64 * 1024 * 1024
    max_header_block_bytes: int = 1024 * 1024
    max_header_value_chars: int = 8 * 1024
    max_encoded_words: int = 200
    max_parts: int = 500
    max_depth: int = 25
    max_text_chars: int = 512 * 1024
    max_html_bytes: int = 2 * 1024 * 1024
    max_archive_members: int = 200
    max_archive_bytes: int = 128 * 1024 * 1024
    max_archive_ratio: int = 200
    max_archive_depth: int = 2
    max_pdf_pages: int = 3
    max_pdf_text_chars: int = 64 * 1024
    cpu_budget_s: float = 10.0


DEFAULT_LIMITS = ParseLimits()
