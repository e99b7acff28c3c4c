"""The intake's inbox as a Maildir: what Postfix or Dovecot's LMTP deliver into, and the
embedded default.

Layout: the inbox is ``root/{new,cur,tmp}``; processed and quarantined mail go to the
Maildir++ folders ``root/.Processed`` and ``root/.Quarantine`` (an IMAP server shows them
as folders), and the quarantine keeps each reason in ``.Quarantine/reasons/<name>.txt``.
A message is named by its unique name, the file name without the ``:2,<flags>`` info, so
its ref ``maildir:<name>`` stays the same while it moves between folders.

Claim scheme (several intake processes may share one Maildir on a local file system):

1. Every regular file in the inbox's ``new/`` and ``cur/`` is unprocessed: ``done`` moves
   a message out of the inbox, so the processed folder is the only "processed" mark. A
   file a person's mail client moved to ``cur/``, flagged seen or not, is still waiting.
2. A process claims a file by opening it and taking an exclusive, non-blocking ``flock``
   on it. A lock that is already held means another intake has it; the file is skipped.
   The lock sits on the open file, so it follows the file through renames, and the
   kernel drops it when the process dies, however it dies.
3. Once locked, a file still in ``new/`` is renamed to ``cur/<name>:2,`` (what a mail
   client does with mail it has seen arrive), and the file is read through the open
   descriptor. Under the lock the name is checked to still be that file, so a message
   another process has just moved out of the inbox is never taken again.
4. ``done`` and ``quarantine`` rename the file out of the inbox first and only then
   release the lock. Until then, no other process can claim it; a file left in ``cur/``
   by a crash is unlocked and the next scan, here or in another process, adopts it.

``flock`` locks belong to the open file, not the process, so two sources in one process
exclude each other too. On NFS, Linux emulates ``flock`` with byte-range locks owned by
the process, which loses that; keep the Maildir on a local file system.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import itertools
import os
import secrets
import socket
import stat
import tempfile
import threading
import time
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from intake.sources.base import Incoming

_REF_PREFIX = "maildir:"
_INFO_SEPARATOR = ":"
_INFO_PREFIX = "2,"
_PROCESSED_FLAG = "S"
_DIR_MODE = 0o700
_FILE_MODE = 0o600
_MAX_NAME_CHARS = 255
_MAX_REASON_CHARS = 64 * 1024
_READ_CHUNK_BYTES = 1024 * 1024

_delivery_counter = itertools.count(1)
_log = structlog.get_logger(__name__)


class MaildirError(Exception):
    """The mailbox folder cannot be used; ``path`` names the culprit."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(slots=True)
class _Claim:
    """A message this source holds: its locked descriptor and where it was last seen."""

    fd: int
    path: Path
    device: int
    inode: int


