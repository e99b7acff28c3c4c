"""Deliver one outgoing mail over SMTP and say exactly what happened.

``SmtpSender`` keeps one SMTP connection open across sends, with STARTTLS or TLS and AUTH as
configured, and answers every send with a ``SendResult``; it never raises for a delivery
problem. Connecting (TCP, greeting, TLS, EHLO, AUTH) is bounded by ``timeout_s`` as a whole,
and every later command by ``timeout_s`` on its own. Sends on one sender run one at a time.

How a send is classified::

    SENT       the server answered 2xx to the end of DATA: it took the mail.
    TEMPORARY  try again later: a 4xx reply (421, 450, 451, 452, 454, ...), or no usable reply
               at all (connection refused or reset, DNS failure, timeout, TLS handshake
               failure, disconnect, STARTTLS or AUTH not offered by the server).
    PERMANENT  do not send this mail again as it is: a 5xx reply (535, 550, 552, 553, 554, ...)
               at any step, or an envelope that can never go out as given (an address that is
               malformed or not bare, ``a@b`` or ``<a@b>``; a non-ASCII address to a server
               without SMTPUTF8; a message above the server's SIZE limit). No connection is
               opened for a bad address.

Several recipients:

- none accepted at RCPT TO: TEMPORARY if any of them got a 4xx, otherwise PERMANENT;
- some accepted: the mail goes to those. Once DATA got its 2xx the result is SENT, whatever
  happened to the others; ``detail`` names every refused recipient and ``deferred`` lists the
  ones refused with a 4xx, so a caller may later send to those alone. Sending to all again
  would deliver a second copy to the accepted ones.

At most once, and where it ends. Until the final "." of DATA has been written, the server
cannot deliver anything, so every TEMPORARY result up to that point is safe to retry. Once the
body is written, a timeout or a disconnect before the server's reply leaves the outcome
unknown: the server may have queued the mail and lost only its answer. That result is
TEMPORARY with ``detail`` starting ``outcome unknown after DATA`` (and
``SendResult.outcome_unknown`` true); retrying it may deliver a second copy, and the caller
decides how many such retries it accepts. SMTP's at-most-once guarantee ends there.

Connection reuse. Servers close idle connections. When a reused connection fails at MAIL FROM
with a disconnect or a 421 reply, nothing has been sent yet, so the sender reconnects once and
tries again within the same send. A fresh connection is never retried within a send.

Logs (structlog) carry the server, reply codes and details; never a message body or a password.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Self

import aiosmtplib
import structlog
from aiosmtplib.email import parse_address

from notify.smtp_url import SmtpConfig

log = structlog.get_logger(__name__)

_MAX_ADDRESS_CHARS = 1000
_MAX_DETAIL_CHARS = 500
_MAX_SIZE_DIGITS = 20
_MIN_SCRUBBED_SECRET_CHARS = 4
_LINE_ENDINGS = re.compile(rb"\r\n|\n|\r")
_LEADING_DOT = re.compile(rb"(?m)^\.")
_WHITESPACE = re.compile(r"\s+")
_CONNECTION_ERRORS = (aiosmtplib.SMTPException, OSError)

OUTCOME_UNKNOWN = "outcome unknown after DATA"


class Delivery(StrEnum):
    """What became of one mail: taken by the server, to retry later, or refused for good."""

    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class SendResult:
    """The outcome of one send: its class, the deciding reply code and one line for people."""

    delivery: Delivery
    code: int | None
    detail: str
    deferred: tuple[str, ...] = ()

    @property
    def outcome_unknown(self) -> bool:
        """True when the body went out but no reply came: a retry may deliver a second copy."""
        return self.delivery is Delivery.TEMPORARY and self.detail.startswith(OUTCOME_UNKNOWN)


@dataclass(frozen=True, slots=True)
class _Envelope:
    mail_from: str
    recipients: tuple[str, ...]
    needs_smtputf8: bool


@dataclass(frozen=True, slots=True)
class _Body:
    wire: bytes
    size_bytes: int
    eight_bit: bool


@dataclass(frozen=True, slots=True)
class _Refusal:
    recipient: str
    code: int
    message: str


class _StaleConnectionError(Exception):
    """MAIL FROM failed in a way that means the connection was already gone."""

    def __init__(self, result: SendResult) -> None:
        super().__init__(result.detail)
        self.result = result


class SmtpSender:
    """Sends mails over one kept-open SMTP connection and classifies every outcome."""

    def __init__(self, config: SmtpConfig, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._config = config
        self._lock = asyncio.Lock()
        self._log = log.bind(smtp_host=config.host, smtp_port=config.port)
        self._smtp = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            local_hostname=config.local_hostname,
            timeout=config.timeout_s,
            use_tls=config.security == "ssl",
            start_tls=config.security == "starttls",
            tls_context=ssl_context,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def send(self, raw: bytes, *, mail_from: str, recipients: Sequence[str]) -> SendResult:
        """Deliver ``raw`` from ``mail_from`` to ``recipients`` and classify what happened."""
        envelope = _envelope(mail_from, recipients)
        if isinstance(envelope, SendResult):
            return self._report(envelope, 0)
        body = _body(raw)
        async with self._lock:
            try:
                result = await self._deliver(body, envelope)
            except asyncio.CancelledError:
                # A transaction cut off half-way leaves the session in an unknown state.
                self._smtp.close()
                raise
        return self._report(result, len(envelope.recipients))

    async def check(self) -> SendResult | None:
        """Connect (TLS and login as configured) and greet, then QUIT: None when the relay
        would take mail, else the failure as a send would report it (the health check)."""
        async with self._lock:
            failure = await self._connect()
        await self.close()
        return failure

    async def close(self) -> None:
        """Say QUIT (bounded by timeout_s) and close the connection; a later send reconnects."""
        async with self._lock:
            if self._smtp.is_connected:
                with contextlib.suppress(*_CONNECTION_ERRORS):
                    await self._smtp.quit(timeout=self._config.timeout_s)
            self._smtp.close()

    async def _deliver(self, body: _Body, envelope: _Envelope) -> SendResult:
        reused = self._smtp.is_connected
        try:
            return await self._connected_transaction(body, envelope)
        except _StaleConnectionError as stale:
            if not reused:
                return stale.result
            self._log.info("smtp.reconnect", reason=stale.result.detail)
        try:
            return await self._connected_transaction(body, envelope)
        except _StaleConnectionError as stale:
            return stale.result

    async def _connected_transaction(self, body: _Body, envelope: _Envelope) -> SendResult:
        if not self._smtp.is_connected:
            failure = await self._connect()
            if failure is not None:
                return failure
        return await self._transaction(body, envelope)

    async def _connect(self) -> SendResult | None:
        try:
            async with asyncio.timeout(self._config.timeout_s):
                await self._smtp.connect()
                if self._smtp.is_ehlo_or_helo_needed:
                    await self._greet()
        except _CONNECTION_ERRORS as error:
            self._smtp.close()
            where = f"connect to {self._config.host}:{self._config.port}"
            return _failure(where, error, self._config.timeout_s)
        self._log.info("smtp.connected", security=self._config.security)
        return None

    async def _greet(self) -> None:
        try:
            await self._smtp.ehlo()
        except aiosmtplib.SMTPHeloError:
            if not self._smtp.is_connected:
                raise
            await self._smtp.helo()

    async def _transaction(self, body: _Body, envelope: _Envelope) -> SendResult:
        options = self._mail_options(body, envelope)
        if isinstance(options, SendResult):
            return options
        encoding = "utf-8" if envelope.needs_smtputf8 else "ascii"
        refused = await self._mail_from(envelope, options, encoding)
        if refused is not None:
            return refused
        outcome = await self._rcpt_to(envelope, encoding)
        if isinstance(outcome, SendResult):
            return outcome
        return await self._data(body, outcome)

    def _mail_options(self, body: _Body, envelope: _Envelope) -> list[str] | SendResult:
        smtp = self._smtp
        options: list[str] = []
        if smtp.supports_extension("size"):
            limit = _size_limit(smtp.esmtp_extensions.get("size", ""))
            if limit is not None and body.size_bytes > limit:
                return SendResult(
                    Delivery.PERMANENT,
                    None,
                    f"the message of {body.size_bytes} bytes is above the server's SIZE limit "
                    f"of {limit} bytes",
                )
            options.append(f"SIZE={body.size_bytes}")
        if envelope.needs_smtputf8:
            if not smtp.supports_extension("smtputf8"):
                return SendResult(
                    Delivery.PERMANENT,
                    None,
                    "an address is not ASCII and the server does not offer SMTPUTF8",
                )
            options.append("SMTPUTF8")
        if body.eight_bit and smtp.supports_extension("8bitmime"):
            options.append("BODY=8BITMIME")
        return options

    async def _mail_from(
        self, envelope: _Envelope, options: list[str], encoding: str
    ) -> SendResult | None:
        timeout_s = self._config.timeout_s
        try:
            await self._smtp.mail(
                envelope.mail_from, options=options, encoding=encoding, timeout=timeout_s
            )
        except aiosmtplib.SMTPServerDisconnected as error:
            self._smtp.close()
            raise _StaleConnectionError(_failure("MAIL FROM", error, timeout_s)) from None
        except aiosmtplib.SMTPSenderRefused as error:
            result = _refused("MAIL FROM", error.code, error.message)
            if error.code == aiosmtplib.SMTPStatus.domain_unavailable:
                self._smtp.close()
                raise _StaleConnectionError(result) from None
            return result
        except _CONNECTION_ERRORS as error:
            self._smtp.close()
            return _failure("MAIL FROM", error, timeout_s)
        return None

    async def _rcpt_to(self, envelope: _Envelope, encoding: str) -> list[_Refusal] | SendResult:
        """The refused recipients when at least one was accepted, else the send's result."""
        timeout_s = self._config.timeout_s
        refusals: list[_Refusal] = []
        for recipient in envelope.recipients:
            try:
                await self._smtp.rcpt(recipient, encoding=encoding, timeout=timeout_s)
            except aiosmtplib.SMTPRecipientRefused as error:
                if error.code == aiosmtplib.SMTPStatus.domain_unavailable:
                    self._smtp.close()
                    return _refused(f"RCPT TO {recipient}", error.code, error.message)
                refusals.append(_Refusal(recipient, error.code, error.message))
            except _CONNECTION_ERRORS as error:
                self._smtp.close()
                return _failure(f"RCPT TO {recipient}", error, timeout_s)
        if len(refusals) < len(envelope.recipients):
            return refusals
        await self._reset()
        return _nobody_accepted(refusals)

    async def _data(self, body: _Body, refusals: list[_Refusal]) -> SendResult:
        timeout_s = self._config.timeout_s
        try:
            reply = await self._smtp.execute_command(b"DATA", timeout=timeout_s)
        except _CONNECTION_ERRORS as error:
            self._smtp.close()
            return _failure("DATA, before the message was sent", error, timeout_s)
        if reply.code != aiosmtplib.SMTPStatus.start_input:
            await self._reset()
            return _refused("DATA", reply.code, reply.message)
        protocol = self._smtp.protocol
        try:
            if protocol is None:
                raise aiosmtplib.SMTPServerDisconnected("Connection lost")
            protocol.write(body.wire)
        except _CONNECTION_ERRORS as error:
            self._smtp.close()
            return _failure("DATA, before the message was sent", error, timeout_s)
        try:
            final = await protocol.read_response(timeout=timeout_s)
        except _CONNECTION_ERRORS as error:
            # The reply to the final "." never came: the server may have queued the mail.
            self._smtp.close()
            return _failure(OUTCOME_UNKNOWN, error, timeout_s)
        if final.code == aiosmtplib.SMTPStatus.domain_unavailable:
            self._smtp.close()
        if not 200 <= final.code < 300:
            return _refused("end of DATA", final.code, final.message)
        return _sent(final.code, final.message, refusals)

    async def _reset(self) -> None:
        if not self._smtp.is_connected:
            return
        try:
            await self._smtp.rset(timeout=self._config.timeout_s)
        except _CONNECTION_ERRORS:
            # A session that cannot be reset is not worth keeping for the next mail.
            self._smtp.close()

    def _report(self, result: SendResult, recipient_count: int) -> SendResult:
        detail = _one_line(result.detail)
        secret = self._config.password
        if secret and len(secret) >= _MIN_SCRUBBED_SECRET_CHARS and secret in detail:
            detail = detail.replace(secret, "***")
        if detail != result.detail:
            result = SendResult(result.delivery, result.code, detail, result.deferred)
        fields = {"code": result.code, "detail": result.detail, "recipients": recipient_count}
        if result.delivery is Delivery.SENT:
            self._log.debug("smtp.sent", **fields)
        else:
            self._log.warning("smtp.not_sent", delivery=str(result.delivery), **fields)
        return result


