"""``SmtpSender`` against a real in-process SMTP server: delivery, faults and their classes."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

import pytest
import structlog

from notify.sender import Delivery, SendResult, SmtpSender
from notify.smtp_url import Security, SmtpConfig
from tests.services.common import free_port
from tests.support.smtpd import RecordingSMTP, TlsFiles

pytestmark = pytest.mark.integration

FROM = "importbio@lv.vlaanderen.be"
TO = "importer@example.be"
MakeServer = Callable[..., RecordingSMTP]


def _raw(number: int = 1) -> bytes:
    message = EmailMessage()
    message["From"] = FROM
    message["To"] = TO
    message["Subject"] = f"COI.BE.2025.{number:07d}: ontvangen / reçu"
    message.set_content(
        "Goedendag,\n\nUw melding is ontvangen.\n.\n..een regel met punten\n"
        "Met vriendelijke groet\n"
    )
    return message.as_bytes(policy=SMTP_POLICY)


def _config(
    server: RecordingSMTP,
    *,
    timeout_s: float = 5.0,
    user: str | None = None,
    password: str | None = None,
) -> SmtpConfig:
    security: Security = "plain"
    if server.tls is not None:
        security = "ssl" if server.implicit_tls else "starttls"
    return SmtpConfig(
        host=server.host,
        port=server.port,
        username=user,
        password=password,
        security=security,
        timeout_s=timeout_s,
        local_hostname="intake.example.be",
    )


def _sender(
    server: RecordingSMTP,
    *,
    timeout_s: float = 5.0,
    user: str | None = None,
    password: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> SmtpSender:
    config = _config(server, timeout_s=timeout_s, user=user, password=password)
    return SmtpSender(config, ssl_context=ssl_context)


async def _send(sender: SmtpSender, *recipients: str, number: int = 1) -> SendResult:
    return await sender.send(_raw(number), mail_from=FROM, recipients=recipients or (TO,))


async def test_twenty_mails_go_out_on_one_connection(smtp_server: RecordingSMTP) -> None:
    """Twenty sends reuse one connection, and every message arrives byte for byte."""
    async with _sender(smtp_server) as sender:
        results = [await _send(sender, number=n) for n in range(20)]
    assert {r.delivery for r in results} == {Delivery.SENT}
    assert {r.code for r in results} == {250}
    assert smtp_server.connections == 1
    received = smtp_server.messages
    assert [m.raw for m in received] == [_raw(n) for n in range(20)]
    assert {(m.mail_from, m.recipients, m.connection) for m in received} == {(FROM, (TO,), 1)}


async def test_451_on_mail_from_is_temporary_and_keeps_the_connection(
    smtp_server: RecordingSMTP,
) -> None:
    """A 451 reply makes the send TEMPORARY, is not retried, and the connection stays usable."""
    async with _sender(smtp_server) as sender:
        assert (await _send(sender)).delivery is Delivery.SENT
        smtp_server.fail_next(2, "451 4.3.0 try later", command="MAIL")
        first, second = await _send(sender), await _send(sender)
        third = await _send(sender)
    assert (first.delivery, first.code) == (Delivery.TEMPORARY, 451)
    assert (second.delivery, second.code) == (Delivery.TEMPORARY, 451)
    assert "try later" in first.detail
    assert third.delivery is Delivery.SENT
    assert (len(smtp_server.messages), smtp_server.connections) == (2, 1)


async def test_451_on_a_fresh_connection_greeting_is_temporary(smtp_server: RecordingSMTP) -> None:
    """A 4xx while connecting (EHLO and HELO refused) is TEMPORARY with that code."""
    smtp_server.fail_next(2, "451 4.3.2 system not accepting network messages")
    async with _sender(smtp_server) as sender:
        result = await _send(sender)
    assert (result.delivery, result.code) == (Delivery.TEMPORARY, 451)
    assert smtp_server.messages == []


async def test_550_on_the_only_recipient_is_permanent(smtp_server: RecordingSMTP) -> None:
    """A 550 at RCPT TO for the only recipient is PERMANENT and names the recipient."""
    smtp_server.fail_rcpt("nobody@example.be", "550 5.1.1 no such user")
    async with _sender(smtp_server) as sender:
        result = await _send(sender, "nobody@example.be")
        after = await _send(sender)
    assert (result.delivery, result.code) == (Delivery.PERMANENT, 550)
    assert "nobody@example.be" in result.detail
    assert "no such user" in result.detail
    assert after.delivery is Delivery.SENT
    assert [m.recipients for m in smtp_server.messages] == [(TO,)]


async def test_mixed_recipients_are_sent_with_the_refused_named(
    smtp_server: RecordingSMTP,
) -> None:
    """Accepted plus refused recipients is SENT once; the refused are named, 4xx ones deferred."""
    smtp_server.fail_rcpt("nobody@example.be", "550 5.1.1 no such user")
    smtp_server.fail_rcpt("full@example.be", "452 4.2.2 mailbox full")
    async with _sender(smtp_server) as sender:
        result = await _send(sender, TO, "nobody@example.be", "full@example.be")
    assert (result.delivery, result.code) == (Delivery.SENT, 250)
    assert "nobody@example.be (550" in result.detail
    assert "full@example.be (452" in result.detail
    assert result.deferred == ("full@example.be",)
    assert [m.recipients for m in smtp_server.messages] == [(TO,)]


@pytest.mark.parametrize(
    ("refusals", "expected"),
    [
        ({"a@example.be": "550 5.1.1 unknown", "b@example.be": "451 4.3.0 later"}, 451),
        ({"a@example.be": "550 5.1.1 unknown", "b@example.be": "553 5.1.3 bad"}, 550),
    ],
)
async def test_every_recipient_refused_is_temporary_if_any_4xx(
    smtp_server: RecordingSMTP, refusals: dict[str, str], expected: int
) -> None:
    """With nobody accepted, one 4xx makes the send TEMPORARY; only 5xx make it PERMANENT."""
    for address, reply in refusals.items():
        smtp_server.fail_rcpt(address, reply)
    async with _sender(smtp_server) as sender:
        result = await _send(sender, *refusals)
        after = await _send(sender)
    delivery = Delivery.TEMPORARY if expected < 500 else Delivery.PERMANENT
    assert (result.delivery, result.code) == (delivery, expected)
    assert all(address in result.detail for address in refusals)
    assert after.delivery is Delivery.SENT
    assert smtp_server.connections == 1


async def test_554_at_end_of_data_is_permanent(smtp_server: RecordingSMTP) -> None:
    """A 554 reply to the end of DATA is PERMANENT and the connection serves the next mail."""
    smtp_server.fail_data("554 5.6.0 rejected: attachment type")
    async with _sender(smtp_server) as sender:
        result = await _send(sender)
        after = await _send(sender)
    assert (result.delivery, result.code) == (Delivery.PERMANENT, 554)
    assert "rejected" in result.detail
    assert after.delivery is Delivery.SENT
    assert (len(smtp_server.messages), smtp_server.connections) == (1, 1)


async def test_451_to_the_data_command_is_temporary_and_not_unknown(
    smtp_server: RecordingSMTP,
) -> None:
    """A 4xx to DATA itself, before the body, is a plain TEMPORARY: nothing can have gone out."""
    smtp_server.fail_next(1, "451 4.3.0 queue full", command="DATA")
    async with _sender(smtp_server) as sender:
        result = await _send(sender)
    assert (result.delivery, result.code) == (Delivery.TEMPORARY, 451)
    assert "outcome unknown" not in result.detail
    assert not result.outcome_unknown
    assert smtp_server.messages == []


async def test_server_down_is_temporary_at_once() -> None:
    """Nothing listening on the port gives TEMPORARY within a second, without a code."""
    config = SmtpConfig(
        host="127.0.0.1",
        port=free_port(),
        username=None,
        password=None,
        security="plain",
        timeout_s=5.0,
        local_hostname="intake.example.be",
    )
    started = time.monotonic()
    async with SmtpSender(config) as sender:
        result = await _send(sender)
    assert time.monotonic() - started < 1.0
    assert (result.delivery, result.code) == (Delivery.TEMPORARY, None)
    assert "connect to 127.0.0.1" in result.detail


async def test_idle_connection_closed_by_the_server_is_reopened(
    smtp_server: RecordingSMTP,
) -> None:
    """After the server drops an idle connection, the next send reconnects and is SENT once."""
    async with _sender(smtp_server) as sender:
        first = await _send(sender, number=1)
        smtp_server.drop_connections()
        second = await _send(sender, number=2)
    assert (first.delivery, second.delivery) == (Delivery.SENT, Delivery.SENT)
    assert [m.raw for m in smtp_server.messages] == [_raw(1), _raw(2)]
    assert [m.connection for m in smtp_server.messages] == [1, 2]


@pytest.mark.parametrize(
    ("reply", "label"),
    [("421 4.4.2 idle for too long, closing", "421 then close"), (None, "silent close")],
)
async def test_reused_connection_dead_at_mail_from_is_retried_once(
    smtp_server: RecordingSMTP, reply: str | None, label: str
) -> None:
    """A reused connection that dies at MAIL FROM is replaced within the same send, once."""
    async with _sender(smtp_server) as sender:
        await _send(sender, number=1)
        smtp_server.fail_next(1, reply, command="MAIL", disconnect=True)
        with structlog.testing.capture_logs() as logs:
            result = await _send(sender, number=2)
    assert result.delivery is Delivery.SENT, label
    assert [entry["event"] for entry in logs].count("smtp.reconnect") == 1
    assert [m.raw for m in smtp_server.messages] == [_raw(1), _raw(2)]
    assert smtp_server.connections == 2


async def test_fresh_connection_dead_at_mail_from_is_not_retried(
    smtp_server: RecordingSMTP,
) -> None:
    """A brand-new connection that dies at MAIL FROM gives TEMPORARY, without a second try."""
    smtp_server.fail_next(1, None, command="MAIL")
    async with _sender(smtp_server) as sender:
        result = await _send(sender)
    assert (result.delivery, result.code) == (Delivery.TEMPORARY, None)
    assert "MAIL FROM" in result.detail
    assert (smtp_server.connections, smtp_server.messages) == (1, [])


async def test_outage_and_recovery_on_the_same_port(smtp_server: RecordingSMTP) -> None:
    """While the server is down sends are TEMPORARY; once it is back they go out again."""
    async with _sender(smtp_server) as sender:
        before = await _send(sender, number=1)
        smtp_server.stop()
        during = await _send(sender, number=2)
        smtp_server.start()
        after = await _send(sender, number=3)
    assert [before.delivery, during.delivery, after.delivery] == [
        Delivery.SENT,
        Delivery.TEMPORARY,
        Delivery.SENT,
    ]
    assert [m.raw for m in smtp_server.messages] == [_raw(1), _raw(3)]


async def test_reply_to_data_stalled_past_timeout_is_outcome_unknown(
    smtp_server: RecordingSMTP,
) -> None:
    """No reply to the end of DATA within timeout_s is TEMPORARY with the outcome unknown."""
    smtp_server.stall_data(3.0)
    async with _sender(smtp_server, timeout_s=0.4) as sender:
        started = time.monotonic()
        result = await _send(sender, number=1)
        elapsed_s = time.monotonic() - started
        after = await _send(sender, number=2)
    assert (result.delivery, result.code) == (Delivery.TEMPORARY, None)
    assert "outcome unknown after DATA" in result.detail
    assert result.outcome_unknown
    assert elapsed_s < 2.0
    # The server did take the mail: exactly why a retry here may duplicate it.
    assert [m.raw for m in smtp_server.messages] == [_raw(1), _raw(2)]
    assert after.delivery is Delivery.SENT


async def test_auth_success_logs_in_before_sending(make_smtp_server: MakeServer) -> None:
    """With the right user and password the mail goes out on an authenticated session."""
    server = make_smtp_server(users={"intake": "s3cret-pw"})
    async with _sender(server, user="intake", password="s3cret-pw") as sender:
        result = await _send(sender)
    assert result.delivery is Delivery.SENT
    assert [m.login for m in server.messages] == ["intake"]


async def test_auth_failure_is_permanent_and_hides_the_password(
    make_smtp_server: MakeServer,
) -> None:
    """A 535 to AUTH is PERMANENT, and neither the detail nor the logs show the password."""
    server = make_smtp_server(users={"intake": "s3cret-pw"})
    with structlog.testing.capture_logs() as logs:
        async with _sender(server, user="intake", password="wrong-pw-123") as sender:
            result = await _send(sender)
    assert (result.delivery, result.code) == (Delivery.PERMANENT, 535)
    assert "wrong-pw-123" not in result.detail
    assert logs
    assert all("wrong-pw-123" not in repr(entry) for entry in logs)
    assert server.messages == []


async def test_logs_carry_no_message_body(smtp_server: RecordingSMTP) -> None:
    """Sending logs the outcome but never the text of the message."""
    smtp_server.fail_data("554 5.6.0 rejected")
    with structlog.testing.capture_logs() as logs:
        async with _sender(smtp_server) as sender:
            await _send(sender)
    assert any(entry.get("code") == 554 for entry in logs)
    assert all("Uw melding is ontvangen" not in repr(entry) for entry in logs)


async def test_starttls_with_auth_sends_over_tls(
    make_smtp_server: MakeServer, smtp_tls_files: TlsFiles
) -> None:
    """With STARTTLS configured the session is upgraded before AUTH and MAIL FROM."""
    server = make_smtp_server(tls=smtp_tls_files, users={"intake": "s3cret-pw"})
    context = smtp_tls_files.client_context()
    async with _sender(server, user="intake", password="s3cret-pw", ssl_context=context) as sender:
        results = [await _send(sender, number=n) for n in range(3)]
    assert {r.delivery for r in results} == {Delivery.SENT}
    assert [(m.tls, m.login) for m in server.messages] == [(True, "intake")] * 3
    assert server.connections == 1


async def test_tls_handshake_failure_is_temporary(
    make_smtp_server: MakeServer, smtp_tls_files: TlsFiles
) -> None:
    """A certificate the client does not trust fails the handshake: TEMPORARY, nothing sent."""
    server = make_smtp_server(tls=smtp_tls_files)
    async with _sender(server, ssl_context=ssl.create_default_context()) as sender:
        result = await _send(sender)
    assert (result.delivery, result.code) == (Delivery.TEMPORARY, None)
    assert "certificate" in result.detail.lower()
    assert server.messages == []


async def test_implicit_tls_sends(make_smtp_server: MakeServer, smtp_tls_files: TlsFiles) -> None:
    """An smtps:// server gets the mail over TLS from the first byte."""
    server = make_smtp_server(tls=smtp_tls_files, implicit_tls=True)
    async with _sender(server, ssl_context=smtp_tls_files.client_context()) as sender:
        result = await _send(sender)
    assert result.delivery is Delivery.SENT
    assert [m.tls for m in server.messages] == [True]


