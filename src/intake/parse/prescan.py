"""Cheap checks on the raw bytes, before the expensive parse.

Everything here is a byte search done in C (``bytes.count``, one bounded regex), so it
costs microseconds on ordinary mail and stays linear on hostile mail. It bounds what
the full parse can meet: the size, how many multipart boundaries (hence how deep and
wide the MIME tree) and how many body parts there can be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intake.parse.limits import ParseLimits

_BOUNDARY = re.compile(
    rb"""boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))""", re.IGNORECASE
)
_NESTED_MESSAGE = re.compile(rb"content-type\s*:\s*message/(?:rfc822|global)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Prescan:
    """What the raw bytes allow, and the reason when they allow only the headers."""

    headers_only_reason: str | None
    header_block_bytes: int


def header_block_end(raw: bytes) -> int:
    """Offset of the blank line that ends the top-level header block (or the length)."""
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    return min(ends) if ends else len(raw)


def prescan(raw: bytes, limits: ParseLimits) -> Prescan:
    """Decide whether the whole message may be parsed, or only its headers."""
    header_bytes = header_block_end(raw)
    if len(raw) > limits.max_message_bytes:
        return Prescan(
            f"The message is {len(raw)} bytes, more than the limit of {limits.max_message_bytes}.",
            header_bytes,
        )
    if header_bytes > limits.max_header_block_bytes:
        return Prescan(
            f"The header block is {header_bytes} bytes, more than the limit of "
            f"{limits.max_header_block_bytes}.",
            header_bytes,
        )
    boundaries: set[bytes] = set()
    for match in _BOUNDARY.finditer(raw):
        boundaries.add(match.group(1) or match.group(2))
        if len(boundaries) > limits.max_parts:
            return Prescan(
                f"The message declares more than {limits.max_parts} multipart boundaries.",
                header_bytes,
            )
    nested = len(_NESTED_MESSAGE.findall(raw, 0, len(raw)))
    if nested > limits.max_depth:
        return Prescan(
            f"The message nests {nested} attached messages, more than the limit of "
            f"{limits.max_depth}.",
            header_bytes,
        )
    delimiters = sum(raw.count(b"--" + b) for b in boundaries)
    # every part opens with "--boundary"; each multipart adds one closing "--boundary--"
    parts = delimiters - len(boundaries)
    if parts > limits.max_parts:
        return Prescan(
            f"The message has about {parts} body parts, more than the limit of {limits.max_parts}.",
            header_bytes,
        )
    return Prescan(None, header_bytes)
