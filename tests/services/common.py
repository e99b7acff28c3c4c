"""What the service helpers share: free ports, waiting for a port, and the skip-or-fail rule.

A missing server binary skips the test on a developer's machine, but with
``IMPORTBIO_REQUIRE_SERVICES=1`` (set by CI, which installs the servers) it fails, so a
broken install can never pass as a skipped test.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from typing import NoReturn

import pytest

REQUIRE_ENV = "IMPORTBIO_REQUIRE_SERVICES"


def services_required() -> bool:
    """True when a missing server must fail the test instead of skipping it."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it when services are required."""
    if services_required():
        pytest.fail(f"{reason} ({REQUIRE_ENV} is set, so this is an error)", pytrace=False)
    pytest.skip(reason)


def require_binary(name: str) -> str:
    """The full path of a server binary, or skip/fail when it is not installed."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")
    if path is None:
        unavailable(f"{name} is not installed")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_answers(port: int) -> bool:
    """True when something accepts a TCP connection on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(port: int, *, timeout_s: float, alive: object = None) -> bool:
    """Wait until the port answers; ``alive`` is a callable that says the server still runs."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if port_answers(port):
            return True
        if callable(alive) and not alive():
            return False
        time.sleep(0.02)
    return False