async def test_message_above_the_announced_size_is_permanent_unsent(
    make_smtp_server: MakeServer,
) -> None:
    """A message larger than the server's SIZE is PERMANENT before MAIL FROM is sent."""
    server = make_smtp_server(max_message_bytes=200)
    async with _sender(server) as sender:
        result = await _send(sender)
    assert (result.delivery, result.code) == (Delivery.PERMANENT, None)
    assert "SIZE" in result.detail
    assert server.messages == []


@pytest.mark.parametrize(
    ("mail_from", "recipients"),
    [
        (FROM, ()),
        (FROM, ("a@example.be\r\nRCPT TO:<evil@example.be>",)),
        (FROM, ("Importer <a@example.be>",)),
        (FROM, ("a@example.be, b@example.be",)),
        ("x@example.be> SIZE=1", (TO,)),
        (FROM, ("",)),
        (FROM, ("a" * 2000 + "@example.be",)),
    ],
)
async def test_unsendable_envelope_is_permanent_without_connecting(
    smtp_server: RecordingSMTP, mail_from: str, recipients: tuple[str, ...]
) -> None:
    """An envelope that can never be sent is PERMANENT and no connection is opened for it."""
    async with _sender(smtp_server) as sender:
        result = await sender.send(_raw(), mail_from=mail_from, recipients=recipients)
    assert (result.delivery, result.code) == (Delivery.PERMANENT, None)
    assert "\n" not in result.detail
    assert smtp_server.connections == 0


