"""A lighter copy for the parser: large base64 bodies set aside, decoded from the original.

The standard library's feedparser walks a message line by line and then scans each
part's whole payload with a regex for its last line break; for a 400 KB mail with two
PDFs that is most of the parse. Yet a base64 body needs no parsing at all: it is
decoded as a whole. So the parser gets a copy in which every large base64 body is
replaced by a short token, and the reader decodes the body from the original bytes
when it meets the token. The message's bytes, size and hashes are always the original's.

A body is set aside only when it is clearly base64: its part's own header block says
so, it is not a multipart or mail, it is large, and it holds no line that could be a
boundary or a header (base64 has neither "-" nor ":"). The token contains "-", so no
real base64 body can be mistaken for one.
"""

from __future__ import annotations

import binascii
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_MIN_BODY_BYTES = 16 * 1024
_BASE64_HEADER = re.compile(
    rb"^content-transfer-encoding[ \t]*:[ \t]*base64[ \t]*\r?$", re.I | re.M
)
_CONTAINER_TYPE = re.compile(rb"^content-type[ \t]*:[ \t]*(?:multipart|message)/", re.I | re.M)


@dataclass(frozen=True, slots=True)
class SetAside:
    """The parser's copy, and where each token's body stands in the original."""

    data: bytes
    token_prefix: str = ""
    bodies: dict[int, tuple[int, int]] = field(default_factory=dict)

    def body_for(self, payload: str, original: bytes) -> bytes | None:
        """The decoded body a token stands for, or None when ``payload`` is no token."""
        if not self.bodies or not payload.startswith(self.token_prefix):
            return None
        number = payload[len(self.token_prefix) :].strip()
        if not number.isdigit() or int(number) not in self.bodies:
            return None
        start, end = self.bodies[int(number)]
        return decode_base64(original[start:end])


def decode_base64(data: bytes) -> bytes:
    """Lenient base64, as mail clients write it: line breaks ignored, padding forgiven."""
    joined = data.replace(b"\r", b"").replace(b"\n", b"")
    try:
        return binascii.a2b_base64(joined)
    except binascii.Error:
        return binascii.a2b_base64(joined + b"=" * (-len(joined) % 4))


def set_aside_base64_bodies(raw: bytes, boundaries: Iterable[bytes]) -> SetAside:
    """The copy of ``raw`` for the parser, with large base64 bodies replaced by tokens."""
    delimiters = sorted(
        {pos for boundary in boundaries for pos in _delimiter_positions(raw, boundary)}
    )
    if not delimiters:
        return SetAside(raw)
    prefix = f"importbio-body-{os.urandom(4).hex()}-"
    pieces: list[bytes] = []
    bodies: dict[int, tuple[int, int]] = {}
    last = 0
    for start, end in zip(delimiters, [*delimiters[1:], len(raw)], strict=True):
        body_start = _blank_line(raw, start, end)
        if body_start is None or end - body_start < _MIN_BODY_BYTES:
            continue
        if not _BASE64_HEADER.search(raw, start, body_start) or _CONTAINER_TYPE.search(
            raw, start, body_start
        ):
            continue
        body = raw[body_start:end]
        core_end = body_start + len(body.rstrip(b"\r\n"))  # the last line break is the delimiter's
        if raw.find(b"-", body_start, core_end) >= 0 or raw.find(b":", body_start, core_end) >= 0:
            continue
        number = len(bodies)
        bodies[number] = (body_start, core_end)
        pieces += [raw[last:body_start], f"{prefix}{number}".encode()]
        last = core_end
    if not bodies:
        return SetAside(raw)
    pieces.append(raw[last:])
    return SetAside(b"".join(pieces), prefix, bodies)


def _delimiter_positions(raw: bytes, boundary: bytes) -> list[int]:
    """Offsets of the lines that start with ``--boundary``."""
    marker = b"\n--" + boundary
    found: list[int] = []
    pos = raw.find(marker)
    while pos >= 0:
        found.append(pos + 1)
        pos = raw.find(marker, pos + len(marker))
    return found


def _blank_line(raw: bytes, start: int, end: int) -> int | None:
    """The offset just after the blank line that ends a part's header block."""
    crlf = raw.find(b"\r\n\r\n", start, end)
    lf = raw.find(b"\n\n", start, end)
    candidates = [p + 4 for p in (crlf,) if p >= 0] + [p + 2 for p in (lf,) if p >= 0]
    return min(candidates) if candidates else None