def _envelope(mail_from: str, recipients: Sequence[str]) -> _Envelope | SendResult:
    """The checked envelope, or a PERMANENT result for one that can never be sent."""
    listed = (recipients,) if isinstance(recipients, str) else tuple(recipients)
    unique = tuple(dict.fromkeys(listed))
    if not unique:
        return SendResult(Delivery.PERMANENT, None, "the mail has no recipients")
    problems = [_address_problem(mail_from, may_be_empty=True)]
    problems += [_address_problem(address, may_be_empty=False) for address in unique]
    problem = next((p for p in problems if p is not None), None)
    if problem is not None:
        return SendResult(Delivery.PERMANENT, None, problem)
    needs_smtputf8 = not all(address.isascii() for address in (mail_from, *unique))
    return _Envelope(mail_from, unique, needs_smtputf8)


def _address_problem(address: str, *, may_be_empty: bool) -> str | None:
    """Why an address cannot go on a MAIL FROM or RCPT TO line as it is (``a@b`` or ``<a@b>``)."""
    if len(address) > _MAX_ADDRESS_CHARS:
        return f"an address is longer than {_MAX_ADDRESS_CHARS} characters"
    try:
        parsed = parse_address(address)
    except ValueError:
        return f"malformed address {address[:80]!r}"
    bare = address.strip()
    if bare.startswith("<") and bare.endswith(">"):
        bare = bare[1:-1]
    if parsed != bare:
        # A display name, a comment or a second address would be dropped without a word.
        return f"not a bare envelope address: {address[:80]!r}"
    if not parsed and not may_be_empty:
        return "a recipient address is empty"
    return None


