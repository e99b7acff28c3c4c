"""The IMAP wire, as far as the mailbox adapter needs it: pure functions over response lines.

Responses arrive as aioimaplib hands them over: untagged lines without their ``* `` and
with the command name stripped for SEARCH, literals (message bytes) as separate items.
Nothing here touches a socket, so all of it is tested without a server.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Line = bytes | bytearray

_FETCH_START = re.compile(rb"^\d+ FETCH \(")
_UID = re.compile(rb"\bUID (\d{1,10})\b")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d{1,12})\b")
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d{1,10})\]")
_STATUS_UIDVALIDITY = re.compile(rb"[( ]UIDVALIDITY (\d{1,10})[) ]")
_CODE = re.compile(rb"^(?:OK |NO |BAD )?\[([A-Z][A-Z0-9-]{0,40})[\] ]")
_MAX_REF_CHARS = 1024
_MAX_UID = 2**32 - 1


@dataclass(frozen=True, slots=True)
class ImapRef:
    """Where one message sits: mailbox, UIDVALIDITY epoch and UID."""

    mailbox: str
    uidvalidity: int
    uid: int


def make_ref(mailbox: str, uidvalidity: int, uid: int) -> str:
    """The ``Incoming.ref`` of a message: ``imap:<mailbox>:<uidvalidity>:<uid>``."""
    return f"imap:{mailbox}:{uidvalidity}:{uid}"


def parse_ref(ref: str) -> ImapRef | None:
    """The parts of a ref made by ``make_ref``, or None for anything else."""
    if len(ref) > _MAX_REF_CHARS or not ref.startswith("imap:"):
        return None
    mailbox, _, rest = ref[len("imap:") :].rpartition(":")
    mailbox, _, validity = mailbox.rpartition(":")
    if not mailbox or not validity.isascii() or not rest.isascii():
        return None
    if not (validity.isdigit() and rest.isdigit()):
        return None
    uid = int(rest)
    if not 0 < uid <= _MAX_UID:
        return None
    return ImapRef(mailbox, int(validity), uid)


def uid_set(uids: Iterable[int]) -> str:
    """A compact IMAP UID set (``1:3,7,9:10``) for the given UIDs."""
    ordered = sorted(set(uids))
    if not ordered:
        raise ValueError("an IMAP UID set cannot be empty")
    runs: list[str] = []
    start = prev = ordered[0]
    for uid in ordered[1:]:
        if uid == prev + 1:
            prev = uid
            continue
        runs.append(_run(start, prev))
        start = prev = uid
    runs.append(_run(start, prev))
    return ",".join(runs)


def _run(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}:{end}"


def search_uids(lines: Sequence[Line]) -> list[int]:
    """The UIDs of a ``UID SEARCH`` answer, ascending (the status text is ignored)."""
    found: set[int] = set()
    for line in lines:
        words = bytes(line).split()
        if words and all(word.isdigit() for word in words):
            found.update(int(word) for word in words if 0 < int(word) <= _MAX_UID)
    return sorted(found)


def select_uidvalidity(lines: Sequence[Line]) -> int | None:
    """The UIDVALIDITY a ``SELECT`` answer reports, if any."""
    for line in lines:
        found = _UIDVALIDITY.search(bytes(line))
        if found:
            return int(found.group(1))
    return None


def status_uidvalidity(lines: Sequence[Line]) -> int | None:
    """The UIDVALIDITY a ``STATUS mailbox (UIDVALIDITY)`` answer reports, if any."""
    for line in lines:
        found = _STATUS_UIDVALIDITY.search(bytes(line))
        if found:
            return int(found.group(1))
    return None


def allows_keywords(lines: Sequence[Line]) -> bool:
    """True when a ``SELECT`` answer's PERMANENTFLAGS lets a client make new keywords."""
    return any(b"[PERMANENTFLAGS" in line and b"\\*" in line for line in lines)


def response_code(lines: Sequence[Line]) -> str | None:
    """The bracketed code (``AUTHENTICATIONFAILED``, ``TRYCREATE``...) of the tagged status."""
    if not lines or isinstance(lines[-1], bytearray):
        return None
    found = _CODE.match(bytes(lines[-1][:64]))
    return found.group(1).decode("ascii") if found else None


def response_text(lines: Sequence[Line], *, max_chars: int = 200) -> str:
    """The server's own words in an answer (never message bytes), shortened for a log line."""
    texts = [bytes(line) for line in lines if not isinstance(line, bytearray)]
    text = " ".join(t.decode("utf-8", errors="replace") for t in texts[-2:]).strip()
    return text[:max_chars]


def fetched_sizes(lines: Sequence[Line]) -> dict[int, int]:
    """UID to size from a ``UID FETCH (RFC822.SIZE)`` answer."""
    sizes: dict[int, int] = {}
    for line in lines:
        if isinstance(line, bytearray) or not _FETCH_START.match(line):
            continue
        uid, size = _UID.search(line), _SIZE.search(line)
        if uid and size:
            sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def fetched_bodies(lines: Sequence[Line]) -> dict[int, bytes]:
    """UID to message bytes from a ``UID FETCH (BODY.PEEK[])`` answer.

    A message is a ``n FETCH (... BODY[] {size}`` line, the literal, then the rest of the
    item (``)`` or more attributes); the UID may sit before or after the literal.
    Unsolicited FETCH lines (flag changes) carry no literal and are skipped.
    """
    bodies: dict[int, bytes] = {}
    uid: int | None = None
    body: bytes | None = None
    for line in lines:
        if isinstance(line, bytearray):
            body = bytes(line)
            continue
        if _FETCH_START.match(line):
            _keep(bodies, uid, body)
            uid, body = _uid_of(line), None
        elif uid is None:
            uid = _uid_of(line)
    _keep(bodies, uid, body)
    return bodies


def _uid_of(line: bytes) -> int | None:
    found = _UID.search(line)
    return int(found.group(1)) if found else None


def _keep(bodies: dict[int, bytes], uid: int | None, body: bytes | None) -> None:
    if uid is not None and body is not None:
        bodies[uid] = body


def encode_mailbox(name: str) -> str:
    """A mailbox name as an IMAP command argument: modified UTF-7, then quoted."""
    return _quote(_utf7_imap(name))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _utf7_imap(name: str) -> str:
    """RFC 3501 section 5.1.3: printable ASCII as is (``&`` as ``&-``), the rest in base64."""
    out: list[str] = []
    pending: list[str] = []
    for char in name:
        if " " <= char <= "~":
            if pending:
                out.append(_utf7_chunk("".join(pending)))
                pending.clear()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    if pending:
        out.append(_utf7_chunk("".join(pending)))
    return "".join(out)


def _utf7_chunk(text: str) -> str:
    encoded = base64.b64encode(text.encode("utf-16-be")).decode("ascii").rstrip("=")
    return "&" + encoded.replace("/", ",") + "-"
