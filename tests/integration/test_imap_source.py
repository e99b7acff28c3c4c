"""The IMAP adapter against a real Dovecot: reading, moving, watching, reconnecting."""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aioimaplib import aioimaplib  # type: ignore[import-untyped]  # no type information

from intake.sources.base import Incoming
from intake.sources.imap import ImapConfig, ImapConnectionError, ImapLoginError, ImapSource
from intake.sources.imap_wire import parse_ref
from tests.services.dovecot import Dovecot

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
PASSWORD = "s3cret pass"  # a space on purpose: LOGIN must quote it


def crlf(raw: bytes) -> bytes:
    """The message as IMAP hands it out: every line ending CRLF."""
    return re.sub(rb"\r?\n", b"\r\n", raw)


def samples(count: int) -> list[bytes]:
    """The first ``count`` sample messages, CRLF line endings."""
    files = sorted(SAMPLES.glob("*.eml"))[:count]
    assert len(files) == count
    return [crlf(path.read_bytes()) for path in files]


def note(number: int) -> bytes:
    """A small distinct message."""
    return crlf(f"From: a@example.test\nSubject: note {number}\n\nbody {number}\n".encode())


@dataclass
class Box:
    """One user's mailbox on a Dovecot server."""

    server: Dovecot
    login: str

    def source(self, **overrides: Any) -> ImapSource:
        """An adapter for this mailbox, with short timeouts for tests."""
        settings: dict[str, Any] = {
            "security": "plain",
            "timeout_s": 5.0,
            "poll_interval_s": 30.0,
            "reconnect_min_s": 0.05,
            "reconnect_max_s": 0.5,
            **overrides,
        }
        return ImapSource(
            ImapConfig("127.0.0.1", self.server.imap_port, self.login, PASSWORD, **settings)
        )


def new_box(server: Dovecot) -> Box:
    """A fresh user on the server."""
    return Box(server, server.add_user(f"intake-{uuid.uuid4().hex[:10]}", PASSWORD))


@pytest.fixture
def box(dovecot_session: Dovecot) -> Iterator[Box]:
    """A fresh mailbox on the shared server; the server log tail is printed on teardown."""
    yield new_box(dovecot_session)
    print(dovecot_session.log_tail())


async def drain(source: ImapSource) -> list[list[Incoming]]:
    """Every batch of a non-watching run."""
    return [list(batch) async for batch in source.batches(watch=False)]