def _body(raw: bytes) -> _Body:
    """The message as it goes on the wire after DATA: CRLF lines, dot-stuffed, terminated."""
    normalized = _LINE_ENDINGS.sub(b"\r\n", raw)
    if not normalized.endswith(b"\r\n"):
        normalized += b"\r\n"
    wire = _LEADING_DOT.sub(b"..", normalized) + b".\r\n"
    return _Body(wire=wire, size_bytes=len(normalized), eight_bit=not normalized.isascii())


def _size_limit(value: str) -> int | None:
    """The server's SIZE limit in bytes; None when it announces none (absent or 0)."""
    text = value.strip()
    if not text or len(text) > _MAX_SIZE_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text) or None


def _failed_class(code: int) -> Delivery:
    return Delivery.PERMANENT if 500 <= code < 600 else Delivery.TEMPORARY


def _refused(step: str, code: int, message: str) -> SendResult:
    return SendResult(_failed_class(code), code, f"{step} refused: {code} {message}")


def _failure(step: str, error: BaseException, timeout_s: float) -> SendResult:
    """The result for an exception: a 5xx reply is PERMANENT, anything else TEMPORARY."""
    if isinstance(error, aiosmtplib.SMTPResponseException) and 100 <= error.code < 600:
        return _refused(step, error.code, error.message)
    if isinstance(error, TimeoutError):
        return SendResult(Delivery.TEMPORARY, None, f"{step}: no answer within {timeout_s:g} s")
    text = str(error) or "no details"
    return SendResult(Delivery.TEMPORARY, None, f"{step}: {type(error).__name__}: {text}")


