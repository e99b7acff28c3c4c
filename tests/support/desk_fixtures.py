"""pytest fixtures for the web desk: load with ``tests.support.desk_fixtures``."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.desk import Template, build_template
from tests.support.reports import ReportsTemplate, build_in_thread


@pytest.fixture(scope="session")
def desk_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """One filled store with users and tokens for the run; each test works on a copy."""
    path = tmp_path_factory.mktemp("desk-template") / "desk.db"
    # In a thread of its own: a test that requests it may already run an event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, build_template(path)).result()


@pytest.fixture(scope="session")
def reports_template(tmp_path_factory: pytest.TempPathFactory) -> ReportsTemplate:
    """The desk's filled store plus a simulated first quarter of 2023; copied per test."""
    return build_in_thread(tmp_path_factory.mktemp("reports-template") / "desk.db")
