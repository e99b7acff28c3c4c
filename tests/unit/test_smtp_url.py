"""``parse_smtp_url``, the checks ``SmtpConfig`` makes, and ``mask``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.url_options import mask_password as mask
from notify.smtp_url import SmtpConfig, SmtpConfigError, parse_smtp_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://mail.example.be:25",
            {"host": "mail.example.be", "port": 25, "security": "plain", "username": None},
        ),
        ("smtp://mail.example.be", {"port": 25, "security": "plain", "password": None}),
        ("smtps://mail.example.be", {"port": 465, "security": "ssl"}),
        ("smtps://u:pw@mail.example.be:10465", {"port": 10465, "security": "ssl"}),
        (
            "smtp://user:pass@mail.example.be:587?starttls=1",
            {"port": 587, "security": "starttls", "username": "user", "password": "pass"},
        ),
        ("smtp://u:pw@mail.example.be?starttls=yes", {"port": 25, "security": "starttls"}),
        ("smtp://mail.example.be?starttls=0", {"security": "plain"}),
        (
            "smtps://importbio%40lv.vlaanderen.be:p%40ss%3Aw%2Fd%20x@mail.example.be",
            {"username": "importbio@lv.vlaanderen.be", "password": "p@ss:w/d x"},
        ),
        ("smtps://u:@mail.example.be", {"username": "u", "password": ""}),
        ("SMTPS://Mail.Example.BE/", {"host": "mail.example.be", "port": 465}),
        ("smtp://mail.example.be?timeout_s=2.5", {"timeout_s": 2.5}),
        ("smtp://mail.example.be", {"timeout_s": 30.0, "local_hostname": None}),
        (
            "smtp://mail.example.be?local_hostname=intake.example.be",
            {"local_hostname": "intake.example.be"},
        ),
        ("smtp://u:pw@127.0.0.1:2525", {"security": "plain", "username": "u"}),
        ("smtp://u:pw@localhost", {"security": "plain", "host": "localhost"}),
        ("smtp://u:pw@[::1]:2525", {"host": "::1", "port": 2525}),
    ],
)
def test_parse_smtp_url_reads_every_part(url: str, expected: dict[str, object]) -> None:
    """Each part of an SMTP URL lands in its field, percent-decoded, with default ports 25/465."""
    config = parse_smtp_url(url)
    assert {key: getattr(config, key) for key in expected} == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("imap://mail.example.be", "smtp:// or smtps://"),
        ("mail.example.be:25", "smtp:// or smtps://"),
        ("", "smtp:// or smtps://"),
        ("smtp://", "no host"),
        ("smtp://:25", "no host"),
        ("smtp://mail.example.be:99999", "port"),
        ("smtp://mail.example.be:abc", "port"),
        ("smtp://[::1", "port"),
        ("smtp://mail.example.be/outbox", "no path"),
        ("smtp://mail.example.be#frag", "no path"),
        ("smtp://user@mail.example.be?starttls=1", "user and a password"),
        ("smtps://u:pw@mail.example.be?starttls=1", "TLS already"),
        ("smtp://mail.example.be?starttls=maybe", "starttls must be 1 or 0"),
        ("smtp://mail.example.be?tls=1", "Unknown SMTP URL option"),
        ("smtp://mail.example.be?starttls=1&starttls=0", "given twice"),
        ("smtp://mail.example.be?timeout_s=soon", "timeout_s"),
        ("smtp://mail.example.be?timeout_s=0", "timeout_s"),
        ("smtp://mail.example.be?timeout_s=-1", "timeout_s"),
        ("smtp://mail.example.be?timeout_s=nan", "timeout_s"),
        ("smtp://mail.example.be?timeout_s=inf", "timeout_s"),
        ("smtp://mail.example.be?local_hostname=a%20b", "local_hostname"),
        ("smtp://mail.example.be?local_hostname=", "local_hostname"),
        ("smtp://mail.example.be?starttls", "malformed"),
        ("smtp://mail.example.be?=x", "Unknown SMTP URL option"),
        ("smtp://u:pw@mail.example.be", "clear text"),
        ("smtp://u:pw@mail.example.be:587", "clear text"),
        ("smtp://u:pw@10.0.0.5:25", "clear text"),
        ("smtp://" + "a" * 5000, "too long"),
    ],
)
def test_parse_smtp_url_refuses_bad_urls_in_one_sentence(url: str, message: str) -> None:
    """A bad or unsafe URL raises a ValueError whose single sentence names the problem."""
    with pytest.raises(ValueError, match=message) as caught:
        parse_smtp_url(url)
    assert isinstance(caught.value, SmtpConfigError)
    text = str(caught.value)
    assert text.endswith(".")
    assert "\n" not in text


def test_refusal_of_plain_auth_does_not_echo_the_password() -> None:
    """The clear-text refusal names the host but never the password."""
    with pytest.raises(SmtpConfigError) as caught:
        parse_smtp_url("smtp://u:Sup3rS3cret@mail.example.be")
    assert "mail.example.be" in str(caught.value)
    assert "Sup3rS3cret" not in str(caught.value)


def test_config_hides_the_password_from_repr() -> None:
    """The repr of a configuration shows the user but not the password."""
    config = parse_smtp_url("smtps://intake:Sup3rS3cret@mail.example.be")
    assert "intake" in repr(config)
    assert "Sup3rS3cret" not in repr(config)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"host": ""}, "host is empty"),
        ({"port": 0}, "port"),
        ({"security": "tls"}, "security"),
        ({"username": ""}, "user name is empty"),
        ({"username": None, "password": "pw"}, "without a user name"),
        ({"timeout_s": 0.0}, "timeout_s"),
        ({"local_hostname": "bad name"}, "local_hostname"),
        ({"local_hostname": "naïve.example"}, "local_hostname"),
        ({"security": "plain", "host": "mail.example.be"}, "clear text"),
    ],
)
def test_config_checks_direct_construction(fields: dict[str, object], message: str) -> None:
    """A configuration built without the URL is checked the same way."""
    base: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 25,
        "username": "u",
        "password": "pw",
        "security": "starttls",
    }
    with pytest.raises(SmtpConfigError, match=message):
        SmtpConfig(**(base | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("smtps://u:secret@mail.example.be:465", "smtps://u:***@mail.example.be:465"),
        (
            "smtp://u:secret@mail.example.be?starttls=1",
            "smtp://u:***@mail.example.be?starttls=1",
        ),
        ("smtp://mail.example.be:25", "smtp://mail.example.be:25"),
        ("smtp://u@mail.example.be", "smtp://u@mail.example.be"),
        ("smtp://u:p/a?s#s@mail.example.be", "smtp://u:***@mail.example.be"),
        ("smtp://u:p@ss@mail.example.be", "smtp://u:***@mail.example.be"),
        ("u:secret@mail.example.be", "***"),
        ("not a url", "not a url"),
    ],
)
def test_mask_hides_the_password(url: str, masked: str) -> None:
    """``mask`` replaces the password with *** and keeps the rest readable."""
    assert mask(url) == masked


@given(
    user=st.text(alphabet=st.characters(blacklist_characters=":@"), max_size=20),
    password=st.text(max_size=30),
    host=st.from_regex(r"[a-z]{1,10}\.example\.be", fullmatch=True),
)
def test_mask_never_shows_a_password(user: str, password: str, host: str) -> None:
    """Whatever characters a password holds, unencoded, ``mask`` prints *** in its place."""
    assert mask(f"smtps://{user}:{password}@{host}:465") == f"smtps://{user}:***@{host}:465"
