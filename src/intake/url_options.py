"""The query options of a service URL (``imap://…?starttls=1``), read strictly.

Shared by the IMAP and SMTP settings: an unknown, repeated or malformed option is a
wrong setting, reported in one sentence through the caller's own error type.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from urllib.parse import parse_qsl

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def url_options(
    query: str, *, known: Collection[str], what: str, error: Callable[[str], Exception]
) -> dict[str, str]:
    """The options of ``query``; ``error(sentence)`` is raised for a bad one."""
    options: dict[str, str] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise error(f"The query part of the {what} URL is malformed.") from None
    for key, value in pairs:
        if key not in known:
            raise error(f"Unknown {what} URL option {key!r}; known: {sorted(known)}.")
        if key in options:
            raise error(f"The {what} URL option {key!r} is given twice.")
        options[key] = value
    return options


def flag_option(value: str, *, name: str, what: str, error: Callable[[str], Exception]) -> bool:
    """A yes/no option (1/0, true/false, yes/no, on/off)."""
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise error(f"The {what} URL option {name} must be 1 or 0.")


def mask_password(url: str) -> str:
    """The URL with its password replaced by ``***``, safe to log even when malformed."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "***" if "@" in url else url
    # The last "@" ends the user part even when a password holds unencoded "/", "?" or "#":
    # hiding too much is better than printing a secret.
    userinfo, at, after = rest.rpartition("@")
    if not at:
        return url
    user, colon, _password = userinfo.partition(":")
    return f"{scheme}://{user}:***@{after}" if colon else url