async def test_utf8_address_goes_out_with_smtputf8(smtp_server: RecordingSMTP) -> None:
    """A non-ASCII recipient is sent with SMTPUTF8 when the server offers it."""
    async with _sender(smtp_server) as sender:
        result = await _send(sender, "jürgen@exämple.be")
    assert result.delivery is Delivery.SENT
    assert [m.recipients for m in smtp_server.messages] == [("jürgen@exämple.be",)]


async def test_duplicate_recipients_get_one_copy(smtp_server: RecordingSMTP) -> None:
    """A recipient listed twice is given to the server once."""
    async with _sender(smtp_server) as sender:
        result = await _send(sender, TO, TO)
    assert result.delivery is Delivery.SENT
    assert [m.recipients for m in smtp_server.messages] == [(TO,)]


async def test_starttls_not_offered_is_temporary_and_nothing_goes_in_clear(
    smtp_server: RecordingSMTP,
) -> None:
    """A sender set to STARTTLS never falls back to plain text when the server lacks it."""
    config = SmtpConfig(
        host=smtp_server.host,
        port=smtp_server.port,
        username="intake",
        password="s3cret-pw",
        security="starttls",
        timeout_s=5.0,
        local_hostname="intake.example.be",
    )
    async with SmtpSender(config) as sender:
        result = await _send(sender)
    assert (result.delivery, result.code) == (Delivery.TEMPORARY, None)
    assert "STARTTLS" in result.detail
    assert smtp_server.messages == []