class MaildirSource:
    """The intake inbox kept as a Maildir, shared safely between intake processes."""

    def __init__(
        self,
        root: Path,
        *,
        processed_folder: str = "Processed",
        quarantine_folder: str = "Quarantine",
        batch_size: int = 500,
        max_batch_bytes: int = 32 * 1024 * 1024,
        poll_interval_s: float = 1.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        if max_batch_bytes < 1:
            raise ValueError(f"max_batch_bytes must be at least 1, not {max_batch_bytes}")
        if not poll_interval_s > 0:
            raise ValueError(f"poll_interval_s must be positive, not {poll_interval_s}")
        self._root = Path(root)
        self._processed = self._root / f".{_checked_folder(processed_folder)}"
        self._quarantine = self._root / f".{_checked_folder(quarantine_folder)}"
        self._reasons = self._quarantine / "reasons"
        self._batch_size = batch_size
        self._max_batch_bytes = max_batch_bytes
        self._poll_interval_s = poll_interval_s
        self._claims: dict[str, _Claim] = {}
        self._guard = threading.Lock()
        for folder in (self._root, self._processed, self._quarantine):
            ensure_maildir(folder)
        _make_dir(self._reasons)

    @property
    def root(self) -> Path:
        """The Maildir this source reads."""
        return self._root

    async def batches(self, *, watch: bool) -> AsyncGenerator[Sequence[Incoming], None]:
        """Unclaimed inbox messages in delivery order; with ``watch``, then poll forever."""
        while True:
            batch = await asyncio.to_thread(self._claim_batch)
            if batch:
                yield batch
            elif watch:
                await asyncio.sleep(self._poll_interval_s)
            else:
                return

    async def done(self, items: Sequence[Incoming]) -> None:
        """Move these messages into the processed folder, flagged seen (``:2,S``)."""
        await asyncio.to_thread(self._move_out, items, self._processed, None)

    async def quarantine(self, item: Incoming, reason: str) -> None:
        """Move this message into the quarantine folder, with ``reason`` beside it."""
        await asyncio.to_thread(self._move_out, [item], self._quarantine, reason)

    async def close(self) -> None:
        """Let go of every message still held; they stay in the inbox for the next run."""
        with self._guard:
            claims = list(self._claims.values())
            self._claims.clear()
        for claim in claims:
            os.close(claim.fd)

    # Claiming

    def _claim_batch(self) -> list[Incoming]:
        """Claim and read up to ``batch_size`` waiting messages, oldest name first, until
        they hold ``max_batch_bytes`` (one message at least)."""
        with self._guard:
            held = set(self._claims)
        candidates = sorted(
            (base, sub, name)
            for sub in ("cur", "new")
            for name in _message_names(self._root / sub)
            if (base := _base_name(name, sub)) and _REF_PREFIX + base not in held
        )
        batch: list[Incoming] = []
        size_bytes = 0
        for base, sub, name in candidates:
            if len(batch) >= self._batch_size or size_bytes >= self._max_batch_bytes:
                break
            ref = _REF_PREFIX + base
            if ref in held:
                continue  # the same unique name in both new/ and cur/: take one per scan
            item = self._try_claim(self._root / sub / name, base)
            if item is not None:
                held.add(ref)
                batch.append(item)
                size_bytes += len(item.raw)
        return batch

    def _try_claim(self, path: Path, base: str) -> Incoming | None:
        """Lock, move into ``cur/`` and read one message; None if it is not ours to take."""
        fd = _open_locked(path)
        if fd is None:
            return None
        try:
            info = os.fstat(fd)
            if not _is_same_file(path, info):
                os.close(fd)
                return None
            if path.parent.name == "new":
                target = self._root / "cur" / f"{base}{_INFO_SEPARATOR}{_INFO_PREFIX}"
                if os.path.lexists(target):
                    _log.warning("maildir.duplicate_name", name=base, folder=str(self._root))
                    os.close(fd)
                    return None
                os.rename(path, target)
                path = target
            raw = _read_all(fd)
        except FileNotFoundError:
            os.close(fd)  # a mail client or another intake moved it meanwhile
            return None
        except BaseException:
            os.close(fd)
            raise
        ref = _REF_PREFIX + base
        with self._guard:
            self._claims[ref] = _Claim(fd, path, info.st_dev, info.st_ino)
        return Incoming(ref=ref, raw=raw)

    def _claim_ref(self, ref: str) -> _Claim | None:
        """Take the claim this source holds on ``ref``, or claim it now if it is free."""
        base = _base_from_ref(ref)
        with self._guard:
            claim = self._claims.pop(ref, None)
        if claim is not None:
            return claim
        for sub in ("cur", "new"):
            for name in _message_names(self._root / sub):
                if _base_name(name, sub) == base and self._try_claim(self._root / sub / name, base):
                    with self._guard:
                        return self._claims.pop(ref, None)
        return None

    # Moving out of the inbox

    def _move_out(self, items: Sequence[Incoming], folder: Path, reason: str | None) -> None:
        """Rename each message into ``folder/cur``, then release it; fsync what moved."""
        for item in items:
            _base_from_ref(item.ref)  # refuse a bad ref before moving anything
        touched: set[Path] = set()
        try:
            for item in items:
                moved = self._move_one(item.ref, folder, reason)
                if moved is not None:
                    touched.update(moved)
        finally:
            for directory in touched:
                _fsync_dir(directory)

    def _move_one(self, ref: str, folder: Path, reason: str | None) -> tuple[Path, Path] | None:
        """Move one held message out of the inbox; the two folders touched, or None."""
        claim = self._claim_ref(ref)
        if claim is None:
            return None  # already gone: another intake moved it, or it was never here
        try:
            current = self._locate(claim)
            if current is None:
                return None
            base = _base_from_ref(ref)
            if reason is not None:
                _write_reason(self._reasons, base, reason)
            flags = _flags(current.name)
            if reason is None:
                flags = "".join(sorted(set(flags) | {_PROCESSED_FLAG}))
            target = _free_target(folder / "cur", base, flags)
            os.rename(current, target)
        finally:
            os.close(claim.fd)  # only now may another intake take it, and it is gone
        return current.parent, target.parent

    def _locate(self, claim: _Claim) -> Path | None:
        """Where the claimed file is now: a mail client may have changed its flags."""
        if _is_same_inode(claim.path, claim.device, claim.inode):
            return claim.path
        base = _base_name(claim.path.name, "cur")
        cur = self._root / "cur"
        for name in _message_names(cur):
            if _base_name(name, "cur") == base and _is_same_inode(
                cur / name, claim.device, claim.inode
            ):
                return cur / name
        return None


def deliver(root: Path, raw: bytes) -> str:
    """Deliver ``raw`` into the Maildir at ``root`` (tmp, fsync, rename); its file name."""
    ensure_maildir(root)
    name = _unique_name()
    staged = root / "tmp" / name
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, _FILE_MODE)
    try:
        view = memoryview(raw)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(staged, root / "new" / name)
    _fsync_dir(root / "new")
    return name


