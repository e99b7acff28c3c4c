"""The real-server helpers themselves: Redis persistence, Dovecot users, the skip-or-fail rule."""

from __future__ import annotations

import imaplib

import pytest
import redis

from tests.services import common
from tests.services.dovecot import Dovecot
from tests.services.redis import RedisServer

pytestmark = pytest.mark.integration


def test_redis_keeps_acknowledged_writes_across_a_restart(redis_server: RedisServer) -> None:
    """A key written before ``SHUTDOWN NOSAVE`` is there after the restart (append-only file)."""
    with redis.Redis.from_url(redis_server.url) as client:
        client.set("importbio:probe", "kept")
    redis_server.restart()
    with redis.Redis.from_url(redis_server.url) as client:
        assert client.get("importbio:probe") == b"kept"


def test_redis_stop_closes_the_port(redis_server: RedisServer) -> None:
    """After ``stop`` nothing answers on the server's port."""
    redis_server.stop()
    assert not common.port_answers(redis_server.port)


def test_dovecot_users_added_while_running_log_in_at_once(dovecot_session: Dovecot) -> None:
    """A user added to a running server logs in at once, and a new password replaces the old."""
    login = dovecot_session.add_user("probe-user", "first")
    dovecot_session.imap(login).logout()
    dovecot_session.add_user("probe-user", "second")
    client = imaplib.IMAP4("127.0.0.1", dovecot_session.imap_port, timeout=5.0)
    try:
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            client.login(login, "first")
        assert client.login(login, "second")[0] == "OK"
    finally:
        client.logout()


def test_dovecot_deliver_and_append_land_in_folders(dovecot_session: Dovecot) -> None:
    """LMTP delivery fills INBOX, APPEND fills any folder, and both are read back."""
    login = dovecot_session.add_user("probe-folders", "pw")
    dovecot_session.deliver(login, b"Subject: a\r\n\r\nA\r\n")
    dovecot_session.create_folder(login, "Archief")
    uid = dovecot_session.append(login, "Archief", b"Subject: b\r\n\r\nB\r\n")
    assert len(dovecot_session.folder_uids(login, "INBOX")) == 1
    assert dovecot_session.folder_uids(login, "Archief") == [uid]
    assert dovecot_session.folder_messages(login, "Archief") == [b"Subject: b\r\n\r\nB\r\n"]
    assert "Archief" in dovecot_session.folders(login)


@pytest.mark.parametrize(
    ("value", "fails"), [("1", True), ("true", True), ("", False), ("0", False)]
)
def test_missing_service_skips_unless_required(
    monkeypatch: pytest.MonkeyPatch, value: str, fails: bool
) -> None:
    """A missing server skips the test, but fails it when IMPORTBIO_REQUIRE_SERVICES is set."""
    monkeypatch.setenv(common.REQUIRE_ENV, value)
    expected = pytest.fail.Exception if fails else pytest.skip.Exception
    with pytest.raises(expected, match="no-such-server is not installed"):
        common.require_binary("no-such-server")
