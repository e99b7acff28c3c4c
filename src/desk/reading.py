"""How the desk reads the store: a whole read in one go, never holding the write lock.

A page the desk shows is several statements (the cases, the queue's count). Through the
async engine on SQLite each statement, cursor and rollback is a hand-off between the event
loop and aiosqlite's thread, and every transaction begins ``IMMEDIATE`` (the store's
writers need that), so four officers paging at once queue for SQLite's write lock and
sleep in its busy handler. The desk's reads go instead:

- on SQLite, whole in one worker thread on a synchronous engine of their own, in a
  deferred (read) transaction on connections that are ``query_only``: one hand-off per
  read, one consistent snapshot, and WAL lets them run beside the intake's writes;
- elsewhere (PostgreSQL, asyncpg), through the async engine in one ``run_sync``.

Either way the work is one plain function over a synchronous ``Connection``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

T = TypeVar("T")
_PRAGMAS = ("busy_timeout=30000", "query_only=ON")


def _sqlite_reader(engine: AsyncEngine) -> Engine:
    url = engine.url.render_as_string(hide_password=False).replace("+aiosqlite", "")
    sync = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(sync, "connect")
    def on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # SQLAlchemy, not the driver, begins: a deferred BEGIN takes no lock until it reads.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in _PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(sync, "begin")
    def on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return sync


class Reader:
    """Runs the desk's read functions against the store (see the module's docstring)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sync = _sqlite_reader(engine) if engine.dialect.name == "sqlite" else None

    async def read(self, work: Callable[[Connection], T]) -> T:
        """``work`` in one read transaction, rolled back after (it changes nothing)."""
        if self._sync is not None:
            return await asyncio.to_thread(self._in_thread, self._sync, work)
        async with self._engine.connect() as conn:
            return await conn.run_sync(work)

    @staticmethod
    def _in_thread(sync: Engine, work: Callable[[Connection], T]) -> T:
        with sync.connect() as conn:
            return work(conn)

    def close(self) -> None:
        """Release the reader's own connections."""
        if self._sync is not None:
            self._sync.dispose()
