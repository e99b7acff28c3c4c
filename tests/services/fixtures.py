"""pytest fixtures for the real servers: load with ``pytest_plugins = ["tests.services.fixtures"]``.

``dovecot`` and ``redis_server`` give each test its own fresh server; the ``*_session``
variants share one server across the run (tests then use their own users or keys).
On teardown the server log's tail is printed: pytest shows it only for failed tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services.dovecot import Dovecot
from tests.services.redis import RedisServer


def _report(name: str, tail: str) -> None:
    print(f"----- {name} log (tail) -----\n{tail}")


@pytest.fixture(scope="session")
def dovecot_session() -> Iterator[Dovecot]:
    """One Dovecot for the whole run."""
    server = Dovecot()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A fresh Dovecot for one test (it may stop, restart or break it)."""
    server = Dovecot()
    try:
        server.start()
        yield server
        _report("dovecot", server.log_tail())
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def redis_server_session() -> Iterator[RedisServer]:
    """One Redis for the whole run."""
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh Redis for one test (it may restart or stop it)."""
    server = RedisServer()
    try:
        server.start()
        yield server
        _report("redis", server.log_tail())
    finally:
        server.cleanup()
