"""pytest fixtures for the web desk: load with ``tests.support.desk_fixtures``."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.desk import Template, build_template


@pytest.fixture(scope="session")
def desk_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """One filled store with users and tokens for the run; each test works on a copy."""
    path = tmp_path_factory.mktemp("desk-template") / "desk.db"
    return asyncio.run(build_template(path))
