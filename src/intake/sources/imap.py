"""An IMAP mailbox as a mail source (aioimaplib), with IDLE, a safety poll and reconnects.

Everything still in the inbox is unprocessed: ``done`` moves messages to the processed
folder and ``quarantine`` to the quarantine folder, by UID (``UID MOVE``, or ``UID COPY`` +
``UID STORE \\Deleted`` + ``UID EXPUNGE``), never by sequence number, so a message another
client expunges meanwhile can never shift the move onto the wrong one. Reading uses
``BODY.PEEK[]`` and leaves ``\\Seen`` alone.

A ref is ``imap:<mailbox>:<uidvalidity>:<uid>``. When the server changes UIDVALIDITY every
UID the adapter knew is forgotten and the mailbox is read again; refs of the old epoch are
skipped by ``done`` (their messages come back and the case store de-duplicates them).

Every network call has a deadline, and a dropped connection is noticed at once (the
connection-lost callback ends the call waiting on it), then retried with exponential
backoff and full jitter. Settings, URL parsing and the error tree are in ``imap_config``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from aioimaplib import aioimaplib  # type: ignore[import-untyped]  # ships no type information

from intake.metrics import IMAP_RECONNECTS
from intake.sources import imap_wire as wire
from intake.sources.base import Incoming
from intake.sources.imap_config import (
    ImapCommandError,
    ImapConfig,
    ImapConfigError,
    ImapConnectionError,
    ImapError,
    ImapLoginError,
    Security,
    is_loopback,
    parse_imap_url,
)

__all__ = [
    "ImapCommandError",
    "ImapConfig",
    "ImapConfigError",
    "ImapConnectionError",
    "ImapError",
    "ImapLoginError",
    "ImapSource",
    "Security",
    "is_loopback",
    "parse_imap_url",
]

T = TypeVar("T")

_log = structlog.get_logger(__name__)
_QUARANTINE_KEYWORD = "$Quarantined"
_NETWORK_ERRORS = (OSError, EOFError, asyncio.IncompleteReadError, aioimaplib.AioImapException)


@dataclass(frozen=True, slots=True)
class _Reply:
    ok: bool
    lines: list[bytes | bytearray]

    @property
    def code(self) -> str | None:
        return wire.response_code(self.lines)

    @property
    def text(self) -> str:
        return wire.response_text(self.lines)


def _reply(response: Any) -> _Reply:
    return _Reply(ok=response.result == "OK", lines=list(response.lines))


class _Protocol(aioimaplib.IMAP4ClientProtocol):  # type: ignore[misc]  # untyped base
    """aioimaplib's protocol without the debug line it formats for every chunk received.

    The library builds that line (the repr of the message bytes) even when debug logging
    is off, and for large messages that costs more than the rest of reading them. The
    method is the library's own ``data_received`` (aioimaplib 2.0) without that line.
    """

    incomplete_line: bytes
    current_command: Any

    def data_received(self, d: bytes) -> None:
        try:
            self._handle_responses(
                self.incomplete_line + d, self._handle_line, self.current_command
            )
            self.incomplete_line = b""
            self.current_command = None
        except aioimaplib.IncompleteRead as incomplete_read:
            self.current_command = incomplete_read.cmd
            self.incomplete_line = incomplete_read.data


class _Client(aioimaplib.IMAP4):  # type: ignore[misc]  # untyped base
    """aioimaplib's client, speaking through ``_Protocol``."""

    def create_client(
        self,
        host: str,
        port: int,
        loop: asyncio.AbstractEventLoop | None,
        conn_lost_cb: Callable[[BaseException | None], None] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        local_loop = loop if loop is not None else asyncio.get_running_loop()
        self.protocol = _Protocol(local_loop, conn_lost_cb)
        self._client_task = local_loop.create_task(
            local_loop.create_connection(lambda: self.protocol, host, port, ssl=ssl_context)
        )


class _Session:
    """One logged-in connection with the mailbox selected."""

    def __init__(self) -> None:
        self.client: Any = None
        self.lost = asyncio.Event()  # unusable: dropped by the server, or given up on
        self.gone = asyncio.Event()  # the socket is closed
        self.capabilities: frozenset[str] = frozenset()
        self.uidvalidity = 0
        self.keywords = False
        self.yielded: set[int] = set()
        self.idle_task: asyncio.Future[Any] | None = None

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    def connection_lost(self, _exc: BaseException | None) -> None:
        self.lost.set()
        self.gone.set()

    def discard(self) -> bool:
        """Drop the connection without a word to the server; True if a socket is closing."""
        self.lost.set()
        if self.idle_task is not None:
            self.idle_task.cancel()
        for task in list(self.client.tasks) + list(self.client.protocol.tasks):
            task.cancel()
        # aioimaplib keeps the connect task private; it is the only handle on it.
        client_task = self.client._client_task
        if not client_task.done():
            client_task.cancel()
        transport = self.client.protocol.transport
        if transport is None or self.gone.is_set():
            return False
        # abort, not close: a TLS close waits for the peer's close_notify, and a socket
        # still open when the loop ends is leaked.
        transport.abort()
        return True


class ImapSource:
    """An IMAP mailbox as a ``MailSource``; ``reconnects`` counts re-established sessions."""

    def __init__(self, config: ImapConfig, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._config = config
        self._ssl_context = ssl_context
        self._session: _Session | None = None
        # A second session that never selects the mailbox, for the epoch check before moves
        self._probe: _Session | None = None
        self._uidvalidity: int | None = None
        # Taken messages not moved out yet: the fetch groups of one chunk of UIDs move out
        # together, since each MOVE makes the server sync the whole folder.
        self._taken: list[Incoming] = []
        self._more_in_chunk = False
        self._closed = False
        self._lock = asyncio.Lock()  # one exchange with the server at a time
        self._wake = asyncio.Event()
        self._log = _log.bind(mailbox=config.mailbox, host=config.host)
        self.reconnects = 0

    @property
    def config(self) -> ImapConfig:
        """The configuration this source was made with."""
        return self._config

    # -- reading ------------------------------------------------------------------------

    async def batches(self, *, watch: bool) -> AsyncIterator[Sequence[Incoming]]:
        """Waiting messages a batch at a time; with ``watch``, then new mail for ever."""
        failures = 0
        while not self._closed:
            reused = self._has_live_session()
            try:
                async with self._lock:
                    session = await self._ensure_session()
                failures = 0
                async with aclosing(self._drain(session)) as drained:
                    async for batch in drained:
                        yield batch
                if not watch:
                    return
                if self._session is session:
                    await self._wait_for_mail(session)
            except ImapConnectionError as exc:
                await self._drop()
                if not watch:
                    if reused:
                        continue  # the server dropped an idle session; one fresh try
                    raise
                failures += 1
                delay_s = self._backoff_s(failures)
                self._log.warning(
                    "imap.reconnect", error=str(exc), attempt=failures, delay_s=round(delay_s, 3)
                )
                await asyncio.sleep(delay_s)

    async def _drain(self, session: _Session) -> AsyncGenerator[list[Incoming], None]:
        """Batches of every message not yet yielded on this session, until none is left.

        The lock is held for each exchange with the server, never across a ``yield``: the
        caller runs ``done`` between batches.
        """
        while True:
            async with self._lock:
                uids = [uid for uid in await self._search(session) if uid not in session.yielded]
            self._more_in_chunk = False
            if not uids:
                return
            for start in range(0, len(uids), self._config.batch_size):
                chunk = uids[start : start + self._config.batch_size]
                async with self._lock:
                    groups = self._by_size(chunk, await self._sizes(session, chunk))
                for index, group in enumerate(groups):
                    async with self._lock:
                        items = await self._fetch(session, group)
                    self._more_in_chunk = index < len(groups) - 1
                    if items:
                        yield items
                    if self._session is not session:
                        return  # ``done`` replaced a dropped connection; start over

    async def _search(self, session: _Session) -> list[int]:
        # Without UIDPLUS a move leaves \Deleted copies behind until someone expunges;
        # they were handled already.
        criteria = "ALL" if session.has("UIDPLUS") else "UNDELETED"
        reply = await self._command(
            session, session.client.protocol.search(criteria, by_uid=True, charset=None)
        )
        self._expect(reply, "UID SEARCH")
        return wire.search_uids(reply.lines[:-1])

    async def _still_here(self, session: _Session, uids: list[int]) -> list[int]:
        """Which of ``uids`` the mailbox still holds."""
        reply = await self._command(
            session,
            session.client.protocol.search(f"UID {wire.uid_set(uids)}", by_uid=True, charset=None),
        )
        self._expect(reply, "UID SEARCH")
        return wire.search_uids(reply.lines[:-1])

    async def _sizes(self, session: _Session, uids: list[int]) -> dict[int, int]:
        reply = await self._command(
            session, session.client.uid("fetch", wire.uid_set(uids), "(UID RFC822.SIZE)")
        )
        self._expect(reply, "UID FETCH (RFC822.SIZE)")
        return wire.fetched_sizes(reply.lines)

    def _by_size(self, uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
        """Groups of UIDs whose messages together stay under ``max_batch_bytes``."""
        groups: list[list[int]] = []
        current: list[int] = []
        total = 0
        for uid in uids:
            if uid not in sizes:
                continue  # expunged since the search
            if current and total + sizes[uid] > self._config.max_batch_bytes:
                groups.append(current)
                current, total = [], 0
            current.append(uid)
            total += sizes[uid]
        if current:
            groups.append(current)
        return groups

    async def _fetch(self, session: _Session, uids: list[int]) -> list[Incoming]:
        reply = await self._command(
            session, session.client.uid("fetch", wire.uid_set(uids), "(UID BODY.PEEK[])")
        )
        self._expect(reply, "UID FETCH (BODY.PEEK[])")
        bodies = wire.fetched_bodies(reply.lines)
        items = [
            Incoming(wire.make_ref(self._config.mailbox, session.uidvalidity, uid), bodies[uid])
            for uid in uids
            if uid in bodies
        ]
        session.yielded.update(uid for uid in uids if uid in bodies)
        self._log.debug("imap.fetched", count=len(items), uids=wire.uid_set(uids))
        return items

    async def _wait_for_mail(self, session: _Session) -> None:
        """Return when the server reports a change, when a safety poll is due, or when
        ``done`` or ``quarantine`` needs the connection."""
        if self._taken:
            await self._move_taken()  # nothing more is being read: none may wait
        window_s = min(self._config.idle_restart_s, self._config.poll_interval_s)
        if not session.has("IDLE"):
            await self._sleep_unless_lost(session, self._config.poll_interval_s)
            return
        async with self._lock:
            if self._wake.is_set():
                return
            client = session.client
            # aioimaplib's own IDLE timers are set past our window; ours decides.
            slack_s = window_s * 2 + self._config.timeout_s
            idle_task = await self._call(session, client.idle_start(timeout=slack_s))
            session.idle_task = idle_task
            try:
                async with asyncio.timeout(window_s):
                    await self._idle_until_push_or_wake(session, slack_s)
            except TimeoutError:
                pass  # the window is over: end IDLE and search, as a safety poll
            client.idle_done()
            session.idle_task = None
            await self._call(session, idle_task)

    async def _idle_until_push_or_wake(self, session: _Session, slack_s: float) -> None:
        push = asyncio.ensure_future(
            self._call(session, session.client.wait_server_push(timeout=slack_s), timeout_s=slack_s)
        )
        wake = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({push, wake}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            wake.cancel()
            if not push.done():
                push.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await push
        if not push.cancelled():
            self._log.debug("imap.pushed", lines=len(push.result()))

    async def _sleep_unless_lost(self, session: _Session, delay_s: float) -> None:
        try:
            async with asyncio.timeout(delay_s):
                await session.lost.wait()
        except TimeoutError:
            return
        raise ImapConnectionError("The IMAP server closed the connection.", host=self._config.host)

    # -- moving out -----------------------------------------------------------------------

    async def done(self, items: Sequence[Incoming]) -> None:
        """Move these messages from the inbox into the processed folder: now, or with the
        rest of their chunk when more of it is still being read (a crash before then
        leaves them in the inbox, to be seen again as duplicates)."""
        self._taken.extend(items)
        if self._more_in_chunk and len(self._taken) < self._config.batch_size:
            return
        await self._move_taken()

    async def _move_taken(self) -> None:
        taken, self._taken = self._taken, []
        await self._move(taken, self._config.processed_folder, keyword=None)

    async def quarantine(self, item: Incoming, reason: str) -> None:
        """Move this message into the quarantine folder, marked ``$Quarantined``."""
        self._log.info("imap.quarantine", ref=item.ref, reason=reason[:200])
        await self._move([item], self._config.quarantine_folder, keyword=_QUARANTINE_KEYWORD)

    async def _move(self, items: Sequence[Incoming], folder: str, *, keyword: str | None) -> None:
        if not items:
            return
        self._wake.set()  # a watcher in IDLE ends it and lets go of the connection
        async with self._lock:
            self._wake.clear()
            while True:
                reused = self._has_live_session()
                try:
                    session = await self._ensure_session()
                    await self._check_epoch(session)
                    uids = self._current_uids(items, session)
                    if uids:
                        await self._move_uids(session, uids, folder, keyword)
                    return
                except ImapConnectionError:
                    await self._drop()
                    if not reused:
                        raise

    async def _check_epoch(self, session: _Session) -> None:
        """Make sure the session's UIDVALIDITY is the mailbox's current one before a move
        by UID: a ref of an old epoch must never move the new message that now has its UID.

        A mailbox re-created under a selected session can go unnoticed by that session
        (Dovecot on Maildir then moves the new messages, and answers STATUS from the old
        view), so a second session that never selects the mailbox asks STATUS: on 10,000
        messages 0.2 ms when nothing moved, about 70 ms while moves go on, where a SELECT
        re-reads the whole folder (about 190 ms). Only when the epochs
        differ, or the second session cannot answer, is the mailbox selected again.
        """
        current: int | None = None
        try:
            probe = self._probe
            if probe is None or probe.lost.is_set():
                if probe is not None:
                    await self._release(probe)
                probe = self._probe = await self._connect(primary=False)
            reply = await self._command(
                probe,
                probe.client.status(wire.encode_mailbox(self._config.mailbox), "(UIDVALIDITY)"),
            )
            current = wire.status_uidvalidity(reply.lines) if reply.ok else None
        except (ImapError, *_NETWORK_ERRORS, TimeoutError) as exc:
            self._log.debug("imap.probe_failed", error=str(exc))
        if current is not None and current == session.uidvalidity:
            return
        await self._select(session)

    def _current_uids(self, items: Sequence[Incoming], session: _Session) -> list[int]:
        """UIDs of the items that belong to this mailbox and its current UIDVALIDITY."""
        uids: list[int] = []
        for item in items:
            ref = wire.parse_ref(item.ref)
            if ref is None or ref.mailbox != self._config.mailbox:
                self._log.warning("imap.foreign_ref", ref=item.ref[:200])
            elif ref.uidvalidity != session.uidvalidity:
                self._log.info("imap.stale_ref", uid=ref.uid, uidvalidity=ref.uidvalidity)
            else:
                uids.append(ref.uid)
        return uids

    async def _move_uids(
        self, session: _Session, uids: list[int], folder: str, keyword: str | None
    ) -> None:
        client, uid_text, target = session.client, wire.uid_set(uids), wire.encode_mailbox(folder)
        if keyword is not None and session.keywords:
            # Best effort: the reason itself lives in the case store.
            await self._command(session, client.uid("store", uid_text, "+FLAGS.SILENT", keyword))
        if session.has("MOVE"):
            reply = await self._command(session, client.uid("move", uid_text, target))
            if not reply.ok and reply.code == "TRYCREATE":
                await self._create_folder(session, folder)
                reply = await self._command(session, client.uid("move", uid_text, target))
            if not reply.ok and reply.code == "EXPUNGEISSUED":
                # Another client (a second intake on this mailbox) moved some of them first;
                # the store took each message once, so only what is still here moves.
                left = await self._still_here(session, uids)
                if not left:
                    session.yielded.difference_update(uids)
                    return
                uid_text = wire.uid_set(left)
                reply = await self._command(session, client.uid("move", uid_text, target))
            self._expect(reply, f"UID MOVE to {folder}")
        else:
            reply = await self._command(session, client.uid("copy", uid_text, target))
            self._expect(reply, f"UID COPY to {folder}")
            flags = "+FLAGS.SILENT", "(\\Deleted)"
            reply = await self._command(session, client.uid("store", uid_text, *flags))
            self._expect(reply, "UID STORE \\Deleted")
            if session.has("UIDPLUS"):
                reply = await self._command(session, client.uid("expunge", uid_text))
                self._expect(reply, "UID EXPUNGE")
        session.yielded.difference_update(uids)
        self._log.info("imap.moved", folder=folder, count=len(uids), uids=uid_text)

    # -- connection ---------------------------------------------------------------------

    def _has_live_session(self) -> bool:
        return self._session is not None and not self._session.lost.is_set()

    async def _ensure_session(self) -> _Session:
        session = self._session
        if session is not None and not session.lost.is_set():
            return session
        if session is not None:
            await self._drop()
        if self._closed:
            raise ImapConnectionError("The IMAP source is closed.", host=self._config.host)
        return await self._connect()

    async def _connect(self, *, primary: bool = True) -> _Session:
        config = self._config
        session = _Session()
        client = session.client = _Client(
            host=config.host,
            port=config.port,
            timeout=config.timeout_s,
            conn_lost_cb=session.connection_lost,
            ssl_context=self._tls_context() if config.security == "ssl" else None,
        )
        first = self._uidvalidity is None
        try:
            await self._call(session, client.wait_hello_from_server())
            if config.security == "starttls":
                await self._starttls(session)
            await self._login(session)
            await self._call(session, client.protocol.capability())
            session.capabilities = frozenset(c.upper() for c in client.protocol.capabilities)
            if not primary:
                return session
            for folder in (config.processed_folder, config.quarantine_folder):
                await self._create_folder(session, folder)
            await self._select(session)
        except Exception:
            await self._release(session)
            raise
        except BaseException:
            session.discard()
            raise
        if not first:
            self.reconnects += 1
            IMAP_RECONNECTS.inc()
        self._session = session
        self._log.info(
            "imap.connected", uidvalidity=session.uidvalidity, reconnects=self.reconnects
        )
        return session

    def _tls_context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context(ssl.Purpose.SERVER_AUTH)

    async def _starttls(self, session: _Session) -> None:
        protocol = session.client.protocol
        if "STARTTLS" not in protocol.capabilities:
            raise ImapLoginError(
                "The IMAP server offers no STARTTLS; refusing to log in without TLS.",
                host=self._config.host,
            )
        command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        reply = await self._command(session, protocol.execute(command))
        if not reply.ok:
            raise ImapLoginError(f"STARTTLS failed: {reply.text}", host=self._config.host)
        loop = asyncio.get_running_loop()
        protocol.transport = await self._call(
            session,
            loop.start_tls(
                protocol.transport,
                protocol,
                self._tls_context(),
                server_hostname=self._config.host,
            ),
        )
        # Capabilities seen before TLS may have been forged on the way.
        await self._call(session, protocol.capability())

    async def _login(self, session: _Session) -> None:
        config, client = self._config, session.client
        if config.xoauth2_token is not None:
            reply = await self._command(
                session, client.xoauth2(config.username, config.xoauth2_token)
            )
        else:
            reply = await self._command(session, client.login(config.username, config.password))
        if reply.ok:
            return
        if reply.code == "UNAVAILABLE":
            raise ImapConnectionError(f"IMAP login unavailable for now: {reply.text}")
        raise ImapLoginError(
            f"The IMAP server at {config.host} refused the login of {config.username!r}: "
            f"{reply.text or 'no reason given'}",
            host=config.host,
            mailbox=config.mailbox,
        )

    async def _create_folder(self, session: _Session, folder: str) -> None:
        reply = await self._command(session, session.client.create(wire.encode_mailbox(folder)))
        if reply.ok or reply.code == "ALREADYEXISTS":
            return
        listed = await self._command(
            session, session.client.list('""', wire.encode_mailbox(folder))
        )
        if not (listed.ok and len(listed.lines) > 1):
            raise ImapCommandError(
                f"Cannot create the IMAP folder {folder!r}: {reply.text}", host=self._config.host
            )

    async def _select(self, session: _Session) -> None:
        config = self._config
        reply = await self._command(
            session, session.client.select(wire.encode_mailbox(config.mailbox))
        )
        if not reply.ok:
            # Transient on purpose: a mailbox being re-created is missing for a moment.
            raise ImapConnectionError(f"Cannot open the IMAP mailbox: {reply.text}")
        uidvalidity = wire.select_uidvalidity(reply.lines) or 0
        if uidvalidity != session.uidvalidity:
            session.yielded.clear()
        session.uidvalidity = uidvalidity
        session.keywords = wire.allows_keywords(reply.lines)
        if self._uidvalidity is not None and self._uidvalidity != session.uidvalidity:
            self._log.warning(
                "imap.uidvalidity_changed", old=self._uidvalidity, new=session.uidvalidity
            )
        self._uidvalidity = session.uidvalidity

    async def _drop(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await self._release(session)

    async def _release(self, session: _Session) -> None:
        """Discard a session and give its socket a moment to close."""
        if session.discard():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await session.gone.wait()

    def _backoff_s(self, failures: int) -> float:
        """Full jitter: uniform between the floor and an exponentially growing ceiling."""
        low, high = self._config.reconnect_min_s, self._config.reconnect_max_s
        ceiling = min(high, low * 2.0 ** min(failures - 1, 30))
        return low + secrets.SystemRandom().random() * (ceiling - low)

    async def check(self) -> None:
        """Connect, log in and select the mailbox as the intake does first (an ``ImapError``
        says what failed), then log out: the health check."""
        async with self._lock:
            await self._ensure_session()
        await self.close()

    async def close(self) -> None:
        """Move out what was taken, log out (with a deadline) and drop the connection;
        never raises."""
        if self._taken and self._has_live_session():
            try:
                await self._move_taken()
            except (ImapError, *_NETWORK_ERRORS, TimeoutError) as exc:
                self._log.warning("imap.not_moved", error=str(exc)[:200])
        self._closed = True
        probe, self._probe = self._probe, None
        if probe is not None:
            await self._logout(probe)
        session, self._session = self._session, None
        if session is None:
            return
        await self._logout(session)

    async def _logout(self, session: _Session) -> None:
        """Log out with a deadline, then let go of the connection; never raises."""
        try:
            if session.idle_task is not None and not session.lost.is_set():
                session.client.idle_done()
            await self._call(
                session, session.client.logout(), timeout_s=min(5.0, self._config.timeout_s)
            )
        except (ImapError, *_NETWORK_ERRORS, TimeoutError) as exc:
            self._log.debug("imap.logout_failed", error=str(exc))
        finally:
            await self._release(session)

    # -- calls ----------------------------------------------------------------------------

    async def _command(self, session: _Session, call: Awaitable[Any]) -> _Reply:
        return _reply(await self._call(session, call))

    def _expect(self, reply: _Reply, what: str) -> None:
        if not reply.ok:
            raise ImapCommandError(
                f"The IMAP server refused {what or 'a command'}: {reply.text}",
                host=self._config.host,
                mailbox=self._config.mailbox,
            )

    async def _call(
        self, session: _Session, call: Awaitable[T], *, timeout_s: float | None = None
    ) -> T:
        """Await one network call with a deadline, ending it early if the connection drops."""
        task = asyncio.ensure_future(call)
        lost = asyncio.ensure_future(session.lost.wait())
        try:
            async with asyncio.timeout(timeout_s or self._config.timeout_s):
                await asyncio.wait({task, lost}, return_when=asyncio.FIRST_COMPLETED)
        except TimeoutError:
            raise ImapConnectionError(
                "The IMAP server did not answer in time.", host=self._config.host
            ) from None
        finally:
            lost.cancel()
            if not task.done():
                task.cancel()
        if not task.done() or task.cancelled():
            raise ImapConnectionError(
                "The IMAP server closed the connection.", host=self._config.host
            )
        try:
            return task.result()
        except _NETWORK_ERRORS as exc:
            raise ImapConnectionError(
                f"IMAP connection failed: {type(exc).__name__}: {exc}", host=self._config.host
            ) from exc
