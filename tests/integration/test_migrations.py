"""The Alembic migrations against the models, on SQLite and PostgreSQL.

After ``upgrade head`` on an empty database, Alembic's autogenerate comparison must find
nothing between the migrated schema and ``intake.case.tables.Base.metadata``: a model
changed without a migration (or the reverse) fails here. Downgrading to base must work.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Index, MetaData, String, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.case.migrate import alembic_config, current_head, upgrade
from intake.case.store import connect
from intake.case.tables import Base

pytestmark = pytest.mark.integration

VERSION_TABLE = "alembic_version"


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a new database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'cases.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def engine(empty_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the empty database, disposed after the test."""
    db = connect(empty_url)
    try:
        yield db
    finally:
        await db.dispose()


def _differences(connection: Connection, metadata: MetaData = Base.metadata) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _changed_models() -> MetaData:
    """A copy of the models with one column longer, one nullable and one new index."""
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    cases = changed.tables["cases"]
    cases.c.coi.type = String(41)
    cases.c.risk.nullable = True
    Index("ix_cases_decision", cases.c.decision)
    return changed


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {VERSION_TABLE}


def downgrade(url: str, revision: str) -> None:
    """Take the store at ``url`` back to ``revision``."""
    command.downgrade(alembic_config(url), revision)


async def test_migrated_schema_matches_the_models(empty_url: str, engine: AsyncEngine) -> None:
    """Upgrading an empty database to head gives exactly the schema the models describe."""
    await asyncio.to_thread(upgrade, empty_url)
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
        tables = await connection.run_sync(_tables)
        version = await connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
        changed = await connection.run_sync(_differences, _changed_models())
    assert differences == []
    assert tables == set(Base.metadata.tables)
    assert version == current_head()
    # the comparison is sharp enough to see a small drift between models and migrations
    kinds = {diff[0] if isinstance(diff, tuple) else diff[0][0] for diff in changed}
    assert kinds == {"modify_type", "modify_nullable", "add_index"}


async def test_empty_database_differs_from_the_models(engine: AsyncEngine) -> None:
    """Before any migration the comparison sees every table missing (it can fail)."""
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    added = {diff[1].name for diff in differences if diff[0] == "add_table"}
    assert added == set(Base.metadata.tables)


async def test_upgrade_twice_then_downgrade_to_base(empty_url: str, engine: AsyncEngine) -> None:
    """Upgrading again changes nothing, and downgrading to base removes every table."""
    await asyncio.to_thread(upgrade, empty_url)
    await asyncio.to_thread(upgrade, empty_url)
    await asyncio.to_thread(downgrade, empty_url, "base")
    async with engine.connect() as connection:
        tables = await connection.run_sync(_tables)
        versions = (await connection.execute(text(f"SELECT * FROM {VERSION_TABLE}"))).all()
    assert tables == set()
    assert versions == []
    await asyncio.to_thread(upgrade, empty_url)
    async with engine.connect() as connection:
        assert await connection.run_sync(_tables) == set(Base.metadata.tables)
