"""Every store test runs on SQLite and on a real PostgreSQL started on loopback."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_server import PostgresServer


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL for the session; each test gets a database of its own. (Its folder is
    outside pytest's, which the `postgres` user may not enter.)"""
    folder = Path(tempfile.mkdtemp(prefix="scrapeguard-pg-"))
    server = PostgresServer(folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scrapeguard.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def store_url(empty_url: str) -> str:
    """A database of each kind, upgraded to the current schema."""
    from scrapeguard.store import upgrade

    upgrade(empty_url)
    return empty_url
