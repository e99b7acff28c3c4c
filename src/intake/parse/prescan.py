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

# Matched against the lower-cased bytes: a case-sensitive pattern with a literal prefix
# is searched for at memchr speed, where IGNORECASE would step through every byte.
_BOUNDARY = re.compile(rb"""boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))""")
_NESTED_MESSAGE_TYPES = (b"message/rfc822", b"message/global")


@dataclass(frozen=True, slots=True)
class Prescan:
    """What the raw bytes allow, and the reason when they allow only the headers."""

    headers_only_reason: str | None
    header_block_bytes: int
    boundaries: tuple[bytes, ...] = ()


def header_block_end(raw: bytes, *, limit: int | None = None) -> int:
    """Offset of the blank line that ends the top-level header block (or the length).

    Walks the header lines only (a few dozen), so it never scans a large body.
    """
    stop = len(raw) if limit is None else min(len(raw), limit)
    if raw.startswith((b"\n", b"\r\n")):
        return 0
    pos = raw.find(b"\n", 0, stop)
    while pos >= 0:
        following = raw[pos + 1 : pos + 3]
        if following[:1] == b"\n" or following == b"\r\n":
            return pos
        pos = raw.find(b"\n", pos + 1, stop)
    return stop


def prescan(raw: bytes, limits: ParseLimits) -> Prescan:
    """Decide whether the whole message may be parsed, or only its headers."""
    header_bytes = header_block_end(raw, limit=limits.max_header_block_bytes + 1)
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
    lowered = raw.lower()
    boundaries: set[bytes] = set()
    for match in _BOUNDARY.finditer(lowered):
        start, end = match.span(1) if match.group(1) is not None else match.span(2)
        boundaries.add(raw[start:end])  # the boundary as written: it is case-sensitive
        if len(boundaries) > limits.max_parts:
            return Prescan(
                f"The message declares more than {limits.max_parts} multipart boundaries.",
                header_bytes,
            )
    nested = sum(lowered.count(name) for name in _NESTED_MESSAGE_TYPES)
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
    return Prescan(None, header_bytes, tuple(boundaries))
