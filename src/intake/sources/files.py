"""Messages read from paths a person names: ``.eml`` files, folders, Maildirs, mbox files,
and standard input (``-``). Used by ``importbio parse`` and by tests.

Each message comes out as ``Found`` (its label and bytes) or ``Unreadable`` (its label
and why), so a caller reports every input and stops for none.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_MBOX_FROM = b"From "
_STDIN_MESSAGES = 16  # standard input is read whole: at most this many largest messages
_MAIL_SUFFIXES = frozenset({".eml", ".msg822", ".mail"})


@dataclass(frozen=True, slots=True)
class Found:
    """One message and where it came from."""

    label: str
    raw: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """An input that could not be opened, and why."""

    label: str
    reason: str


def is_maildir(path: Path) -> bool:
    """A folder with ``cur``, ``new`` and ``tmp`` folders."""
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def read_paths(paths: Iterable[str], *, max_message_bytes: int) -> Iterator[Found | Unreadable]:
    """Every message under the given paths, in a stable order."""
    for name in paths:
        if name == "-":
            limit = max_message_bytes * _STDIN_MESSAGES
            data = sys.stdin.buffer.read(limit + 1)
            if len(data) > limit:
                yield Unreadable("-", f"standard input is longer than {limit} bytes; give a file")
                continue
            yield from _split_stream("-", data)
            continue
        path = Path(name)
        try:
            if path.is_dir():
                yield from _read_folder(path, max_message_bytes)
            elif path.exists():
                yield from _read_file(path, max_message_bytes)
            else:
                yield Unreadable(name, "no such file or folder")
        except OSError as exc:
            yield Unreadable(name, exc.strerror or str(exc))


def _read_folder(path: Path, max_message_bytes: int) -> Iterator[Found | Unreadable]:
    if is_maildir(path):
        for sub in ("new", "cur"):
            try:
                entries = sorted((path / sub).iterdir())
            except OSError as exc:
                yield _unreadable(exc, path / sub)
                continue
            for entry in entries:
                if entry.is_file() and not entry.name.startswith("."):
                    yield from _read_file(entry, max_message_bytes, whole=True)
        return
    # os.walk drops folders it cannot list unless told; each one must be reported.
    refused: list[OSError] = []
    for root, dirs, files in os.walk(path, onerror=refused.append):
        yield from (_unreadable(exc, path) for exc in refused)
        refused.clear()
        dirs.sort()
        here = Path(root)
        if is_maildir(here):
            dirs[:] = [d for d in dirs if d not in ("cur", "new", "tmp")]
            yield from _read_folder(here, max_message_bytes)
            continue
        for filename in sorted(files):
            if Path(filename).suffix.lower() in _MAIL_SUFFIXES:
                yield from _read_file(here / filename, max_message_bytes)
    yield from (_unreadable(exc, path) for exc in refused)


def _unreadable(exc: OSError, fallback: Path) -> Unreadable:
    return Unreadable(str(exc.filename or fallback), exc.strerror or str(exc))


def _read_file(
    path: Path, max_message_bytes: int, *, whole: bool = False
) -> Iterator[Found | Unreadable]:
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_MBOX_FROM))
            if head == _MBOX_FROM and not whole:
                yield from _read_mbox(path)
                return
            raw = head + handle.read()
    except OSError as exc:
        yield Unreadable(str(path), exc.strerror or str(exc))
        return
    yield Found(str(path), raw)


def _read_mbox(path: Path) -> Iterator[Found | Unreadable]:
    """Each message of an mbox file (``From `` separated), labelled ``path#N``."""
    with path.open("rb") as handle:
        yield from _split_stream(str(path), handle.read())


def _split_stream(label: str, data: bytes) -> Iterator[Found | Unreadable]:
    if not data.startswith(_MBOX_FROM):
        yield Found(label, data)
        return
    for number, chunk in enumerate(_mbox_chunks(data), start=1):
        yield Found(f"{label}#{number}", chunk)


def _mbox_chunks(data: bytes) -> Iterator[bytes]:
    """Split mbox bytes at ``From `` lines, dropping them and un-quoting ``>From ``."""
    starts = [0]
    pos = 0
    while (pos := data.find(b"\nFrom ", pos)) >= 0:
        starts.append(pos + 1)
        pos += 1
    for begin, end in zip(starts, [*starts[1:], len(data)], strict=True):
        chunk = data[begin:end]
        newline = chunk.find(b"\n")
        body = chunk[newline + 1 :] if newline >= 0 else b""
        yield _drop_separator_line(body).replace(b"\n>From ", b"\nFrom ")


def _drop_separator_line(body: bytes) -> bytes:
    """Without the empty line that ends each mbox entry: it belongs to the mbox, not the mail."""
    for ending in (b"\r\n", b"\n"):
        if body.endswith(ending * 2):
            return body[: -len(ending)]
    return body
