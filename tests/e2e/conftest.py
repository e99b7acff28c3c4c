"""The end-to-end desk: a fresh Dovecot, Redis and PostgreSQL database per test, migrated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.desk import DESK_LOGIN, DESK_PASSWORD, Desk, running
from tests.services.dovecot import Dovecot
from tests.services.redis import RedisServer


@pytest.fixture
def desk(
    dovecot: Dovecot, redis_server: RedisServer, postgres_url: str, tmp_path: Path
) -> Iterator[Desk]:
    """A migrated installation with its relay up and no process running yet."""
    installation = Desk(dovecot, redis_server, postgres_url, tmp_path)
    installation.add_mailbox(DESK_LOGIN, DESK_PASSWORD)
    with running(installation):
        installation.ok("migrate")
        yield installation
        print("----- importbio logs (tail) -----\n" + installation.logs()[-6000:])
