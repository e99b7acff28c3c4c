"""How to reach an IMAP mailbox: the settings, their URL form, and the adapter's errors.

Errors::

    ImapError                 anything the IMAP adapter raises
    ├── ImapConfigError       a bad URL or an unsafe setting (also a ValueError)
    ├── ImapLoginError        the server refused the login, or TLS is missing: not retried
    ├── ImapConnectionError   unreachable, dropped, timed out: retried while watching
    └── ImapCommandError      the server refused a command (CREATE, MOVE, ...)
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit

from intake.url_options import flag_option, url_options

Security = Literal["plain", "ssl", "starttls"]

_MAX_URL_CHARS = 4096
_DEFAULT_PORTS = {"imap": 143, "imaps": 993}


class ImapError(Exception):
    """Root of the IMAP adapter's errors; ``host`` and ``mailbox`` say where."""

    def __init__(self, message: str, *, host: str = "", mailbox: str = "") -> None:
        super().__init__(message)
        self.host = host
        self.mailbox = mailbox


class ImapConfigError(ImapError, ValueError):
    """A bad IMAP URL or an unsafe setting."""


class ImapLoginError(ImapError):
    """The server refused the login, or cannot give the security asked for."""


class ImapConnectionError(ImapError):
    """The server could not be reached, dropped the connection or did not answer in time."""


class ImapCommandError(ImapError):
    """The server refused a command the adapter needs."""


@dataclass(frozen=True, slots=True)
class ImapConfig:
    """Where the mailbox is and how the adapter treats it."""

    host: str
    port: int
    username: str
    password: str = field(repr=False)
    mailbox: str = "INBOX"
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    security: Security = "ssl"
    xoauth2_token: str | None = field(default=None, repr=False)
    # Each MOVE makes Dovecot sync the folder's index, which costs more as the folder
    # grows: fewer, larger batches move 10,000 waiting messages several times faster.
    batch_size: int = 500
    max_batch_bytes: int = 32 * 1024 * 1024
    timeout_s: float = 30.0
    idle_restart_s: float = 25 * 60
    poll_interval_s: float = 60.0
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 60.0

    def __post_init__(self) -> None:
        problem = _config_problem(self)
        if problem:
            raise ImapConfigError(problem, host=self.host, mailbox=self.mailbox)


def _config_problem(config: ImapConfig) -> str | None:
    """The first thing wrong with a configuration, as one sentence."""
    folders = (config.mailbox, config.processed_folder, config.quarantine_folder)
    checks = (
        (not config.host, "The IMAP host is empty."),
        (not 0 < config.port < 65536, "The IMAP port must be between 1 and 65535."),
        (not config.username, "The IMAP user name is empty."),
        (config.security not in ("plain", "ssl", "starttls"), "Unknown IMAP security mode."),
        (any(not _usable_name(f) for f in folders), "An IMAP folder name is empty or invalid."),
        (len(set(folders)) < 3, "The inbox, processed and quarantine folders must differ."),
        (config.batch_size < 1 or config.max_batch_bytes < 1, "IMAP batch limits must be >= 1."),
        (
            min(config.timeout_s, config.idle_restart_s, config.poll_interval_s) <= 0,
            "IMAP timeouts and intervals must be positive.",
        ),
        (
            not 0 < config.reconnect_min_s <= config.reconnect_max_s,
            "IMAP reconnect delays need 0 < reconnect_min_s <= reconnect_max_s.",
        ),
        (
            config.security == "plain" and not is_loopback(config.host),
            f"Refusing to log in to {config.host} over plain IMAP: the credentials would cross "
            "the network in clear text; use imaps:// or ?starttls=1.",
        ),
    )
    return next((message for failed, message in checks if failed), None)


def _usable_name(name: str) -> bool:
    return 0 < len(name) <= 255 and not any(ord(c) < 32 or ord(c) == 127 for c in name)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (no DNS lookup)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_imap_url(url: str) -> ImapConfig:
    """An ``ImapConfig`` from ``imap[s]://user:password@host[:port]/mailbox[?options]``.

    Options: ``starttls=1``, ``processed=<folder>``, ``quarantine=<folder>``,
    ``auth=xoauth2`` (the password part is then the OAuth2 access token).
    User, password and folders are percent-decoded.
    """
    if len(url) > _MAX_URL_CHARS:
        raise ImapConfigError("The IMAP URL is too long.")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ImapConfigError("The mailbox URL must start with imap:// or imaps://.")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise ImapConfigError("The port in the IMAP URL is not a number from 1 to 65535.") from None
    if not parts.hostname:
        raise ImapConfigError("The IMAP URL has no host name.")
    if parts.username is None or parts.password is None:
        raise ImapConfigError("The IMAP URL needs a user and a password (user:password@host).")
    options = url_options(
        parts.query,
        known={"starttls", "processed", "quarantine", "auth"},
        what="IMAP",
        error=ImapConfigError,
    )
    mailbox = unquote(parts.path.lstrip("/").rstrip("/")) or "INBOX"
    starttls = flag_option(
        options.pop("starttls", "0"), name="starttls", what="IMAP", error=ImapConfigError
    )
    if starttls and scheme == "imaps":
        raise ImapConfigError("starttls=1 makes no sense with imaps://, which is TLS already.")
    auth = options.pop("auth", "login").lower()
    if auth not in ("login", "plain", "xoauth2"):
        raise ImapConfigError("The IMAP auth option must be login or xoauth2.")
    secret = unquote(parts.password)
    security: Security = "ssl" if scheme == "imaps" else "starttls" if starttls else "plain"
    return ImapConfig(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username),
        password="" if auth == "xoauth2" else secret,
        xoauth2_token=secret if auth == "xoauth2" else None,
        mailbox=mailbox,
        processed_folder=options.pop("processed", "Processed"),
        quarantine_folder=options.pop("quarantine", "Quarantine"),
        security=security,
    )