class Watcher:
    """Runs ``batches(watch=True)`` in a task and collects what it yields."""

    def __init__(self, source: ImapSource) -> None:
        self.source = source
        self.items: asyncio.Queue[Incoming] = asyncio.Queue()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for batch in self.source.batches(watch=True):
            for item in batch:
                self.items.put_nowait(item)

    async def next(self, timeout_s: float) -> Incoming:
        """The next yielded message, within the deadline."""
        async with asyncio.timeout(timeout_s):
            return await self.items.get()

    async def stop(self) -> None:
        """Cancel the watcher and log out."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.source.close()


@contextlib.asynccontextmanager
async def watching(source: ImapSource) -> AsyncIterator[Watcher]:
    """A running watcher, stopped on exit."""
    watcher = Watcher(source)
    try:
        await asyncio.sleep(0.3)  # connected and IDLE
        assert not watcher.task.done()
        yield watcher
    finally:
        await watcher.stop()


async def test_drain_yields_every_message_byte_identical(box: Box) -> None:
    """Twenty-five appended messages come out in UID order, in batches, byte for byte, unread."""
    raws = samples(25)
    for raw in raws:
        await asyncio.to_thread(box.server.append, box.login, "INBOX", raw)
    source = box.source(batch_size=10)
    try:
        batches = await drain(source)
    finally:
        await source.close()
    assert [len(batch) for batch in batches] == [10, 10, 5]
    items = [item for batch in batches for item in batch]
    assert [item.raw for item in items] == raws
    refs = [parse_ref(item.ref) for item in items]
    assert [ref.uid for ref in refs if ref] == list(range(1, 26))
    assert {(ref.mailbox, ref.uidvalidity > 0) for ref in refs if ref} == {("INBOX", True)}
    assert not any("\\Seen" in flags for flags in box.server.folder_flags(box.login, "INBOX"))


async def test_done_moves_to_processed_and_quarantine_to_quarantine(box: Box) -> None:
    """``done`` empties the inbox into Processed, ``quarantine`` moves one to Quarantine."""
    raws = samples(25)
    for raw in raws:
        await asyncio.to_thread(box.server.append, box.login, "INBOX", raw)
    source = box.source()
    try:
        items = [item for batch in await drain(source) for item in batch]
        await source.quarantine(items[3], "cannot be parsed")
        await source.done(items[:3] + items[4:])
        assert await drain(source) == []
    finally:
        await source.close()
    assert box.server.folder_uids(box.login, "INBOX") == []
    assert box.server.folder_messages(box.login, "Processed") == raws[:3] + raws[4:]
    assert box.server.folder_messages(box.login, "Quarantine") == [raws[3]]
    assert "$Quarantined" in box.server.folder_flags(box.login, "Quarantine")[0]


async def test_byte_budget_splits_batches(box: Box) -> None:
    """With a byte budget smaller than two messages, each batch holds one message."""
    for number in range(3):
        await asyncio.to_thread(box.server.append, box.login, "INBOX", note(number))
    source = box.source(max_batch_bytes=len(note(0)) + 1)
    try:
        batches = await drain(source)
    finally:
        await source.close()
    assert [[item.raw for item in batch] for batch in batches] == [[note(n)] for n in range(3)]


async def test_the_groups_of_one_chunk_move_out_together(box: Box) -> None:
    """Batches split by the byte budget from one chunk of UIDs are moved out by one MOVE,
    when the last of them is done; until then they stay in the inbox."""
    for number in range(4):
        await asyncio.to_thread(box.server.append, box.login, "INBOX", note(number))
    source = box.source(batch_size=10, max_batch_bytes=len(note(0)) + 1)
    moves: list[list[int]] = []
    move_uids = source._move_uids

    async def counted(session: Any, uids: list[int], *args: Any) -> None:
        moves.append(list(uids))
        await move_uids(session, uids, *args)

    source._move_uids = counted  # type: ignore[method-assign]
    try:
        seen = 0
        async for batch in source.batches(watch=False):
            seen += len(batch)
            await source.done(batch)
            waiting = box.server.folder_uids(box.login, "INBOX")
            assert len(waiting) == (4 if seen < 4 else 0)
    finally:
        await source.close()
    assert moves == [[1, 2, 3, 4]]
    assert box.server.folder_messages(box.login, "Processed") == [note(n) for n in range(4)]


async def test_watch_yields_lmtp_delivery_within_two_seconds(box: Box) -> None:
    """A message delivered over LMTP while watching is yielded within about 2 s (IDLE)."""
    source = box.source(poll_interval_s=30.0)
    async with watching(source) as watcher:
        started = time.monotonic()
        await asyncio.to_thread(box.server.deliver, box.login, note(1))
        item = await watcher.next(timeout_s=2.5)
        assert time.monotonic() - started < 2.0
    assert item.raw.endswith(note(1))  # LMTP adds Return-Path and Received on top
    assert source.reconnects == 0


async def test_done_while_watching_and_no_second_yield(box: Box) -> None:
    """Messages yielded once are not yielded again by later searches on the same session."""
    source = box.source(poll_interval_s=0.2)
    async with watching(source) as watcher:
        await asyncio.to_thread(box.server.deliver, box.login, note(1))
        first = await watcher.next(timeout_s=3.0)
        await asyncio.sleep(0.6)  # several safety polls while the message is still there
        assert watcher.items.empty()
        await source.done([first])
        await asyncio.to_thread(box.server.deliver, box.login, note(2))
        second = await watcher.next(timeout_s=3.0)
    assert second.raw.endswith(note(2))
    assert len(box.server.folder_uids(box.login, "Processed")) == 1


async def test_done_while_the_watcher_idles_does_not_wait_for_the_poll(box: Box) -> None:
    """``done`` from another task ends the watcher's IDLE at once instead of waiting it out."""
    source = box.source(poll_interval_s=30.0)
    async with watching(source) as watcher:
        await asyncio.to_thread(box.server.deliver, box.login, note(1))
        item = await watcher.next(timeout_s=3.0)
        await asyncio.sleep(0.3)  # back in IDLE
        started = time.monotonic()
        await source.done([item])
        assert time.monotonic() - started < 1.0
        await asyncio.to_thread(box.server.deliver, box.login, note(2))
        later = await watcher.next(timeout_s=3.0)  # and the watcher went back to IDLE
    assert later.raw.endswith(note(2))
    assert len(box.server.folder_uids(box.login, "Processed")) == 1


