"""pytest fixtures for the in-process SMTP server: load with ``tests.support.smtp_fixtures``.

``smtp_server`` is a fresh recording server per test; ``make_smtp_server(**options)`` starts
more (with AUTH, STARTTLS or TLS) and stops them all at teardown; ``smtp_tls_files`` is one
self-signed certificate for the run, or a skip when neither ``cryptography`` nor ``openssl``
is available.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services.common import unavailable
from tests.support.smtpd import RecordingSMTP, TlsFiles, make_self_signed_cert


@pytest.fixture(scope="session")
def smtp_tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed certificate for localhost and 127.0.0.1, shared by the run."""
    directory: Path = tmp_path_factory.mktemp("smtp-tls")
    files = make_self_signed_cert(directory)
    if files is None:
        unavailable("neither the cryptography package nor openssl is available for TLS tests")
    return files


@pytest.fixture
def smtp_server() -> Iterator[RecordingSMTP]:
    """A fresh recording SMTP server on 127.0.0.1, plain, no AUTH."""
    with RecordingSMTP() as server:
        yield server


@pytest.fixture
def make_smtp_server() -> Iterator[Callable[..., RecordingSMTP]]:
    """A factory of started recording SMTP servers, all stopped at teardown."""
    started: list[RecordingSMTP] = []

    def make(**options: Any) -> RecordingSMTP:
        server = RecordingSMTP(**options)
        server.start()
        started.append(server)
        return server

    yield make
    for server in reversed(started):
        server.stop()
