"""What every mailbox adapter gives the intake: messages in batches, and two ways out.

A message leaves the mailbox only after its case is committed (``done``), or when it
cannot be read (``quarantine``); until then a crash leaves it where it was, and the next
run sees it again (the case store makes that harmless). Adapters never delete a message
and never rewrite its bytes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message as the mailbox holds it.

    ``ref`` names it in its mailbox, stable across restarts: ``imap:INBOX:<uidvalidity>:<uid>``
    or ``maildir:<file name>``. It is what ``done`` and ``quarantine`` act on.
    """

    ref: str
    raw: bytes = field(repr=False)


class MailSource(Protocol):
    """A mailbox the intake reads."""

    def batches(self, *, watch: bool) -> AsyncIterator[Sequence[Incoming]]:
        """Messages waiting in the mailbox, a batch at a time. With ``watch`` it then waits
        for new mail (IDLE, or polling) and never ends; without, it ends when drained."""
        ...

    async def done(self, items: Sequence[Incoming]) -> None:
        """Move these messages out of the inbox into the processed folder."""
        ...

    async def quarantine(self, item: Incoming, reason: str) -> None:
        """Move this message into the quarantine folder; ``reason`` is kept beside it where
        the mailbox allows (the case store keeps it in any case)."""
        ...

    async def close(self) -> None:
        """Log out and release the connection or files."""
        ...
