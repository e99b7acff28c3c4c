"""How to reach the outgoing SMTP server: the settings and their URL form.

URL form::

    smtp://host[:port]                          plain SMTP, port 25 by default
    smtp://user:password@host[:port]?starttls=1 STARTTLS before AUTH, port 25 by default
    smtps://user:password@host[:port]           TLS from the first byte, port 465 by default

Options: ``starttls=1|0``, ``timeout_s=<seconds>``, ``local_hostname=<name for EHLO>``.
User and password are percent-decoded. A password is never sent in clear text to a host
that is not on this machine: plain ``smtp://`` with credentials is only accepted for loopback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit

from intake.sources.imap_config import is_loopback
from intake.url_options import flag_option, url_options

Security = Literal["plain", "starttls", "ssl"]

_MAX_URL_CHARS = 4096
_DEFAULT_TIMEOUT_S = 30.0
_MAX_TIMEOUT_S = 3600.0
_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_OPTIONS = frozenset({"starttls", "timeout_s", "local_hostname"})


class SmtpConfigError(ValueError):
    """A bad SMTP URL or an unsafe SMTP setting."""


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where the SMTP server is, how to secure the session and how to log in."""

    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)
    security: Security
    timeout_s: float = _DEFAULT_TIMEOUT_S
    local_hostname: str | None = None

    def __post_init__(self) -> None:
        problem = _config_problem(self)
        if problem:
            raise SmtpConfigError(problem)


def _config_problem(config: SmtpConfig) -> str | None:
    """The first thing wrong with a configuration, as one sentence."""
    checks = (
        (not config.host, "The SMTP host is empty."),
        (not 0 < config.port < 65536, "The SMTP port must be between 1 and 65535."),
        (
            config.security not in ("plain", "starttls", "ssl"),
            "The SMTP security must be plain, starttls or ssl.",
        ),
        (
            not (math.isfinite(config.timeout_s) and 0 < config.timeout_s <= _MAX_TIMEOUT_S),
            f"The SMTP timeout_s must be above 0 and at most {_MAX_TIMEOUT_S:g} seconds.",
        ),
        (config.username == "", "The SMTP user name is empty."),
        (
            config.password is not None and config.username is None,
            "An SMTP password was given without a user name.",
        ),
        (
            config.local_hostname is not None and not _usable_hostname(config.local_hostname),
            "The SMTP local_hostname must be a non-empty ASCII name without spaces.",
        ),
        (
            config.username is not None
            and config.security == "plain"
            and not is_loopback(config.host),
            f"Refusing to log in to {config.host} over plain SMTP: the password would cross "
            "the network in clear text; use smtps:// or ?starttls=1.",
        ),
    )
    return next((message for failed, message in checks if failed), None)


def _usable_hostname(name: str) -> bool:
    return 0 < len(name) <= 255 and name.isascii() and all(33 <= ord(c) < 127 for c in name)


def parse_smtp_url(url: str) -> SmtpConfig:
    """An ``SmtpConfig`` from ``smtp[s]://[user:password@]host[:port][?options]``."""
    if len(url) > _MAX_URL_CHARS:
        raise SmtpConfigError("The SMTP URL is too long.")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise SmtpConfigError(
            "The SMTP URL has a malformed host or a port outside 1-65535."
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise SmtpConfigError("The SMTP URL must start with smtp:// or smtps://.")
    if not parts.hostname:
        raise SmtpConfigError("The SMTP URL has no host name.")
    if parts.path not in ("", "/") or parts.fragment:
        raise SmtpConfigError("The SMTP URL takes no path or fragment after the host.")
    if (parts.username is None) != (parts.password is None):
        raise SmtpConfigError("The SMTP URL needs both a user and a password (user:password@host).")
    options = url_options(parts.query, known=_OPTIONS, what="SMTP", error=SmtpConfigError)
    starttls = flag_option(
        options.get("starttls", "0"), name="starttls", what="SMTP", error=SmtpConfigError
    )
    if starttls and scheme == "smtps":
        raise SmtpConfigError("starttls=1 makes no sense with smtps://, which is TLS already.")
    security: Security = "ssl" if scheme == "smtps" else "starttls" if starttls else "plain"
    return SmtpConfig(
        host=parts.hostname,
        port=port or _DEFAULT_PORTS[scheme],
        username=None if parts.username is None else unquote(parts.username),
        password=None if parts.password is None else unquote(parts.password),
        security=security,
        timeout_s=_timeout(options.get("timeout_s")),
        local_hostname=options.get("local_hostname"),
    )


def _timeout(value: str | None) -> float:
    if value is None:
        return _DEFAULT_TIMEOUT_S
    try:
        return float(value)
    except ValueError:
        raise SmtpConfigError(
            "The SMTP URL option timeout_s must be a number of seconds."
        ) from None
