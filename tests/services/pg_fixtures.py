"""Pytest fixtures for a real PostgreSQL: one server per session, one new database per test.

Load with ``pytest_plugins = ["tests.services.pg_fixtures"]`` in ``tests/conftest.py`` (or
``-p tests.services.pg_fixtures`` on the command line).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.services.postgres import Postgres


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A running PostgreSQL server for the whole session; skipped when it is not installed."""
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def postgres_url(postgres: Postgres) -> Iterator[str]:
    """The URL of a new, empty database on the session's server, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    postgres.create_database(name)
    try:
        yield postgres.url_for(name)
    finally:
        postgres.drop_database(name)
