"""Officer accounts: users with roles, argon2 password hashes, and API tokens.

argon2-cffi gives argon2id, the memory-hard hash OWASP recommends for passwords; its
``PasswordHasher`` also says when a stored hash's parameters are outdated, so a login
upgrades it. API tokens are random (256 bits) and kept only as their SHA-256: a fast hash
is enough for a secret that long, and it lets a request find its token with one lookup.
The web desk remembers whom a session or token names for a few seconds
(``desk.recent_users``); disabling or resetting an account in that process forgets it at once.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Select, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from desk.reading import Reader
from desk.recent_users import RecentUsers, forget_all
from desk.roles import Role
from intake.case import tables as t

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1000
TOKEN_PREFIX = "ibd_"  # noqa: S105 - a marker that makes leaked tokens easy to spot, no secret

_HASHER = PasswordHasher()
# Verified against when the user does not exist, so a login takes as long either way.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class AccountError(Exception):
    """An account operation that cannot be done; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class User:
    """A signed-in officer, as the desk sees them on each request."""

    id: int
    name: str
    role: Role
    session_epoch: int

    @property
    def is_admin(self) -> bool:
        """True for the administrator role."""
        return self.role is Role.ADMIN


@dataclass(frozen=True, slots=True)
class Account:
    """A row of ``importbio users list``."""

    name: str
    role: Role
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    tokens: int


def check_password(password: str) -> None:
    """Raise ``AccountError`` for a password too short or too long to accept."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"a password has at most {MAX_PASSWORD_CHARS} characters")


def token_digest(token: str) -> str:
    """The stored form of an API token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


_USER_COLUMNS = (t.DeskUser.id, t.DeskUser.name, t.DeskUser.role, t.DeskUser.session_epoch)


def _user(row: t.DeskUser) -> User:
    return User(row.id, row.name, Role(row.role), row.session_epoch)


class Accounts:
    """The desk's users and tokens in the case store."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        remember_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        reader: Reader | None = None,
    ) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._reader = reader  # the web desk's: lookups then never wait for a writer
        self._recent: RecentUsers[User] = RecentUsers(ttl_s=remember_s, clock=clock)

    async def add(self, name: str, password: str, *, role: Role, now: datetime) -> None:
        """Create an account; ``AccountError`` if the name is taken or the password weak."""
        name = name.strip()
        if not name or len(name) > t.USER_NAME_CHARS or not name.isprintable():
            raise AccountError(f"a user name has 1 to {t.USER_NAME_CHARS} printable characters")
        check_password(password)
        async with self._sessions() as session, session.begin():
            if await session.scalar(select(t.DeskUser.id).where(t.DeskUser.name == name)):
                raise AccountError(f"there is already a user {name}")
            session.add(
                t.DeskUser(
                    name=name,
                    role=role.value,
                    password_hash=_HASHER.hash(password),
                    active=True,
                    session_epoch=0,
                    created_at=now,
                )
            )

    async def list(self) -> list[Account]:
        """Every account, by name."""
        async with self._sessions() as session:
            users = (await session.scalars(select(t.DeskUser).order_by(t.DeskUser.name))).all()
            tokens = (
                await session.execute(
                    select(t.ApiToken.user_id).where(t.ApiToken.revoked_at.is_(None))
                )
            ).all()
        counts: dict[int, int] = {}
        for (user_id,) in tokens:
            counts[user_id] = counts.get(user_id, 0) + 1
        return [
            Account(
                u.name, Role(u.role), u.active, u.created_at, u.last_login_at, counts.get(u.id, 0)
            )
            for u in users
        ]

    async def disable(self, name: str) -> None:
        """Disable an account: its sessions and tokens stop working at once."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(t.DeskUser)
                .where(t.DeskUser.name == name)
                .values(active=False, session_epoch=t.DeskUser.session_epoch + 1)
            )
            if not getattr(result, "rowcount", 0):
                raise AccountError(f"there is no user {name}")
        forget_all()

    async def reset(self, name: str, password: str) -> None:
        """Set a new password and enable the account; older sessions end."""
        check_password(password)
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(t.DeskUser)
                .where(t.DeskUser.name == name)
                .values(
                    password_hash=_HASHER.hash(password),
                    active=True,
                    session_epoch=t.DeskUser.session_epoch + 1,
                )
            )
            if not getattr(result, "rowcount", 0):
                raise AccountError(f"there is no user {name}")
        forget_all()

    async def authenticate(self, name: str, password: str, *, now: datetime) -> User | None:
        """The user whose name and password these are, if the account is active."""
        async with self._sessions() as session, session.begin():
            row = await session.scalar(select(t.DeskUser).where(t.DeskUser.name == name))
            try:
                _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
            except (VerificationError, InvalidHashError):
                return None
            if row is None or not row.active:
                return None
            if _HASHER.check_needs_rehash(row.password_hash):
                row.password_hash = _HASHER.hash(password)
            row.last_login_at = now
            return _user(row)

    async def session_user(self, user_id: int, epoch: int) -> User | None:
        """The user a session names, if still active and the session not ended by a reset."""
        return await self._recent.get(
            ("session", user_id, epoch), lambda: self._session_user(user_id, epoch)
        )

    async def _session_user(self, user_id: int, epoch: int) -> User | None:
        query = select(*_USER_COLUMNS).where(
            t.DeskUser.id == user_id,
            t.DeskUser.active.is_(True),
            t.DeskUser.session_epoch == epoch,
        )
        return await self._read(query)

    async def issue_token(self, name: str, *, label: str, now: datetime) -> str:
        """A new API token for the user; shown once, stored only hashed."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        async with self._sessions() as session, session.begin():
            user_id = await session.scalar(select(t.DeskUser.id).where(t.DeskUser.name == name))
            if user_id is None:
                raise AccountError(f"there is no user {name}")
            session.add(
                t.ApiToken(
                    user_id=user_id,
                    token_sha256=token_digest(token),
                    label=label[:200],
                    created_at=now,
                )
            )
        return token

    async def token_user(self, token: str) -> User | None:
        """The active user an API token belongs to, if the token is valid."""
        digest = token_digest(token)
        return await self._recent.get(("token", digest), lambda: self._token_user(digest))

    async def _token_user(self, digest: str) -> User | None:
        query = (
            select(*_USER_COLUMNS)
            .join(t.ApiToken, t.ApiToken.user_id == t.DeskUser.id)
            .where(
                t.ApiToken.token_sha256 == digest,
                t.ApiToken.revoked_at.is_(None),
                t.DeskUser.active.is_(True),
            )
        )
        return await self._read(query)

    async def _read(self, query: Select[int, str, str, int]) -> User | None:
        def work(conn: Connection) -> User | None:
            row = conn.execute(query).first()
            return User(row[0], row[1], Role(row[2]), row[3]) if row is not None else None

        if self._reader is not None:
            return await self._reader.read(work, bounded=True)  # by primary or unique key
        async with self._engine.connect() as conn:
            return await conn.run_sync(work)
