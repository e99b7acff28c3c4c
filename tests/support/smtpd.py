"""An in-process SMTP server for tests: records every message and injects faults on request.

``RecordingSMTP`` runs aiosmtpd's threaded ``Controller`` on a free port of 127.0.0.1 (the
aiosmtplib ``tests/smtpd.py`` pattern) and keeps what arrived: envelope sender, recipients,
raw bytes, and the connection each message came on, so a test can count connections.
Faults, each for the next occurrences only:

- ``fail_next(n, "451 4.3.0 try later")``: the next n commands (or the next n of one verb)
  get that reply instead of being handled; ``disconnect=True`` closes the connection after
  the reply, and a reply of ``None`` closes it without a word;
- ``fail_rcpt("bad@x", "550 5.1.1 no such user")``: that recipient is refused, every time;
- ``fail_data("554 5.6.0 rejected")``: the reply to the end of DATA, after the body arrived;
- ``stall_data(seconds)``: the message is recorded, then the reply to the end of DATA waits;
- ``drop_connections()``: the server closes every open connection, as an idle timeout does.

``stop()`` and ``start()`` again keep the same port, for outage drills. ``users`` turns on
AUTH PLAIN/LOGIN (allowed without TLS, as ``auth_require_tls=False``); ``tls`` with a
``TlsFiles`` turns on STARTTLS (required before MAIL), or TLS from the first byte with
``implicit_tls=True``; ``max_message_bytes`` sets the SIZE it announces.
``make_self_signed_cert`` writes a certificate for 127.0.0.1 with the ``cryptography``
package when it is installed, else with the ``openssl`` command.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import importlib.util
import ipaddress
import shutil
import ssl
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.services.common import free_port

_DROP_WAIT_S = 5.0
_READY_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """One message as the server got it, with the connection (1, 2, ...) it came on."""

    mail_from: str
    recipients: tuple[str, ...]
    raw: bytes
    connection: int
    login: str | None
    tls: bool


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """A self-signed certificate for localhost and 127.0.0.1, and its key."""

    cert_path: Path
    key_path: Path

    def server_context(self) -> ssl.SSLContext:
        """A server-side context presenting the certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client-side context that trusts exactly this certificate, host names checked."""
        return ssl.create_default_context(cafile=str(self.cert_path))


@dataclass(frozen=True, slots=True)
class _Fault:
    reply: str | None
    command: str | None
    disconnect: bool


class RecordingHandler:
    """The aiosmtpd handler: records messages and holds the faults to inject.

    Hooks run on the server's thread, the test reads from its own: the lock guards both.
    """

    def __init__(self, users: Mapping[str, str]) -> None:
        self._lock = threading.Lock()
        self._users = dict(users)
        self._messages: list[ReceivedMessage] = []
        self._connections = 0
        self._faults: collections.deque[_Fault] = collections.deque()
        self._rcpt_faults: dict[str, str] = {}
        self._data_faults: collections.deque[str] = collections.deque()
        self._stalls: collections.deque[float] = collections.deque()
        self.counting = False
        self.live: set[_RecordingServer] = set()

    @property
    def messages(self) -> list[ReceivedMessage]:
        """A copy of the messages received so far, in order."""
        with self._lock:
            return list(self._messages)

    @property
    def connections(self) -> int:
        """How many client connections were opened since the server first started."""
        with self._lock:
            return self._connections

    def connection_opened(self) -> int:
        """Count a new connection and return its number (0 for the controller's own probe)."""
        with self._lock:
            if not self.counting:
                return 0
            self._connections += 1
            return self._connections

    def add_faults(self, faults: list[_Fault]) -> None:
        """Queue command faults, answered in order."""
        with self._lock:
            self._faults.extend(faults)

    def take_fault(self, command: str) -> _Fault | None:
        """The fault for this command, if the next queued one applies to it."""
        with self._lock:
            if self._faults and self._faults[0].command in (None, command):
                return self._faults.popleft()
            return None

    def set_rcpt_fault(self, address: str, reply: str) -> None:
        """Refuse this recipient with this reply from now on."""
        with self._lock:
            self._rcpt_faults[address.lower()] = reply

    def add_data_faults(self, reply: str, count: int) -> None:
        """Answer the end of the next ``count`` DATA with this reply."""
        with self._lock:
            self._data_faults.extend([reply] * count)

    def add_stalls(self, seconds: float, count: int) -> None:
        """Hold the reply to the end of the next ``count`` DATA for ``seconds``."""
        with self._lock:
            self._stalls.extend([seconds] * count)

    def authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        """aiosmtpd authenticator: accept the configured users and nobody else."""
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
            if login in self._users and self._users[login] == password:
                return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd finds hooks by this name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Refuse the recipients told to fail; accept the others."""
        with self._lock:
            reply = self._rcpt_faults.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd finds hooks by this name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """Record the message, then answer as told (after a stall, if one is queued)."""
        with self._lock:
            reply = self._data_faults.popleft() if self._data_faults else None
            stall_s = self._stalls.popleft() if self._stalls else 0.0
        if reply is None:
            self._record(server, session, envelope)
        if stall_s:
            await asyncio.sleep(stall_s)
        return reply or "250 2.0.0 OK: queued"

    def _record(self, server: SMTP, session: Session, envelope: Envelope) -> None:
        transport = server.transport
        message = ReceivedMessage(
            mail_from=envelope.mail_from or "",
            recipients=tuple(envelope.rcpt_tos),
            raw=bytes(envelope.original_content or b""),
            connection=server.number if isinstance(server, _RecordingServer) else 0,
            login=session.auth_data if isinstance(session.auth_data, str) else None,
            tls=transport is not None and transport.get_extra_info("sslcontext") is not None,
        )
        with self._lock:
            self._messages.append(message)


class _RecordingServer(SMTP):
    """aiosmtpd's SMTP with connection counting and command faults."""

    def __init__(self, handler: RecordingHandler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.recorder = handler
        self.number = 0
        self.closed: asyncio.Future[None] = self.loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # aiosmtpd calls this again after STARTTLS on the same connection.
        fresh = self.transport is None
        super().connection_made(transport)
        if fresh:
            self.number = self.recorder.connection_opened()
            self.recorder.live.add(self)

    def connection_lost(self, error: Exception | None) -> None:
        self.recorder.live.discard(self)
        if not self.closed.done():
            self.closed.set_result(None)
        super().connection_lost(error)

    async def _faulted(self, command: str) -> bool:
        fault = self.recorder.take_fault(command)
        if fault is None:
            return False
        if fault.reply is not None:
            await self.push(fault.reply)
        if (fault.disconnect or fault.reply is None) and self.transport is not None:
            self.transport.close()
        return True

    async def smtp_EHLO(self, hostname: str) -> None:  # noqa: N802 - aiosmtpd's command name
        if not await self._faulted("EHLO"):
            await super().smtp_EHLO(hostname)

    async def smtp_HELO(self, hostname: str) -> None:  # noqa: N802 - aiosmtpd's command name
        if not await self._faulted("HELO"):
            await super().smtp_HELO(hostname)

    async def smtp_MAIL(self, arg: str | None) -> None:  # noqa: N802 - aiosmtpd's command name
        if not await self._faulted("MAIL"):
            await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg: str | None) -> None:  # noqa: N802 - aiosmtpd's command name
        if not await self._faulted("RCPT"):
            await super().smtp_RCPT(arg)

    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802 - aiosmtpd's command name
        if not await self._faulted("DATA"):
            await super().smtp_DATA(arg)

    async def smtp_RSET(self, arg: str) -> None:  # noqa: N802 - aiosmtpd's command name
        if not await self._faulted("RSET"):
            await super().smtp_RSET(arg)

    async def smtp_NOOP(self, arg: str) -> None:  # noqa: N802 - aiosmtpd's command name
        if not await self._faulted("NOOP"):
            await super().smtp_NOOP(arg)


class _RecordingController(Controller):
    def factory(self) -> SMTP:
        return _RecordingServer(self.handler, **self.SMTP_kwargs)


class RecordingSMTP:
    """A recording SMTP server on 127.0.0.1; a context manager that starts and stops it."""

    def __init__(
        self,
        *,
        port: int | None = None,
        users: Mapping[str, str] | None = None,
        tls: TlsFiles | None = None,
        implicit_tls: bool = False,
        idle_timeout_s: float = 300.0,
        max_message_bytes: int | None = None,
    ) -> None:
        if implicit_tls and tls is None:
            raise ValueError("implicit_tls needs tls files")
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.users = dict(users or {})
        self.idle_timeout_s = idle_timeout_s
        self.max_message_bytes = max_message_bytes
        self.handler = RecordingHandler(self.users)
        self._controller: _RecordingController | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True while the server listens."""
        return self._controller is not None

    @property
    def messages(self) -> list[ReceivedMessage]:
        """The messages received so far, over every start of the server."""
        return self.handler.messages

    @property
    def connections(self) -> int:
        """Client connections opened so far (the controller's start-up probe not counted)."""
        return self.handler.connections

    def url(self, *, user: str | None = None, password: str | None = None) -> str:
        """The server's ``smtp://`` or ``smtps://`` URL, with credentials when given."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        credentials = f"{user}:{password}@" if user is not None else ""
        query = "?starttls=1" if self.tls is not None and not self.implicit_tls else ""
        return f"{scheme}://{credentials}{self.host}:{self.port}{query}"

    def start(self) -> None:
        """Listen on the server's port (the same one after a stop)."""
        if self._controller is not None:
            return
        options: dict[str, Any] = {"timeout": self.idle_timeout_s}
        if self.max_message_bytes is not None:
            options["data_size_limit"] = self.max_message_bytes
        if self.users:
            options |= {"authenticator": self.handler.authenticate, "auth_require_tls": False}
        if self.tls is not None and self.implicit_tls:
            options["ssl_context"] = self.tls.server_context()
        elif self.tls is not None:
            options |= {"tls_context": self.tls.server_context(), "require_starttls": True}
        controller = _RecordingController(
            self.handler,
            hostname=self.host,
            port=self.port,
            ready_timeout=_READY_TIMEOUT_S,
            **options,
        )
        controller.start()
        self.handler.counting = True
        self._controller = controller

    def stop(self) -> None:
        """Close every connection and stop listening; the port stays reserved for start()."""
        controller = self._controller
        if controller is None:
            return
        self.handler.counting = False
        self.drop_connections()
        controller.stop()
        self._controller = None

    def restart(self) -> None:
        """Stop, then start again on the same port."""
        self.stop()
        self.start()

    def drop_connections(self) -> None:
        """Close every open client connection from the server side, and wait until closed."""
        controller = self._controller
        if controller is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._close_live(), controller.loop)
        future.result(timeout=_DROP_WAIT_S)

    async def _close_live(self) -> None:
        servers = list(self.handler.live)
        for server in servers:
            if server.transport is not None:
                server.transport.close()
        if servers:
            await asyncio.wait([server.closed for server in servers], timeout=_DROP_WAIT_S)

    def fail_next(
        self,
        count: int,
        reply: str | None,
        *,
        command: str | None = None,
        disconnect: bool = False,
    ) -> None:
        """Answer the next ``count`` commands (of one verb, if given) with ``reply``."""
        fault = _Fault(reply, command.upper() if command else None, disconnect)
        self.handler.add_faults([fault] * count)

    def fail_rcpt(self, address: str, reply: str) -> None:
        """Refuse this recipient with ``reply`` from now on."""
        self.handler.set_rcpt_fault(address, reply)

    def fail_data(self, reply: str, *, count: int = 1) -> None:
        """Answer the end of the next ``count`` DATA with ``reply`` (nothing is recorded)."""
        self.handler.add_data_faults(reply, count)

    def stall_data(self, seconds: float, *, count: int = 1) -> None:
        """Record the next ``count`` messages, then wait ``seconds`` before answering."""
        self.handler.add_stalls(seconds, count)


def make_self_signed_cert(directory: Path) -> TlsFiles | None:
    """A certificate for localhost and 127.0.0.1 in ``directory``; None without the tools."""
    files = TlsFiles(cert_path=directory / "cert.pem", key_path=directory / "key.pem")
    if importlib.util.find_spec("cryptography") is not None:
        _write_cert_with_cryptography(files)
        return files
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    command = [
        openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "2", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout", str(files.key_path), "-out", str(files.cert_path),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return files


def _write_cert_with_cryptography(files: TlsFiles) -> None:
    from cryptography import x509  # type: ignore[import-not-found, unused-ignore]
    from cryptography.hazmat.primitives import hashes, serialization  # type: ignore[import-not-found, unused-ignore]
    from cryptography.hazmat.primitives.asymmetric import ec  # type: ignore[import-not-found, unused-ignore]
    from cryptography.x509.oid import NameOID  # type: ignore[import-not-found, unused-ignore]

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    alt_names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    files.key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