def _nobody_accepted(refusals: list[_Refusal]) -> SendResult:
    temporary = [r for r in refusals if _failed_class(r.code) is Delivery.TEMPORARY]
    deciding = (temporary or refusals)[0]
    return SendResult(
        _failed_class(deciding.code),
        deciding.code,
        f"RCPT TO refused for every recipient: {_list_refusals(refusals)}",
    )


def _sent(code: int, message: str, refusals: list[_Refusal]) -> SendResult:
    detail = f"accepted: {code} {message}"
    if refusals:
        detail += f"; not sent to: {_list_refusals(refusals)}"
    deferred = tuple(r.recipient for r in refusals if _failed_class(r.code) is Delivery.TEMPORARY)
    return SendResult(Delivery.SENT, code, detail, deferred)


def _list_refusals(refusals: list[_Refusal]) -> str:
    return ", ".join(f"{r.recipient} ({r.code} {r.message})" for r in refusals)


def _one_line(text: str) -> str:
    """Whitespace and control characters folded to single spaces, cut to a bounded length."""
    printable = "".join(c if c.isprintable() else " " for c in text[: _MAX_DETAIL_CHARS * 4])
    line = _WHITESPACE.sub(" ", printable).strip()
    if len(line) > _MAX_DETAIL_CHARS:
        return line[: _MAX_DETAIL_CHARS - 1] + "…"
    return line