async def test_safety_poll_finds_mail_when_idle_reports_nothing(
    box: Box, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With IDLE notifications lost, the safety poll still finds new mail, without reconnecting."""

    async def never_pushes(self: object, **_options: object) -> list[bytes]:
        await asyncio.Event().wait()
        return []

    monkeypatch.setattr(aioimaplib.IMAP4, "wait_server_push", never_pushes)
    source = box.source(poll_interval_s=0.5)
    async with watching(source) as watcher:
        await asyncio.to_thread(box.server.deliver, box.login, note(1))
        item = await watcher.next(timeout_s=3.0)
    assert item.raw.endswith(note(1))
    assert source.reconnects == 0


async def test_reconnects_after_the_server_drops_the_session(box: Box) -> None:
    """When the server kicks the session, the watcher reconnects and reads new mail."""
    source = box.source()
    async with watching(source) as watcher:
        await asyncio.to_thread(box.server.kick, box.login)
        await asyncio.sleep(0.3)
        await asyncio.to_thread(box.server.deliver, box.login, note(1))
        item = await watcher.next(timeout_s=3.0)
    assert item.raw.endswith(note(1))
    assert source.reconnects >= 1


async def test_reconnects_after_a_server_restart(dovecot: Dovecot) -> None:
    """While the server is down the watcher backs off; once it is back it reads mail again."""
    mailbox = new_box(dovecot)
    source = mailbox.source(reconnect_min_s=0.1, reconnect_max_s=0.4)
    async with watching(source) as watcher:
        await asyncio.to_thread(dovecot.stop)
        await asyncio.sleep(1.0)  # several failed attempts
        await asyncio.to_thread(dovecot.start)
        await asyncio.to_thread(dovecot.deliver, mailbox.login, note(1))
        item = await watcher.next(timeout_s=5.0)
    assert item.raw.endswith(note(1))
    assert source.reconnects >= 1


async def test_close_never_raises_when_the_server_is_gone(dovecot: Dovecot) -> None:
    """``close`` after the server died returns quietly."""
    mailbox = new_box(dovecot)
    source = mailbox.source()
    assert await drain(source) == []
    await asyncio.to_thread(dovecot.stop)
    await source.close()


async def test_uidvalidity_change_rereads_and_skips_stale_refs(box: Box) -> None:
    """After the mailbox is re-created, old refs move nothing and the messages are seen again."""
    server, login = box.server, box.login
    server.create_folder(login, "Intake")
    for number in range(3):
        server.append(login, "Intake", note(number))
    source = box.source(mailbox="Intake")
    try:
        old = [item for batch in await drain(source) for item in batch]
        server.delete_folder(login, "Intake")
        server.create_folder(login, "Intake")
        for number in range(3):
            server.append(login, "Intake", note(number))
        await source.done(old)  # same UIDs, old epoch: must not touch the new messages
        assert server.folder_uids(login, "Intake") == [1, 2, 3]
        assert server.folder_uids(login, "Processed") == []
        again = [item for batch in await drain(source) for item in batch]
        await source.done(again)
    finally:
        await source.close()
    assert [item.raw for item in again] == [note(n) for n in range(3)]
    old_epoch = {ref.uidvalidity for ref in map(parse_ref, (i.ref for i in old)) if ref}
    new_epoch = {ref.uidvalidity for ref in map(parse_ref, (i.ref for i in again)) if ref}
    assert len(old_epoch) == len(new_epoch) == 1
    assert old_epoch != new_epoch
    assert server.folder_messages(login, "Processed") == [note(n) for n in range(3)]


@pytest.mark.parametrize("watch", [False, True])
async def test_wrong_password_is_a_clear_error(box: Box, watch: bool) -> None:
    """A refused login raises ImapLoginError naming the user, and is not retried."""
    config = box.source().config
    source = ImapSource(
        ImapConfig(config.host, config.port, box.login, "wrong", security="plain", timeout_s=5.0)
    )
    with pytest.raises(ImapLoginError, match=rf"refused the login of '{box.login}'.*[Aa]uth"):
        async with asyncio.timeout(5.0):
            await drain(source) if not watch else await anext(source.batches(watch=True))
    assert source.reconnects == 0
    await source.close()


@pytest.fixture
def dovecot_without_move() -> Iterator[Dovecot]:
    """A Dovecot that announces neither MOVE nor IDLE."""
    server = Dovecot(extra_conf="imap_capability = IMAP4rev1 LITERAL+ UIDPLUS\n")
    try:
        server.start()
        yield server
        print(server.log_tail())
    finally:
        server.cleanup()


async def test_without_move_uses_copy_store_expunge_and_polls(
    dovecot_without_move: Dovecot,
) -> None:
    """Without MOVE, ``done`` copies and expunges by UID; without IDLE, watching polls."""
    mailbox = new_box(dovecot_without_move)
    for number in range(4):
        dovecot_without_move.append(mailbox.login, "INBOX", note(number))
    source = mailbox.source(poll_interval_s=0.3)
    items = [item for batch in await drain(source) for item in batch]
    await source.done(items[:2])
    assert dovecot_without_move.folder_uids(mailbox.login, "INBOX") == [3, 4]
    assert dovecot_without_move.folder_messages(mailbox.login, "Processed") == items_raw(items[:2])
    await source.close()
    source = mailbox.source(poll_interval_s=0.3)
    async with watching(source) as watcher:
        seen = [await watcher.next(timeout_s=2.0) for _ in range(2)]
        await asyncio.to_thread(dovecot_without_move.deliver, mailbox.login, note(9))
        late = await watcher.next(timeout_s=3.0)
    assert items_raw(seen) == [note(2), note(3)]
    assert late.raw.endswith(note(9))


def items_raw(items: list[Incoming]) -> list[bytes]:
    """The bytes of the items, in order."""
    return [item.raw for item in items]


@pytest.fixture
def dovecot_tls() -> Iterator[Dovecot]:
    """A Dovecot with a self-signed certificate: STARTTLS on IMAP, and IMAPS."""
    server = Dovecot(tls=True)
    try:
        server.start()
        yield server
        print(server.log_tail())
    finally:
        server.cleanup()


@pytest.mark.parametrize("security", ["ssl", "starttls"])
async def test_tls_modes_log_in_and_read(dovecot_tls: Dovecot, security: str) -> None:
    """Over implicit TLS and over STARTTLS the adapter verifies the certificate and reads mail."""
    mailbox = new_box(dovecot_tls)
    dovecot_tls.append(mailbox.login, "INBOX", note(1))
    port = dovecot_tls.imaps_port if security == "ssl" else dovecot_tls.imap_port
    context = ssl.create_default_context(cafile=str(dovecot_tls.cert_path))
    config = ImapConfig("127.0.0.1", port, mailbox.login, PASSWORD, security=security)  # type: ignore[arg-type]
    source = ImapSource(config, ssl_context=context)
    try:
        items = [item for batch in await drain(source) for item in batch]
    finally:
        await source.close()
    assert items_raw(items) == [note(1)]
    logins = [line for line in dovecot_tls.log_tail().splitlines() if "Login: " in line]
    assert ", TLS," in logins[-1]  # the adapter's login; the first one is the helper's


async def test_tls_with_an_untrusted_certificate_fails(dovecot_tls: Dovecot) -> None:
    """A certificate the client does not trust stops the connection before any login."""
    mailbox = new_box(dovecot_tls)
    config = ImapConfig("127.0.0.1", dovecot_tls.imaps_port, mailbox.login, PASSWORD)
    source = ImapSource(config)
    with pytest.raises(ImapConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        await drain(source)
    await source.close()


async def test_starttls_refused_when_the_server_does_not_offer_it(box: Box) -> None:
    """Asked for STARTTLS, the adapter never falls back to a clear-text login."""
    config = ImapConfig("127.0.0.1", box.server.imap_port, box.login, PASSWORD, security="starttls")
    source = ImapSource(config)
    with pytest.raises(ImapLoginError, match="offers no STARTTLS"):
        await drain(source)
    await source.close()
    assert f"user=<{box.login}>" not in box.server.log_tail(200)