def ensure_maildir(root: Path) -> None:
    """Create ``root/{new,cur,tmp}`` (mode 0700) where missing; MaildirError if it cannot be."""
    for folder in (root, root / "new", root / "cur", root / "tmp"):
        _make_dir(folder)


# Names


def _checked_folder(name: str) -> str:
    """A Maildir++ folder name that stays inside the root, or ValueError."""
    if not name or name.startswith(".") or any(c in name for c in "/\0") or ".." in name:
        raise ValueError(f"'{name}' is not a usable Maildir++ folder name")
    return name


def _base_name(name: str, sub: str) -> str:
    """The unique name: all of a ``new/`` name, a ``cur/`` name without its ``:2,<flags>``."""
    if sub == "new" or _INFO_SEPARATOR not in name:
        return name
    return name.rpartition(_INFO_SEPARATOR)[0]


def _flags(name: str) -> str:
    """The flags of a ``cur/`` file name (``...:2,FS`` gives ``FS``)."""
    if _INFO_SEPARATOR not in name:
        return ""
    info = name.rpartition(_INFO_SEPARATOR)[2]
    return "".join(c for c in info[2:] if c.isascii() and c.isalpha()) if info[:2] == "2," else ""


def _base_from_ref(ref: str) -> str:
    """The unique name in a ``maildir:<name>`` ref; ValueError for anything else."""
    base = ref.removeprefix(_REF_PREFIX)
    if (
        not ref.startswith(_REF_PREFIX)
        or not base
        or base.startswith(".")
        or len(base) > _MAX_NAME_CHARS
        or any(c in base for c in "/\0")
    ):
        raise ValueError(f"'{ref[:300]}' is not a Maildir message ref")
    return base


def _unique_name() -> str:
    """A delivery name per the Maildir spec: time, then what makes it unique to this host."""
    now_ns = time.time_ns()
    seconds, micros = divmod(now_ns // 1000, 1_000_000)
    host = socket.gethostname().replace("/", r"\057").replace(":", r"\072") or "localhost"
    count = next(_delivery_counter)
    return f"{seconds}.M{micros:06d}P{os.getpid()}Q{count}R{secrets.token_hex(4)}.{host}"


def _free_target(cur: Path, base: str, flags: str) -> Path:
    """``cur/<base>:2,<flags>``, or a fresh unique name if that one is taken."""
    target = cur / f"{base}{_INFO_SEPARATOR}{_INFO_PREFIX}{flags}"
    while os.path.lexists(target):
        # Never replace a file: the same unique name can only come back by mistake.
        fresh = f"{base}.R{secrets.token_hex(4)}"
        target = cur / f"{fresh}{_INFO_SEPARATOR}{_INFO_PREFIX}{flags}"
    return target


# File system


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
    except FileExistsError:
        raise MaildirError(path, "exists and is not a folder") from None
    except NotADirectoryError:
        raise MaildirError(path, "a part of this path is a file, not a folder") from None
    except OSError as exc:
        raise MaildirError(path, exc.strerror or str(exc)) from exc


def _message_names(folder: Path) -> list[str]:
    """Regular, non-hidden files in ``folder`` (no symlinks, folders or sockets)."""
    try:
        with os.scandir(folder) as entries:
            return [
                entry.name
                for entry in entries
                if not entry.name.startswith(".") and entry.is_file(follow_symlinks=False)
            ]
    except FileNotFoundError:
        raise MaildirError(folder, "the Maildir folder has disappeared") from None


def _open_locked(path: Path) -> int | None:
    """An open descriptor on ``path`` holding an exclusive lock, or None if not free."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EACCES, errno.ENXIO):
            _log.warning("maildir.unreadable", path=str(path), error=exc.strerror)
            return None
        raise
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _is_same_file(path: Path, info: os.stat_result) -> bool:
    """Whether ``path`` still names the regular file ``info`` describes."""
    return stat.S_ISREG(info.st_mode) and _is_same_inode(path, info.st_dev, info.st_ino)


def _is_same_inode(path: Path, device: int, inode: int) -> bool:
    try:
        now = os.lstat(path)
    except FileNotFoundError:
        return False
    return (now.st_dev, now.st_ino) == (device, inode)


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    offset = 0
    while chunk := os.pread(fd, _READ_CHUNK_BYTES, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _write_reason(folder: Path, base: str, reason: str) -> None:
    """Write ``folder/<base>.txt`` atomically: a temporary file, fsync, rename."""
    text = reason[:_MAX_REASON_CHARS].encode("utf-8", "replace")
    fd, staged = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text if text.endswith(b"\n") else text + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(staged, folder / f"{base}.txt")
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)
        raise
    _fsync_dir(folder)


def _fsync_dir(path: Path) -> None:
    """Make renames into or out of ``path`` survive a power cut."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
