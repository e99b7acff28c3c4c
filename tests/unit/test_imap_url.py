"""``parse_imap_url`` and the checks ``ImapConfig`` makes on its settings."""

from __future__ import annotations

import pytest

from intake.sources.imap import ImapConfig, ImapConfigError, is_loopback, parse_imap_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "imaps://intake:pw@mail.example.be/INBOX",
            {"host": "mail.example.be", "port": 993, "security": "ssl", "mailbox": "INBOX"},
        ),
        (
            "imap://intake:pw@127.0.0.1:1143/INBOX",
            {"host": "127.0.0.1", "port": 1143, "security": "plain", "mailbox": "INBOX"},
        ),
        (
            "imap://intake:pw@mail.example.be?starttls=1",
            {"port": 143, "security": "starttls", "mailbox": "INBOX"},
        ),
        ("imaps://intake:pw@mail.example.be", {"mailbox": "INBOX"}),
        ("imaps://intake:pw@mail.example.be/", {"mailbox": "INBOX"}),
        ("IMAPS://intake:pw@Mail.Example.BE:10993/Intake", {"port": 10993, "mailbox": "Intake"}),
        (
            "imaps://importbio%40lv.vlaanderen.be:p%40ss%3Aw%2Fd@mail.example.be/INBOX",
            {"username": "importbio@lv.vlaanderen.be", "password": "p@ss:w/d"},
        ),
        ("imaps://u:pw@mail.example.be/Postvak%20IN", {"mailbox": "Postvak IN"}),
        ("imaps://u:pw@mail.example.be/Boîte", {"mailbox": "Boîte"}),
        (
            "imaps://u:pw@mail.example.be/INBOX?processed=Verwerkt&quarantine=Quarantaine%20bio",
            {"processed_folder": "Verwerkt", "quarantine_folder": "Quarantaine bio"},
        ),
        (
            "imaps://u:TOKEN.abc@outlook.office365.com/INBOX?auth=xoauth2",
            {"password": "", "xoauth2_token": "TOKEN.abc"},
        ),
        ("imap://u:pw@localhost/INBOX", {"security": "plain", "host": "localhost"}),
        ("imap://u:pw@[::1]:143/INBOX", {"security": "plain", "host": "::1"}),
        ("imaps://u:@mail.example.be", {"password": ""}),
        ("imap://u:pw@mail.example.be/INBOX?starttls=yes", {"security": "starttls"}),
    ],
)
def test_parse_imap_url_reads_every_part(url: str, expected: dict[str, object]) -> None:
    """Each part of an IMAP URL lands in its field, percent-decoded, with default ports."""
    config = parse_imap_url(url)
    assert {key: getattr(config, key) for key in expected} == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("pop3://u:pw@mail.example.be", "imap:// or imaps://"),
        ("mail.example.be", "imap:// or imaps://"),
        ("imaps://u:pw@mail.example.be:99999/INBOX", "port"),
        ("imaps://u:pw@mail.example.be:abc/INBOX", "port"),
        ("imaps://u:pw@:993/INBOX", "no host"),
        ("imaps://mail.example.be/INBOX", "user and a password"),
        ("imaps://u@mail.example.be/INBOX", "user and a password"),
        ("imaps://u:pw@mail.example.be/INBOX?starttls=1", "TLS already"),
        ("imap://u:pw@mail.example.be/INBOX?starttls=maybe", "starttls must be"),
        ("imaps://u:pw@mail.example.be/INBOX?auth=cram-md5", "auth option"),
        ("imaps://u:pw@mail.example.be/INBOX?procesed=X", "Unknown IMAP URL option"),
        ("imaps://u:pw@mail.example.be/INBOX?processed=A&processed=B", "given twice"),
        ("imaps://u:pw@mail.example.be/INBOX?processed=INBOX", "must differ"),
        ("imaps://u:pw@mail.example.be/IN%0D%0ABOX", "folder name"),
        ("imaps://u:pw@mail.example.be/" + "x" * 5000, "too long"),
        ("imap://u:pw@mail.example.be/INBOX", "clear text"),
        ("imap://u:pw@10.0.0.5/INBOX", "clear text"),
        ("imap://u:tok@mail.example.be/INBOX?auth=xoauth2", "clear text"),
    ],
)
def test_parse_imap_url_rejects_with_one_clear_sentence(url: str, message: str) -> None:
    """A bad or unsafe URL raises a ValueError whose single sentence names the problem."""
    with pytest.raises(ValueError, match=message) as caught:
        parse_imap_url(url)
    assert isinstance(caught.value, ImapConfigError)
    text = str(caught.value)
    assert text.endswith(".")
    assert "\n" not in text


def test_errors_never_echo_the_password() -> None:
    """The password of a rejected URL does not appear in the error."""
    with pytest.raises(ValueError, match="clear text") as caught:
        parse_imap_url("imap://u:hunter2secret@mail.example.be/INBOX")
    assert "hunter2secret" not in str(caught.value)


def test_config_repr_hides_secrets() -> None:
    """The repr of a configuration, which may reach a log, shows neither password nor token."""
    config = parse_imap_url("imaps://u:hunter2secret@mail.example.be/INBOX?auth=xoauth2")
    plain = parse_imap_url("imaps://u:hunter2secret@mail.example.be/INBOX")
    assert "hunter2secret" not in repr(config)
    assert "hunter2secret" not in repr(plain)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"batch_size": 0}, "batch limits"),
        ({"max_batch_bytes": 0}, "batch limits"),
        ({"timeout_s": 0.0}, "positive"),
        ({"poll_interval_s": -1.0}, "positive"),
        ({"reconnect_min_s": 5.0, "reconnect_max_s": 1.0}, "reconnect"),
        ({"port": 0}, "port"),
        ({"username": ""}, "user name"),
        ({"quarantine_folder": "Processed"}, "must differ"),
        ({"mailbox": ""}, "folder name"),
        ({"security": "tls"}, "security"),
    ],
)
def test_config_rejects_bad_settings(overrides: dict[str, object], message: str) -> None:
    """Each impossible setting is refused when the configuration is made."""
    settings: dict[str, object] = {"host": "127.0.0.1", "port": 143, "username": "u"}
    settings |= {"password": "pw", "security": "plain", **overrides}
    with pytest.raises(ImapConfigError, match=message):
        ImapConfig(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("10.0.0.1", False),
        ("localhost.example.be", False),
        ("mail.example.be", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    """Only localhost and loopback addresses count as loopback, without any DNS lookup."""
    assert is_loopback(host) is expected
