"""The desk's defences that every response shares: security headers, sessions, CSRF.

- Headers: a strict Content-Security-Policy (no script at all, styles and images only
  from the desk itself, no frames, forms only to the desk), ``nosniff``, no referrer,
  no caching of pages that show mail.
- Sessions: Starlette's ``SessionMiddleware`` keeps the session in a cookie signed with
  itsdangerous (HttpOnly, ``SameSite=Strict``, ``Secure`` unless turned off for plain-HTTP
  development). The session holds the user's id, the account's ``session_epoch`` (a
  password reset or disabling ends every older session) and the CSRF token.
- CSRF: every form carries the session's token; a POST without it, or with another, is
  refused before anything is read or changed.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SESSION_COOKIE = "importbio_desk"
CSRF_FIELD = "csrf"
MIN_SECRET_CHARS = 32
_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """How the session cookie is signed and sent."""

    secret: str
    secure: bool = True
    max_age_s: int = 12 * 3600


class RefusedForm(Exception):  # noqa: N818 - names the outcome
    """A form post without the session's CSRF token (or with another one)."""


class SecurityHeaders:
    """ASGI middleware: the same protective headers on every response, and ``no-store``
    on all but the stylesheet (pages show mail content and must not linger in caches)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers as the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _HEADERS:
                    headers[name] = value
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


def new_csrf_token() -> str:
    """A fresh CSRF token for a session."""
    return secrets.token_urlsafe(32)


def csrf_matches(expected: object, given: object) -> bool:
    """True when the form's token is the session's (compared in constant time)."""
    return (
        isinstance(expected, str)
        and isinstance(given, str)
        and bool(expected)
        and hmac.compare_digest(expected.encode(), given.encode())
    )


def is_loopback(host: str) -> bool:
    """True for a bind address only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def session_secret(configured: str | None, *, host: str) -> str:
    """The key that signs session cookies: the configured one, or on a loopback address
    a random one for this process (sessions end when it stops). ``ValueError`` with one
    line when a key is missing or too short."""
    if configured:
        if len(configured) < MIN_SECRET_CHARS:
            raise ValueError(f"must be at least {MIN_SECRET_CHARS} characters")
        return configured
    if not is_loopback(host):
        raise ValueError(
            f"must be set when the desk listens on {host} (not loopback): "
            "e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    return secrets.token_urlsafe(48)
