"""Where outgoing mail goes when no SMTP relay is configured: files in a folder.

On embedded defaults (``importbio run`` on a fresh machine) there is no relay; every mail
the desk would send is written as an ``.eml`` file, atomically, so a person can read
exactly what would have gone out. It answers like a sender that always succeeds.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from notify.sender import Delivery, SendResult


class Transport(Protocol):
    """Something that delivers one message: an SMTP sender, or the folder below."""

    async def send(
        self, raw: bytes, *, mail_from: str, recipients: Sequence[str]
    ) -> SendResult: ...

    async def close(self) -> None: ...


class FolderTransport:
    """Writes each message to ``folder/<n>.eml`` (temp file, fsync, rename)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, raw: bytes, *, mail_from: str, recipients: Sequence[str]) -> SendResult:
        """Write the message; the envelope goes in ``X-Envelope-*`` lines on top."""
        envelope = f"X-Envelope-From: {mail_from}\r\nX-Envelope-To: {', '.join(recipients)}\r\n"
        path = await asyncio.to_thread(self._write, envelope.encode() + raw)
        return SendResult(Delivery.SENT, 250, f"written to {path}")

    def _write(self, data: bytes) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{os.urandom(6).hex()}.eml"
        tmp = self.folder / f".{name}.tmp"
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        target = self.folder / name
        tmp.rename(target)
        return target

    async def close(self) -> None:
        """Nothing to release."""
